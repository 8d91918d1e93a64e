import { z } from 'zod';
import { TransportError, type DeliveryProvider, type ProviderType, type TextMessage } from '../../src/index.js';

/** A host-defined provider type, registered exactly like the built-ins; it misbehaves on request. */
export function leakyType(): ProviderType<{ mode: 'ok' | 'throw-plain' | 'throw-transport' }, 'token', DeliveryProvider<TextMessage>> {
  return {
    type: 'leaky',
    kind: 'delivery',
    channel: 'push',
    configSchema: z.object({ mode: z.enum(['ok', 'throw-plain', 'throw-transport']).default('ok') }),
    secretFields: ['token'],
    create(config, secrets, context) {
      const token = secrets.token ?? '';
      return {
        kind: 'delivery',
        id: context.providerId,
        type: 'leaky',
        channel: 'push',
        capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false },
        validateAddress: (a) => (a.startsWith('device:') ? { ok: true, normalized: a } : { ok: false, reason: 'not a device id' }),
        async send(message) {
          context.events.debug('push.request', `POST /push?token=${token}`, { url: `https://push.example/?t=${encodeURIComponent(token)}`, token, nested: { header: `Bearer ${token}` } });
          if (config.mode === 'throw-plain') throw new Error(`upstream said: bad token ${token}`);
          if (config.mode === 'throw-transport') throw new TransportError('AUTH_FAILED', 'token rejected', { upstream: { status: 401 } });
          return { providerId: context.providerId, messageId: 'm1', accepted: [String(message.to)], rejected: [] };
        },
        async verify() {
          if (config.mode !== 'ok') throw new Error(`verify failed for ${token}`);
          return { detail: 'ok' };
        },
        async close() {},
      };
    },
  };
}
