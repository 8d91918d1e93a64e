import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { rejection, setup, type Setup } from './helpers.js';

let s: Setup | undefined;
afterEach(async () => s?.close());

describe('outcomes of a failed send', () => {
  it('a /send_e2e that times out after the request was written is outcome unknown', async () => {
    s = await setup({ config: { timeoutMs: 150 } });
    s.gateway.failNext('send_e2e', { delayMs: 3_000 });
    const error = await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'maybe' }));
    expect(error).toMatchObject({ code: 'TIMEOUT', details: { outcome: 'unknown' } });
    expect(s.gateway.counters.send_e2e).toBe(1);
  });

  it('a slow lookup is a plain TIMEOUT (nothing was sent), and a refused connection is not-sent', async () => {
    s = await setup({ config: { timeoutMs: 150, lookupRetries: 0 } });
    s.gateway.failNext('pubkeys', { delayMs: 3_000 });
    const slow = await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x' }));
    expect(slow).toMatchObject({ code: 'TIMEOUT' });
    expect((slow.details as { outcome?: string } | undefined)?.outcome).not.toBe('unknown');

    // A port nothing listens on.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const refused = await s.registry.create({
      type: 'threema',
      config: { ...s.gateway.providerSettings().config, gatewayUrl: `http://127.0.0.1:${port}/`, retryDelayMs: 1, lookupRetries: 0 },
      secrets: s.gateway.providerSettings().secrets,
    });
    const error = await rejection(s.registry.send(refused.id, { to: 'ECHOECHO', text: 'x' }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { outcome: 'not-sent' } });
  });
});
