import { describe, expect, it, vi } from 'vitest';
import type { ProviderRecord, StorageChange, TransportStorage } from '../../src/storage/types.js';
import { RecordCache } from '../../src/registry/record-cache.js';
import { LiveProviders, type Live } from '../../src/registry/live-providers.js';

const record = (id: string, version = 1) => ({ id, version }) as unknown as ProviderRecord;

/** A store whose watch hook the test drives: `announce` is what the store would call. */
function watchable(options: { fail?: boolean } = {}) {
  let listener: ((change: StorageChange) => void) | undefined;
  let resolveWatch!: (unwatch: () => Promise<void>) => void;
  let rejectWatch!: (error: Error) => void;
  const unwatch = vi.fn(async () => undefined);
  const storage = {
    watch: (fn: (change: StorageChange) => void) => {
      listener = fn;
      return new Promise<() => Promise<void>>((resolve, reject) => {
        resolveWatch = resolve;
        rejectWatch = reject;
      });
    },
  } as unknown as TransportStorage;
  return {
    storage,
    unwatch,
    listening: async () => {
      if (options.fail) rejectWatch(new Error('no LISTEN'));
      else resolveWatch(unwatch);
      await new Promise((r) => setImmediate(r));
    },
    announce: (change: StorageChange) => listener?.(change),
  };
}

describe('RecordCache', () => {
  it('reads through to the store when the store announces no changes', async () => {
    const cache = new RecordCache();
    cache.start({} as TransportStorage, () => undefined);
    const load = vi.fn(async () => record('a'));
    await cache.read('a', load);
    await cache.read('a', load);
    expect(load).toHaveBeenCalledTimes(2);
    expect(cache.active).toBe(false);
    expect(cache.peek('a')).toBeUndefined();
  });

  it('serves a record from memory once the store listens, until a change of it is announced', async () => {
    const store = watchable();
    const cache = new RecordCache();
    cache.start(store.storage, () => undefined);
    let loads = 0;
    const load = vi.fn(async () => record('a', loads++));
    expect((await cache.read('a', load)).version).toBe(0); // not yet listening: not cached
    await store.listening();
    expect(cache.active).toBe(true);
    expect((await cache.read('a', load)).version).toBe(1);
    expect((await cache.read('a', load)).version).toBe(1);
    expect(cache.peek('a')?.version).toBe(1);
    expect(load).toHaveBeenCalledTimes(2);
    store.announce({ kind: 'provider', id: 'b' });
    expect(cache.peek('a')?.version).toBe(1); // another record's change keeps it
    store.announce({ kind: 'provider', id: 'a' });
    expect(cache.peek('a')).toBeUndefined();
    expect((await cache.read('a', load)).version).toBe(2);
    await cache.read('c', async () => record('c'));
    store.announce({ kind: 'defaults' } as unknown as StorageChange); // any other change: everything is read again
    expect([cache.peek('a'), cache.peek('c')]).toStrictEqual([undefined, undefined]);
    cache.forget('x');
  });

  it('does not keep a read that overlapped a change (it may be stale)', async () => {
    const store = watchable();
    const cache = new RecordCache();
    cache.start(store.storage, () => undefined);
    await store.listening();
    let finish!: (r: ProviderRecord) => void;
    const pending = cache.read('a', () => new Promise((resolve) => (finish = resolve)));
    store.announce({ kind: 'provider', id: 'a' });
    finish(record('a', 7));
    expect((await pending).version).toBe(7);
    expect(cache.peek('a')).toBeUndefined();
    cache.forget('a');
    await cache.read('a', async () => record('a', 8));
    expect(cache.peek('a')?.version).toBe(8);
    cache.forget('a');
    expect(cache.peek('a')).toBeUndefined();
  });

  it('stops listening on stop(), also when the store starts listening only afterwards', async () => {
    const store = watchable();
    const cache = new RecordCache();
    cache.start(store.storage, () => undefined);
    await store.listening();
    await cache.read('a', async () => record('a'));
    await cache.stop();
    expect(store.unwatch).toHaveBeenCalledTimes(1);
    expect(cache.active).toBe(false);
    expect(cache.peek('a')).toBeUndefined();

    const late = watchable();
    const early = new RecordCache();
    early.start(late.storage, () => undefined);
    await early.stop();
    await late.listening();
    expect(late.unwatch).toHaveBeenCalledTimes(1);
    expect(early.active).toBe(false);
  });

  it('forget() drops only the record it names, and a read while off is never cached', async () => {
    const store = watchable();
    const cache = new RecordCache();
    cache.start(store.storage, () => undefined);
    await cache.read('a', async () => record('a', 0));
    expect(cache.peek('a')).toBeUndefined();
    await store.listening();
    await cache.read('a', async () => record('a', 1));
    await cache.read('b', async () => record('b', 1));
    cache.forget('a');
    expect([cache.peek('a'), cache.peek('b')]).toStrictEqual([undefined, record('b', 1)]);
  });

  it('stays off and reports when the store cannot listen', async () => {
    const store = watchable({ fail: true });
    const errors: unknown[] = [];
    const cache = new RecordCache();
    cache.start(store.storage, (e) => errors.push(e));
    await store.listening();
    expect(errors).toStrictEqual([new Error('no LISTEN')]);
    expect(cache.active).toBe(false);
  });
});

