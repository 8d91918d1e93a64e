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
