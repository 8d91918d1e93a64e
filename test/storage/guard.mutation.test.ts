import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, TransportError, type StorageChange, type TransportStorage } from '../../src/index.js';
import { guardStorage } from '../../src/storage/guard.js';
import { rejected, thrown } from '../support/thrown.js';

const never = () => new Promise<never>(() => {});

/** What a promise has done so far, read after letting the timers run. */
function track(promise: Promise<unknown>): { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { state: 'pending' };
  promise.then(
    () => (seen.state = 'resolved'),
    (error: unknown) => Object.assign(seen, { state: 'rejected', error }),
  );
  return seen;
}

/** A memory storage whose `providers.get` calls wait until the test answers them, in call order. */
function answeredByHand() {
  const base = memoryStorage();
  const answers: (() => void)[] = [];
  const storage: TransportStorage = {
    ...base,
    providers: { ...base.providers, get: () => new Promise((resolve) => answers.push(() => resolve(undefined))) },
  };
  return { storage, answers };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('guardStorage refuses what it cannot guard', () => {
  it('refuses a missing or non-object adapter with CONFIG_INVALID on `storage`', () => {
    for (const storage of [null, undefined, 'memory', 42]) {
      const error = thrown(() => guardStorage(storage as unknown as TransportStorage));
      expect([error.code, error.field, error.message]).toStrictEqual(['CONFIG_INVALID', 'storage', 'storage must be a TransportStorage adapter']);
    }
  });

  it('refuses a timeout that is not a positive number of milliseconds, and takes a small positive one', () => {
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = thrown(() => guardStorage(memoryStorage(), { timeoutMs }));
      expect([error.code, error.field, error.message]).toStrictEqual(['CONFIG_INVALID', 'storageTimeoutMs', 'storageTimeoutMs must be a positive number of milliseconds']);
    }
    expect(guardStorage(memoryStorage(), { timeoutMs: 0.5 }).providers).toBeTypeOf('object');
  });

  it('refuses a store that is missing or not an object, naming it', () => {
    for (const providers of [null, undefined, 'providers', () => undefined]) {
      const error = thrown(() => guardStorage({ ...memoryStorage(), providers } as unknown as TransportStorage));
      expect([error.code, error.field, error.message]).toStrictEqual(['CONFIG_INVALID', 'storage.providers', 'storage.providers is missing']);
    }
  });

  it('refuses a v1 store naming the missing method and the contract', () => {
    const base = memoryStorage();
    const error = thrown(() => guardStorage({ ...base, events: { list: base.events.list, prune: base.events.prune } } as unknown as TransportStorage));
    expect([error.code, error.field, error.message]).toStrictEqual([
      'CONFIG_INVALID',
      'storage.events.appendMany',
      'storage.events.appendMany is missing (storage contract v2, see the CHANGELOG)',
    ]);
  });
});

