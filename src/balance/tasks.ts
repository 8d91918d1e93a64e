import { TransportError } from '../core/errors.js';

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, keeping the input order in the
 * result. `fn` must not reject: callers turn failures into results so one item cannot stop the
 * others.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `run` with an AbortSignal that fires after `ms` milliseconds or when `outer` aborts. The
 * result is settled by the deadline even when the operation ignores its signal: `TIMEOUT` after
 * `ms`, `ABORTED` when `outer` aborted.
 */
export async function withDeadline<T>(ms: number, outer: AbortSignal | undefined, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (outer?.aborted) throw new TransportError('ABORTED', `${what} was aborted`, { retryable: false });
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onOuterAbort: (() => void) | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new TransportError('TIMEOUT', `${what} timed out after ${ms} ms`));
      controller.abort();
    }, ms);
    onOuterAbort = () => {
      reject(new TransportError('ABORTED', `${what} was aborted`, { retryable: false }));
      controller.abort();
    };
    outer?.addEventListener('abort', onOuterAbort, { once: true });
  });
  try {
    return await Promise.race([run(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    if (onOuterAbort) outer?.removeEventListener('abort', onOuterAbort);
  }
}
