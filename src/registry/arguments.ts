import { TransportError } from '../core/errors.js';

/**
 * Checks of the registry's own arguments, so that any input (null, a Symbol, a string where an
 * object belongs) gives a coded `CONFIG_INVALID` naming the argument instead of a TypeError.
 */

/** An options object: `undefined` is `{}`; anything but a plain object is refused. */
export function optionsArg<T extends object>(value: unknown, field: string): Partial<T> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TransportError('CONFIG_INVALID', `invalid ${field}: must be an object`, { field });
  }
  return value as Partial<T>;
}

/** A required object argument. */
export function requiredObjectArg<T extends object>(value: unknown, field: string): T {
  if (value === undefined) throw new TransportError('CONFIG_INVALID', `invalid ${field}: required`, { field });
  return optionsArg<T>(value, field) as T;
}

/** A string argument (ids, field names, kinds); never interpolated before this check. */
export function stringArg(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new TransportError('CONFIG_INVALID', `invalid ${field}: must be a string (got ${value === null ? 'null' : typeof value})`, { field });
  }
  return value;
}

/** The keys of `input` (recursively through plain objects) that validation dropped from `output`. */
export function droppedKeys(input: unknown, output: unknown, path = ''): string[] {
  if (!isPlainObject(input) || !isPlainObject(output)) return [];
  return Object.keys(input).flatMap((key) =>
    key in output ? droppedKeys(input[key], output[key], `${path}${key}.`) : [`${path}${key}`],
  );
}

/** The known key closest to a typo (edit distance at most 2), for "did you mean". */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