describe('LiveProviders', () => {
  const built = (name: string, closed: string[]): Live => ({ provider: { id: name, close: async () => void closed.push(name) }, events: {} }) as unknown as Live;

  it('builds once per version, never replaces a newer build with an older one, and does not cache a failed build', async () => {
    const closed: string[] = [];
    const live = new LiveProviders(1_000);
    const build = vi.fn(async () => built('v1', closed));
    const first = live.entry('a', 1, build);
    expect(live.entry('a', 1, build)).toBe(first);
    const second = live.entry('a', 2, async () => built('v2', closed));
    expect(live.entry('a', 1, build)).toBe(second);
    expect(build).toHaveBeenCalledTimes(1);
    expect(live.cached('a')).toBe(second);
    await new Promise((r) => setImmediate(r));
    expect(closed).toStrictEqual(['v1']); // the replaced build had nothing in flight
    const failing = live.entry('b', 1, async () => Promise.reject(new Error('bad config')));
    await expect(failing.live).rejects.toThrow('bad config');
    await new Promise((r) => setImmediate(r));
    expect(live.cached('b')).toBeUndefined();
    expect(live.stats()).toStrictEqual({ live: 1, draining: 0 });
  });

  it('closes a replaced build only after its in-flight operations, and evicts on removal', async () => {
    const closed: string[] = [];
    const live = new LiveProviders(60_000);
    const old = live.entry('a', 1, async () => built('v1', closed));
    let finish!: () => void;
    const inflight = live.use(old, () => new Promise<string>((resolve) => (finish = () => resolve('done'))));
    await new Promise((r) => setImmediate(r));
    expect(old.inflight).toBe(1);
    live.entry('a', 2, async () => built('v2', closed));
    await new Promise((r) => setImmediate(r));
    expect(closed).toStrictEqual([]);
    expect(live.stats()).toStrictEqual({ live: 1, draining: 1 });
    finish();
    expect(await inflight).toBe('done');
    await new Promise((r) => setImmediate(r));
    expect(closed).toStrictEqual(['v1']);
    expect(old.inflight).toBe(0);
    await live.evict('a');
    expect(closed).toStrictEqual(['v1', 'v2']);
    expect(live.stats()).toStrictEqual({ live: 0, draining: 0 });
  });

  it('closes a build whose operation hangs after drainTimeoutMs, and closeAll waits for every build', async () => {
    vi.useFakeTimers();
    try {
      const closed: string[] = [];
      const live = new LiveProviders(5_000);
      const old = live.entry('a', 1, async () => built('v1', closed));
      void live.use(old, () => new Promise(() => undefined));
      await vi.advanceTimersByTimeAsync(0);
      live.entry('a', 2, async () => built('v2', closed));
      live.entry('b', 1, async () => built('b1', closed));
      await vi.advanceTimersByTimeAsync(4_999);
      expect(closed).toStrictEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(closed).toStrictEqual(['v1']);
      await live.closeAll();
      expect(closed.sort()).toStrictEqual(['b1', 'v1', 'v2']);
      expect(live.stats()).toStrictEqual({ live: 0, draining: 0 });
    } finally {
      vi.useRealTimers();
    }
  });
});