describe('guardStorage wraps the optional parts only when the adapter has them', () => {
  it('processLocal is true only for an adapter that says so', () => {
    expect(guardStorage(memoryStorage()).processLocal).toBe(true);
    expect(guardStorage({ ...memoryStorage(), processLocal: false }).processLocal).toBe(false);
    const { processLocal: _, ...persistent } = memoryStorage();
    expect(guardStorage(persistent).processLocal).toBe(false);
  });

  it('guards recoveryCodes when present (all its methods required), leaves it out when absent', async () => {
    const base = memoryStorage();
    const failing = { ...base, recoveryCodes: { ...base.recoveryCodes!, get: () => Promise.reject(new Error('down')) } };
    const error = await rejected(guardStorage(failing).recoveryCodes!.get('u1'));
    expect([error.code, error.details]).toStrictEqual(['STORAGE_FAILED', { operation: 'recoveryCodes.get' }]);

    const { recoveryCodes: _, ...without } = base;
    expect('recoveryCodes' in guardStorage(without)).toBe(false);

    const { consume: __, ...partial } = base.recoveryCodes!;
    expect(thrown(() => guardStorage({ ...base, recoveryCodes: partial } as unknown as TransportStorage)).field).toBe('storage.recoveryCodes.consume');
  });

  it('close is bounded and calls the adapter’s close once; an adapter without close gets none', async () => {
    const base = memoryStorage();
    const close = vi.fn(async () => {});
    const guarded = guardStorage({ ...base, close });
    await expect(guarded.close!()).resolves.toBeUndefined();
    expect(close).toHaveBeenCalledTimes(1);

    const error = await rejected(guardStorage({ ...base, close: () => Promise.reject(new Error('busy')) }).close!());
    expect([error.code, error.message, error.details]).toStrictEqual(['STORAGE_FAILED', 'storage close failed', { operation: 'close' }]);

    expect('close' in guardStorage(base)).toBe(false);
  });

  it('watch is bounded, and a throwing listener does not break the adapter’s notification loop', async () => {
    const base = memoryStorage();
    let notify: ((change: StorageChange) => void) | undefined;
    const unwatch = async () => {};
    const guarded = guardStorage({ ...base, watch: async (onChange) => ((notify = onChange), unwatch) });
    const seen: StorageChange[] = [];
    await expect(
      guarded.watch!((change) => {
        seen.push(change);
        throw new Error('listener failed');
      }),
    ).resolves.toBe(unwatch);
    expect(() => notify!({ kind: 'reset' })).not.toThrow();
    notify!({ kind: 'provider', id: 'p1' });
    expect(seen).toStrictEqual([{ kind: 'reset' }, { kind: 'provider', id: 'p1' }]);

    const error = await rejected(guardStorage({ ...base, watch: () => Promise.reject(new Error('no LISTEN')) }).watch!(() => {}));
    expect([error.code, error.message, error.details]).toStrictEqual(['STORAGE_FAILED', 'storage watch failed', { operation: 'watch' }]);

    const { watch: _, ...without } = base;
    expect('watch' in guardStorage(without)).toBe(false);
  });
});

describe('guardStorage errors', () => {
  it('a method that throws or rejects gives a retryable STORAGE_FAILED naming the operation, with the cause', async () => {
    const base = memoryStorage();
    const cause = new Error('connection reset');
    for (const get of [() => { throw cause; }, () => Promise.reject(cause)]) {
      const error = await rejected(guardStorage({ ...base, providers: { ...base.providers, get } }).providers.get('p'));
      expect([error.code, error.message, error.retryable, error.details, error.cause]).toStrictEqual(['STORAGE_FAILED', 'storage providers.get failed', true, { operation: 'providers.get' }, cause]);
    }
  });

  it('a TransportError the adapter throws on purpose passes through unchanged', async () => {
    const base = memoryStorage();
    const conflict = new TransportError('CONFLICT', 'version mismatch');
    const guarded = guardStorage({ ...base, providers: { ...base.providers, update: () => Promise.reject(conflict) } });
    expect(await rejected(guarded.providers.update({} as never, 1))).toBe(conflict);
  });
});

