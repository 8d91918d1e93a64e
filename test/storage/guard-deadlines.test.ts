import { describe, expect, it } from 'vitest';
import { memoryStorage, type TransportStorage } from '../../src/index.js';
import { guardStorage } from '../../src/storage/guard.js';

const never = () => new Promise<never>(() => {});

describe('guardStorage deadlines (one timer per guard, not per call)', () => {
  it('times out each hanging call, never a settled one, whatever the order', async () => {
    const base = memoryStorage();
    let calls = 0;
    // Every third providers.get hangs; the others answer at once or after 5 ms.
    const storage: TransportStorage = {
      ...base,
      providers: { ...base.providers, get: (id: string) => (++calls % 3 === 0 ? never() : calls % 3 === 1 ? base.providers.get(id) : new Promise((r) => setTimeout(() => r(base.providers.get(id)), 5))) },
    };
    const guarded = guardStorage(storage, { timeoutMs: 40 });
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => guarded.providers.get(`p${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(10);
    for (const r of rejected) expect(r.reason).toMatchObject({ code: 'TIMEOUT', details: { operation: 'providers.get', timeoutMs: 40 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(39);
    // A later hanging call still times out once the queue was emptied.
    await expect(guarded.providers.list()).resolves.toEqual([]);
    const late = { ...storage, providers: { ...storage.providers, list: never } };
    await expect(guardStorage(late, { timeoutMs: 20 }).providers.list()).rejects.toMatchObject({ code: 'TIMEOUT', details: { operation: 'providers.list' } });
  });

  it('a call started after a hanging one times out after its own bound, not earlier', async () => {
    const base = memoryStorage();
    const storage: TransportStorage = { ...base, providers: { ...base.providers, get: never, list: never } };
    const guarded = guardStorage(storage, { timeoutMs: 60 });
    const first = guarded.providers.get('a').catch((e: unknown) => ({ e, at: Date.now() }));
    await new Promise((r) => setTimeout(r, 30));
    const startedSecond = Date.now();
    const second = guarded.providers.list().catch((e: unknown) => ({ e, at: Date.now() }));
    const [a, b] = (await Promise.all([first, second])) as { e: { details: { operation: string } }; at: number }[];
    expect(a!.e.details.operation).toBe('providers.get');
    expect(b!.e.details.operation).toBe('providers.list');
    expect(b!.at - startedSecond).toBeGreaterThanOrEqual(59);
  });
});
