import { isTransportError, TransportError } from '../core/errors.js';
import type { TransportStorage } from './types.js';

/** The methods contract v2 requires of each store; checked once, so a v1 adapter fails at start-up. */
const REQUIRED = {
  providers: ['get', 'list', 'insert', 'update', 'remove'],
  usages: ['add', 'remove', 'list'],
  defaults: ['get', 'set', 'clear', 'list'],
  events: ['appendMany', 'list', 'prune'],
  balance: ['get', 'put', 'claimDailyWarning', 'releaseDailyWarning'],
  totp: ['get', 'list', 'put', 'admitAttempt', 'advanceStep', 'delete'],
  challenges: ['get', 'start', 'admitAttempt', 'delete', 'markDelivered'],
  idempotency: ['claim', 'complete', 'release'],
  deliveries: ['advance', 'get'],
} as const;

/** Stores an adapter may leave out; when it has one, it needs all of its methods. */
const OPTIONAL = {
  recoveryCodes: ['get', 'put', 'admitAttempt', 'consume', 'delete'],
} as const;

/** Default bound of one storage call, in milliseconds. */
export const DEFAULT_STORAGE_TIMEOUT_MS = 10_000;

/** Options of {@link guardStorage}. */
export interface GuardOptions {
  /** Bound of every call in milliseconds (default {@link DEFAULT_STORAGE_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
}

const GUARDED = Symbol.for('transportkit.guardedStorage');

/**
 * Wraps every method of a host's storage adapter:
 * - a failure surfaces as `STORAGE_FAILED` naming the operation (the original error as `cause`);
 *   TransportErrors the adapter throws on purpose (`CONFLICT`, `NOT_FOUND`) pass through;
 * - a call that does not settle within `timeoutMs` rejects with `TIMEOUT` naming the operation
 *   (the adapter's promise is left to settle on its own: a promise cannot be cancelled);
 * - a v1 adapter (or one missing a method) is refused with `CONFIG_INVALID` naming the method.
 *
 * There is never a fallback to memory.
 */
export function guardStorage(storage: TransportStorage, options: GuardOptions = {}): TransportStorage {
  if (!storage || typeof storage !== 'object') {
    throw new TransportError('CONFIG_INVALID', 'storage must be a TransportStorage adapter', { field: 'storage' });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORAGE_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new TransportError('CONFIG_INVALID', 'storageTimeoutMs must be a positive number of milliseconds', { field: 'storageTimeoutMs' });
  }
  const source = (storage as { [GUARDED]?: TransportStorage })[GUARDED] ?? storage;
  const deadlines = new Deadlines(timeoutMs);
  const guarded: Record<string | symbol, unknown> = { processLocal: source.processLocal === true, [GUARDED]: source };
  const stores = [
    ...Object.entries(REQUIRED),
    ...Object.entries(OPTIONAL).filter(([name]) => (source as unknown as Record<string, unknown>)[name] !== undefined),
  ];
  for (const [name, methods] of stores) {
    const store = (source as unknown as Record<string, unknown>)[name] as Record<string, unknown> | undefined;
    if (!store || typeof store !== 'object') {
      throw new TransportError('CONFIG_INVALID', `storage.${name} is missing`, { field: `storage.${name}` });
    }
    const wrapped: Record<string, unknown> = {};
    for (const method of methods) {
      const fn = store[method];
      if (typeof fn !== 'function') {
        throw new TransportError('CONFIG_INVALID', `storage.${name}.${method} is missing (storage contract v2, see the CHANGELOG)`, {
          field: `storage.${name}.${method}`,
        });
      }
      const operation = `${name}.${method}`;
      wrapped[method] = (...args: unknown[]) => bounded(operation, deadlines, timeoutMs, () => (fn as (...a: unknown[]) => unknown).apply(store, args));
    }
    guarded[name] = wrapped;
  }
  if (source.close) guarded.close = () => bounded('close', deadlines, timeoutMs, () => source.close!());
  if (typeof source.watch === 'function') {
    guarded.watch = (onChange: Parameters<NonNullable<TransportStorage['watch']>>[0]) =>
      bounded('watch', deadlines, timeoutMs, () =>
        source.watch!((change) => {
          try {
            onChange(change);
          } catch {
            // A listener's failure must not break the adapter's notification loop.
          }
        }),
      );
  }
  return guarded as unknown as TransportStorage;
}

/** One call waiting for its storage answer. */
interface Pending {
  readonly deadline: number;
  readonly expire: () => void;
  settled: boolean;
  /** The call started after this one, while both are in the queue. */
  next: Pending | undefined;
}

/**
 * The deadlines of one guard's calls. They all share one timeout, so they fall due in the order
 * the calls started: a FIFO (a linked list) with a single timer at its head instead of arming and
 * clearing a timer per call. Settled calls are dropped from the head as it advances.
 */
class Deadlines {
  /** The oldest call still in the queue (never a settled one), and the newest. */
  #head: Pending | undefined;
  #tail: Pending | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer was armed for: what is due by then expires when it fires, whatever the clock says. */
  #armedFor = 0;

  constructor(private readonly timeoutMs: number) {}

  add(expire: () => void): Pending {
    const pending: Pending = { deadline: Date.now() + this.timeoutMs, expire, settled: false, next: undefined };
    if (this.#tail) this.#tail.next = pending;
    else this.#head = pending;
    this.#tail = pending;
    if (this.#timer === undefined) this.#arm(pending.deadline);
    return pending;
  }

  settle(pending: Pending): void {
    pending.settled = true;
    while (this.#head?.settled) {
      const dropped = this.#head;
      this.#head = dropped.next;
      // Unlinked, a call whose adapter never answers does not hold on to the calls after it.
      dropped.next = undefined;
    }
    if (this.#head === undefined) this.#tail = undefined;
  }

  #arm(deadline: number): void {
    this.#armedFor = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(1, deadline - Date.now()));
    this.#timer.unref?.();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    // Trusting the timer for what it was armed for: a clock that stands still (fake timers)
    // or was set back still expires the head, so firing always makes progress.
    const due = Math.max(this.#armedFor, Date.now());
    while (this.#head && this.#head.deadline <= due) {
      const expired = this.#head;
      this.settle(expired);
      expired.expire();
    }
    if (this.#head) this.#arm(this.#head.deadline);
  };
}

/** Runs one adapter call with a time bound and error normalisation. */
function bounded<T>(operation: string, deadlines: Deadlines, timeoutMs: number, call: () => T | Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const pending = deadlines.add(() => {
      reject(new TransportError('TIMEOUT', `storage ${operation} did not answer within ${timeoutMs} ms`, { retryable: true, details: { operation, timeoutMs } }));
    });
    const fail = (cause: unknown) => {
      deadlines.settle(pending);
      reject(isTransportError(cause) ? cause : new TransportError('STORAGE_FAILED', `storage ${operation} failed`, { cause, retryable: true, details: { operation } }));
    };
    try {
      Promise.resolve(call()).then((value) => {
        deadlines.settle(pending);
        resolve(value);
      }, fail);
    } catch (cause) {
      fail(cause);
    }
  });
}
