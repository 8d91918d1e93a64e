import { randomUUID } from 'node:crypto';
import type { Logger, ProviderEvent } from '../core/events.js';
import type { Clock } from '../core/provider.js';
import type { EventStore } from '../storage/types.js';

/** The provider id of events about the registry itself (e.g. `events.dropped`). */
export const REGISTRY_EVENT_SOURCE = '(registry)';

/**
 * How long the first event of a batch waits for more before the batch is written. Sends come
 * far faster than a database round trip; lingering briefly makes batches of many events.
 */
const LINGER_MS = 20;

/** Counters of the event queue, as `registry.stats().events` reports them. */
export interface EventQueueStats {
  /** Waiting to be written. */
  readonly queued: number;
  /** Written to the event store. */
  readonly written: number;
  /** Dropped because the queue was full (the store is slow or down). */
  readonly dropped: number;
  /** Lost because the event store failed or timed out writing their batch. */
  readonly failed: number;
}

/** Options of {@link EventQueue}. */
export interface EventQueueOptions {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger | undefined;
  /** Events held at most; more are dropped and counted. */
  readonly capacity: number;
  /** Events per `appendMany` call. */
  readonly batchSize: number;
}

/**
 * A bounded in-memory queue between recorders and the event store, so no send ever waits on the
 * event log: `push` returns at once, a background loop writes batches with `appendMany`. When
 * the queue is full, events are dropped and counted, and an `events.dropped` event says how many
 * once there is room again.
 */
export class EventQueue {
  readonly #options: EventQueueOptions;
  #queue: ProviderEvent[] = [];
  #written = 0;
  #dropped = 0;
  #failed = 0;
  /** Drops not yet reported by an `events.dropped` event. */
  #unreported = 0;
  #draining: Promise<void> | undefined;
  #linger: ReturnType<typeof setTimeout> | undefined;

  constructor(options: EventQueueOptions) {
    this.#options = options;
  }

  /** Queues an event; never waits, never throws. */
  push(event: ProviderEvent): void {
    if (this.#queue.length >= this.#options.capacity) {
      this.#dropped += 1;
      this.#unreported += 1;
    } else {
      this.#queue.push(event);
    }
    if (this.#draining || this.#linger) return;
    if (this.#queue.length >= this.#options.batchSize) this.#startDrain();
    else this.#linger = setTimeout(() => this.#startDrain(), LINGER_MS);
  }

  /** Resolves once every event queued before the call was written (or counted as failed). */
  async flush(): Promise<void> {
    // Drains at once rather than after the linger; with nothing queued the drain ends at once.
    this.#startDrain();
    while (this.#draining) await this.#draining;
  }

  stats(): EventQueueStats {
    return { queued: this.#queue.length, written: this.#written, dropped: this.#dropped, failed: this.#failed };
  }

  #startDrain(): void {
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    // Let the caller's synchronous work (the rest of a send) finish before any storage I/O.
    await Promise.resolve();
    try {
      while (this.#queue.length > 0 || this.#unreported > 0) {
        if (this.#unreported > 0 && this.#queue.length < this.#options.capacity) this.#queue.push(this.#droppedEvent());
        const batch = this.#queue.splice(0, this.#options.batchSize);
        try {
          await this.#options.store.appendMany(batch);
          this.#written += batch.length;
        } catch (cause) {
          this.#failed += batch.length;
          this.#log('error', 'events.failed', 'event store write failed; events lost', { lost: batch.length, error: describe(cause) });
        }
      }
    } finally {
      this.#draining = undefined;
    }
  }

  #droppedEvent(): ProviderEvent {
    const dropped = this.#unreported;
    this.#unreported = 0;
    const message = `${dropped} event(s) dropped: the event queue was full (event store slow or down)`;
    this.#log('warn', 'events.dropped', message, { dropped, total: this.#dropped });
    return {
      id: randomUUID(),
      time: new Date(this.#options.clock.now()).toISOString(),
      providerId: REGISTRY_EVENT_SOURCE,
      providerType: 'registry',
      severity: 'warn',
      type: 'events.dropped',
      message,
      fields: { dropped, total: this.#dropped },
    };
  }

  #log(level: 'error' | 'warn', event: string, msg: string, fields: Record<string, unknown>): void {
    try {
      this.#options.logger?.({ level, time: this.#options.clock.now(), msg, providerId: REGISTRY_EVENT_SOURCE, providerType: 'registry', event, fields });
    } catch {
      // A throwing logger must not stop the queue.
    }
  }
}

/** Code and message of a storage error, for a log line (storage errors carry no secrets). */
function describe(cause: unknown): Record<string, unknown> {
  const error = cause as { code?: unknown; message?: unknown } | null;
  return { code: error?.code, message: typeof error?.message === 'string' ? error.message : String(cause) };
}
