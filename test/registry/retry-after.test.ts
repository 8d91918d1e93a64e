/**
 * Retry-After from real HTTP answers: the ASPSMS and Threema mocks answer 429 or 503 with a
 * `Retry-After` header, the providers carry it as `upstream.retryAfterSeconds`, and the router
 * waits at least that long (the scheduled delay is asserted through the `route.retry` event, the
 * wait itself only from below) or moves on when it does not fit the time budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, type ProviderRegistry } from '../../src/index.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { threema } from '../../src/providers/threema/index.js';
import { startAspsmsMock, startThreemaGatewayMock, type AspsmsMock, type ThreemaGatewayMock } from '../../src/testing/index.js';

const PHONE = '+41791234567';
const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, budgetMs: 10_000 };

describe('Retry-After from the ASPSMS and Threema mocks', () => {
  let sms: AspsmsMock;
  let gateway: ThreemaGatewayMock;
  let registry: ProviderRegistry;

  beforeAll(async () => {
    sms = await startAspsmsMock({ accounts: [{ userKey: 'RETRYKEY0001', password: 'retry-pw', credits: 100 }] });
    gateway = await startThreemaGatewayMock();
    registry = createRegistry({ types: [aspsms(), threema()] });
    await registry.create({ type: 'aspsms', id: 'sms', config: { userKey: 'RETRYKEY0001', originator: 'Shop', serviceUrl: sms.url }, secrets: { password: 'retry-pw' } });
    const { config, secrets } = gateway.providerSettings();
    await registry.create({ type: 'threema', id: 'threema', config: { ...config, retryDelayMs: 1 }, secrets });
  });
  afterAll(async () => {
    await registry.close();
    await sms.close();
    await gateway.close();
  });

  const retries = async (providerId: string) => (await registry.events({ providerId, types: ['route.retry'] })).map((e) => e.fields);
  const since = async <T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    const start = performance.now();
    const value = await run();
    return { value, ms: performance.now() - start };
  };

  it('ASPSMS: HTTP 503 with Retry-After: 1 is retried after at least a second, then sent once', async () => {
    sms.failHttpNext(503, { retryAfter: 1, operation: 'SendTextSMS' });
    const before = sms.sent.length;
    const { value: result, ms } = await since(() => registry.send('sms', { to: PHONE, text: 'retry me' }, { retry }));
    expect(result.attempts).toEqual([
      { providerId: 'sms', ok: false, code: 'UNAVAILABLE', decision: 'retry' },
      { providerId: 'sms', ok: true },
    ]);
    expect(await retries('sms')).toEqual([expect.objectContaining({ code: 'UNAVAILABLE', delayMs: 1000, attempt: 2 })]);
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(sms.sent.length - before).toBe(1);
    expect(sms.requests.filter((r) => r.operation === 'SendTextSMS').slice(-2).map((r) => r.fault ?? r.result)).toEqual(['HTTP 503', 'StatusCode:1']);
  });

  it('Threema: HTTP 429 with Retry-After: 1 is retried after at least a second (RATE_LIMITED), then sent once', async () => {
    gateway.failNext('send_e2e', { status: 429, retryAfter: 1 });
    const before = gateway.received.length;
    const { value: result, ms } = await since(() => registry.send({ providers: ['threema'] }, { to: 'ECHOECHO', text: 'retry me' }, { retry }));
    expect(result.providerId).toBe('threema');
    expect(result.attempts).toEqual([
      { providerId: 'threema', ok: false, code: 'RATE_LIMITED', decision: 'retry' },
      { providerId: 'threema', ok: true },
    ]);
    expect(await retries('threema')).toEqual([expect.objectContaining({ code: 'RATE_LIMITED', delayMs: 1000, attempt: 2 })]);
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(gateway.received.length - before).toBe(1);
  });

  it('a Retry-After beyond the time budget moves on to the next provider at once (seconds and HTTP date)', async () => {
    for (const retryAfter of [60, new Date(Date.now() + 90_000).toUTCString()]) {
      sms.failHttpNext(429, { retryAfter, operation: 'SendTextSMS' });
      const before = gateway.received.length;
      const { value: result, ms } = await since(() => registry.send({ providers: ['sms', 'threema'] }, { to: PHONE, text: 'fail over' }, { retry: { ...retry, budgetMs: 5_000 } }));
      expect(result.providerId).toBe('threema');
      expect(result.attempts).toEqual([
        { providerId: 'sms', ok: false, code: 'RATE_LIMITED', decision: 'next' },
        { providerId: 'threema', ok: true },
      ]);
      expect(ms).toBeLessThan(4_000);
      expect(gateway.received.length - before).toBe(1);
    }
    expect(await retries('sms')).toHaveLength(1); // only the first test's
    const failovers = await registry.events({ providerId: 'sms', types: ['route.failover'] });
    expect(failovers.at(-1)?.message).toBe('skipped sms: RATE_LIMITED, trying threema');
  });

  it('with no provider left, a Retry-After beyond the budget fails at once with the attempts listed', async () => {
    gateway.failNext('send_e2e', { status: 503, retryAfter: 120 });
    const { value: error, ms } = await since(() => registry.send('threema', { to: 'ECHOECHO', text: 'no luck' }, { retry: { ...retry, budgetMs: 5_000 } }).catch((e: unknown) => e));
    expect(error).toMatchObject({
      code: 'UNAVAILABLE',
      details: { outcome: 'not-sent', attempts: [{ providerId: 'threema', ok: false, code: 'UNAVAILABLE', decision: 'next' }] },
    });
    expect(ms).toBeLessThan(4_000);
  });
});
