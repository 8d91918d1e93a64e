import { TransportError } from '../../src/index.js';

/** The TransportError `fn` throws synchronously (fails the test when it returns or throws something else). */
export function thrown(fn: () => unknown): TransportError {
  try {
    fn();
  } catch (e) {
    if (e instanceof TransportError) return e;
    throw e;
  }
  throw new Error('expected a TransportError');
}

/** The TransportError `promise` rejects with (fails the test when it resolves or rejects with something else). */
export async function rejected(promise: Promise<unknown>): Promise<TransportError> {
  const outcome = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (outcome instanceof TransportError) return outcome;
  throw outcome;
}
