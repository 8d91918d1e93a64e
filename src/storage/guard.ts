import { isTransportError, TransportError } from '../core/errors.js';
import type { TransportStorage } from './types.js';

const STORES = ['providers', 'usages', 'defaults', 'events', 'balance', 'totp', 'challenges'] as const;

/**
 * Wraps every method of a host's storage adapter so a failure surfaces as `STORAGE_FAILED`
 * (with the original as `cause`) instead of an arbitrary driver error. TransportErrors the
 * adapter throws on purpose (`CONFLICT`, `NOT_FOUND`) pass through unchanged. There is never a
 * fallback to memory.
 */
export function guardStorage(storage: TransportStorage): TransportStorage {
  if (!storage || typeof storage !== 'object') {
    throw new TransportError('CONFIG_INVALID', 'storage must be a TransportStorage adapter', { field: 'storage' });
  }
  const guarded: Record<string, unknown> = { processLocal: storage.processLocal === true };
  for (const name of STORES) {
    const store = storage[name] as unknown as Record<string, unknown> | undefined;
    if (!store || typeof store !== 'object') {
      throw new TransportError('CONFIG_INVALID', `storage.${name} is missing`, { field: `storage.${name}` });
    }
    const wrapped: Record<string, unknown> = {};
    for (const [method, fn] of Object.entries(store)) {
      if (typeof fn !== 'function') continue;
      wrapped[method] = async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => unknown).apply(store, args);
        } catch (cause) {
          if (isTransportError(cause)) throw cause;
          throw new TransportError('STORAGE_FAILED', `storage ${name}.${method} failed`, { cause, retryable: true });
        }
      };
    }
    guarded[name] = wrapped;
  }
  if (storage.close) guarded.close = () => storage.close?.();
  return guarded as unknown as TransportStorage;
}
