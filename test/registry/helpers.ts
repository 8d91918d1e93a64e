import { z } from 'zod';
import { TransportError, type DeliveryProvider, type ProviderType, type TextMessage } from '../../src/index.js';

/** A host-defined provider type, registered exactly like the built-ins; it misbehaves on request. */
export function leakyType(): ProviderType<{ mode: 'ok' | 'throw-plain' | 'throw-transport' | 'throw-echo' }, 'token', DeliveryProvider<TextMessage>> {
  return {
    type: 'leaky',
    kind: 'delivery',
    channel: 'push',
    configSchema: z.object({ mode: z.enum(['ok', 'throw-plain', 'throw-transport', 'throw-echo']).default('ok') }),
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
          if (config.mode === 'throw-echo') {
            // An upstream that echoes the credential, several causes deep (as an SMTP 535 reply can).
            const reply = Object.assign(new Error(`535 5.7.8 Authentication failed for ${token}`), { code: 'EAUTH', response: `535 ${token}` });
            throw new TransportError('AUTH_FAILED', `rejected: ${token}`, { cause: new Error(`wrapped ${token}`, { cause: reply }), upstream: { status: 535, description: `bad ${token}` } });
          }
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
