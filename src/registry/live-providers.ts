import type { TransportProvider } from '../core/provider.js';
import type { EventRecorder } from './recorder.js';
import { closeQuietly } from './support.js';

/** A built provider with the event recorder it was given (same record version, same secrets). */
export interface Live {
  readonly provider: TransportProvider;
  readonly events: EventRecorder;
}

/** One cached build of one record version, with its sends in flight. */
export interface LiveEntry {
  readonly version: number;
  readonly live: Promise<Live>;
  /** Operations using it right now (sends, tests). */
  inflight: number;
  /** Called when `inflight` drops to 0 while the entry is retiring. */
  idle: (() => void) | undefined;
}

/** Counters of the provider cache, as `registry.stats().providers` reports them. */
export interface LiveProviderStats {
  /** Built providers serving new operations. */
  readonly live: number;
  /** Replaced or removed providers waiting for their in-flight sends before they close. */
  readonly draining: number;
}

/**
 * The registry's cache of live providers, one per record, keyed by record version. A newer
 * version replaces the cached build for new operations; the old build is closed only once its
 * in-flight operations settled, or after `drainTimeoutMs` at the latest (graceful drain).
 */
export class LiveProviders {
  readonly #entries = new Map<string, LiveEntry>();
  readonly #draining = new Set<Promise<void>>();

  constructor(private readonly drainTimeoutMs: number) {}

  /**
   * The entry serving `version` of record `id`: the cached one when it is at least as new (a
   * caller that read an older version never replaces a newer build), else a new build.
   */
  entry(id: string, version: number, build: () => Promise<Live>): LiveEntry {
    const cached = this.#entries.get(id);
    if (cached && cached.version >= version) return cached;
    const entry: LiveEntry = { version, live: build(), inflight: 0, idle: undefined };
    this.#entries.set(id, entry);
    // A failed build is not cached: the next operation tries again.
    entry.live.catch(() => {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
    });
    if (cached) void this.#retire(cached);
    return entry;
  }

  /** The cached entry of a record, if any. */
  cached(id: string): LiveEntry | undefined {
    return this.#entries.get(id);
  }

  /** Runs `fn` with the entry counted as in use, so a replacement waits for it before closing. */
  async use<T>(entry: LiveEntry, fn: (live: Live) => Promise<T>): Promise<T> {
    entry.inflight += 1;
    try {
      return await fn(await entry.live);
    } finally {
      entry.inflight -= 1;
      if (entry.inflight === 0) entry.idle?.();
    }
  }

  /** Drops a record's build (record removed) and closes it after its in-flight operations. */
  async evict(id: string): Promise<void> {
    const cached = this.#entries.get(id);
    this.#entries.delete(id);
    if (cached) await this.#retire(cached);
  }

  /** Retires every build and waits until all are closed. */
  async closeAll(): Promise<void> {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.all([...entries.map((e) => this.#retire(e)), ...this.#draining]);
  }

  stats(): LiveProviderStats {
    return { live: this.#entries.size, draining: this.#draining.size };
  }

  #retire(entry: LiveEntry): Promise<void> {
    const done = this.#drain(entry).then(() => closeQuietly(entry.live));
    this.#draining.add(done);
    void done.finally(() => this.#draining.delete(done));
    return done;
  }

  #drain(entry: LiveEntry): Promise<void> {
    if (entry.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, this.drainTimeoutMs);
      timer.unref?.();
      entry.idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
