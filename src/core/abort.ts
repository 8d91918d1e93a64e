import { TransportError } from './errors.js';

/** The error every abortable operation rejects with when the caller's signal fires. */
export function abortedError(what = 'the operation'): TransportError {
  return new TransportError('ABORTED', `${what} was aborted`, { retryable: false });
}

/** Waits `ms` milliseconds; rejects with `ABORTED` as soon as `signal` fires, and cleans up its listener. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError());
  // No timer for a zero wait: the in-memory transport's default latency must not cost a macrotask.
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
