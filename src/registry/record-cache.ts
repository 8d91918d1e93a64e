import type { ProviderRecord, StorageChange, TransportStorage } from '../storage/types.js';

/**
 * Provider records cached for the send path, kept coherent through the store's optional
 * `watch` hook. Without that hook (or until it listens) every read goes to the store, so a change
 * made by another app instance is never missed.
 */
export class RecordCache {
  readonly #records = new Map<string, ProviderRecord>();
  /** Bumped by every change: a read that overlapped a change is not cached (it may be stale). */
  #generation = 0;
  #active = false;
  #stopped = false;
  #unwatch: (() => Promise<void>) | undefined;

  /** Subscribes to the store's changes, if it announces them; failures leave the cache off. */
  start(storage: TransportStorage, onError: (cause: unknown) => void): void {
    if (typeof storage.watch !== 'function') return;
    storage.watch((change) => this.#changed(change)).then(
      (unwatch) => {
        if (this.#stopped) return void unwatch().catch(onError);
        this.#unwatch = unwatch;
        this.#active = true;
      },
      onError,
    );
  }

  /** The cached record, without waiting; undefined when it must be read (use {@link read}). */
  peek(id: string): ProviderRecord | undefined {
    return this.#active ? this.#records.get(id) : undefined;
  }

  /** The record from the cache, or loaded (and cached when no change overlapped the load). */
  async read(id: string, load: () => Promise<ProviderRecord>): Promise<ProviderRecord> {
    if (!this.#active) return load();
    const hit = this.#records.get(id);
    if (hit) return hit;
    const generation = this.#generation;
    const record = await load();
    if (this.#active && generation === this.#generation) this.#records.set(id, record);
    return record;
  }

  /** Forgets a record this instance just changed, without waiting for the announcement. */
  forget(id: string): void {
    this.#changed({ kind: 'provider', id });
  }

  /** Whether sends are served from the cache (the store announces changes). */
  get active(): boolean {
    return this.#active;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#active = false;
    this.#records.clear();
    await this.#unwatch?.();
  }

  #changed(change: StorageChange): void {
    this.#generation += 1;
    if (change.kind === 'provider') this.#records.delete(change.id);
    else this.#records.clear();
  }
}