describe('guardStorage deadlines (fake timers)', () => {
  it('a hanging call times out exactly at its deadline, not a millisecond before, naming operation and bound', async () => {
    vi.useFakeTimers();
    const base = memoryStorage();
    const guarded = guardStorage({ ...base, providers: { ...base.providers, list: never } }, { timeoutMs: 100 });
    const call = track(guarded.providers.list());
    await vi.advanceTimersByTimeAsync(99);
    expect(call.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect(call.state).toBe('rejected');
    const error = call.error as TransportError;
    expect([error.code, error.message, error.retryable, error.details]).toStrictEqual([
      'TIMEOUT',
      'storage providers.list did not answer within 100 ms',
      true,
      { operation: 'providers.list', timeoutMs: 100 },
    ]);
  });

  it('calls started later time out at their own deadlines, with one timer for all of them', async () => {
    vi.useFakeTimers();
    const base = memoryStorage();
    const guarded = guardStorage({ ...base, providers: { ...base.providers, get: never } }, { timeoutMs: 100 });
    const first = track(guarded.providers.get('a'));
    await vi.advanceTimersByTimeAsync(30);
    const second = track(guarded.providers.get('b'));
    const third = track(guarded.providers.get('c'));
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(70);
    expect([first.state, second.state, third.state]).toStrictEqual(['rejected', 'pending', 'pending']);
    await vi.advanceTimersByTimeAsync(29);
    expect([second.state, third.state]).toStrictEqual(['pending', 'pending']);
    await vi.advanceTimersByTimeAsync(1);
    expect([second.state, third.state]).toStrictEqual(['rejected', 'rejected']);
  });

  it('a call that answered leaves the calls around it in the queue: both still time out', async () => {
    vi.useFakeTimers();
    const { storage, answers } = answeredByHand();
    const guarded = guardStorage(storage, { timeoutMs: 100 });
    const first = track(guarded.providers.get('a'));
    await vi.advanceTimersByTimeAsync(10);
    const second = track(guarded.providers.get('b'));
    await vi.advanceTimersByTimeAsync(10);
    answers[1]!();
    await vi.advanceTimersByTimeAsync(0);
    // Started after `second` answered: it goes behind `first`, which is still waiting.
    const third = track(guarded.providers.get('c'));
    await vi.advanceTimersByTimeAsync(80);
    expect([first.state, second.state, third.state]).toStrictEqual(['rejected', 'resolved', 'pending']);
    await vi.advanceTimersByTimeAsync(20);
    expect(third.state).toBe('rejected');
  });

  it('after every call answered or timed out, a late answer changes nothing and a new hanging call still times out', async () => {
    vi.useFakeTimers();
    const { storage, answers } = answeredByHand();
    const guarded = guardStorage(storage, { timeoutMs: 100 });
    const answered = track(guarded.providers.get('a'));
    answers[0]!();
    await vi.advanceTimersByTimeAsync(0);
    const late = track(guarded.providers.get('b'));
    await vi.advanceTimersByTimeAsync(100);
    answers[1]!();
    await vi.advanceTimersByTimeAsync(0);
    expect([answered.state, late.state]).toStrictEqual(['resolved', 'rejected']);
    const next = track(guarded.providers.get('c'));
    await vi.advanceTimersByTimeAsync(100);
    expect(next.state).toBe('rejected');
  });

  it('a wall clock set back while a call waits does not hold its timeout back', async () => {
    vi.useFakeTimers();
    const base = memoryStorage();
    const guarded = guardStorage({ ...base, providers: { ...base.providers, list: never } }, { timeoutMs: 100 });
    const call = track(guarded.providers.list());
    vi.setSystemTime(Date.now() - 60_000);
    await vi.advanceTimersByTimeAsync(100);
    expect(call.state).toBe('rejected');
  });

  it('works where setTimeout returns a plain number (browsers, Deno: no unref)', async () => {
    vi.useFakeTimers();
    const fakeSetTimeout = globalThis.setTimeout;
    vi.stubGlobal('setTimeout', (fn: () => void, ms: number) => (fakeSetTimeout(fn, ms), 1));
    const base = memoryStorage();
    const guarded = guardStorage({ ...base, providers: { ...base.providers, list: never } }, { timeoutMs: 100 });
    const call = track(guarded.providers.list());
    await vi.advanceTimersByTimeAsync(100);
    expect([call.state, (call.error as TransportError | undefined)?.code]).toStrictEqual(['rejected', 'TIMEOUT']);
  });

  it('guarding a guarded storage guards the adapter itself, with the new bound', async () => {
    vi.useFakeTimers();
    const base = memoryStorage();
    const inner = guardStorage({ ...base, providers: { ...base.providers, list: never } }, { timeoutMs: 10 });
    const call = track(guardStorage(inner, { timeoutMs: 1_000 }).providers.list());
    await vi.advanceTimersByTimeAsync(999);
    expect(call.state).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect((call.error as TransportError).details).toStrictEqual({ operation: 'providers.list', timeoutMs: 1_000 });
  });
});
