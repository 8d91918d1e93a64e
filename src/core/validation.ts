import type { z } from 'zod';
import { TransportError, type TransportErrorCode } from './errors.js';

/** `a.b[2].c` from a zod issue path. */
function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

/**
 * Parses `value` with `schema`, or throws a TransportError whose message names the offending
 * fields. zod messages describe the expected shape, never the received value, so no secret leaks.
 */
export function parseWith<T>(
  schema: z.ZodType<T>,
  value: unknown,
  code: Extract<TransportErrorCode, 'CONFIG_INVALID' | 'MESSAGE_INVALID'>,
  prefix: string,
  providerId?: string,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ field: formatPath(prefix, issue.path), message: issue.message }));
  const first = issues[0];
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return fail(code, `invalid ${prefix || 'input'}: ${summary}`, first?.field, issues, providerId);
}

function fail(
  code: TransportErrorCode,
  message: string,
  field: string | undefined,
  issues: readonly { field: string; message: string }[],
  providerId: string | undefined,
): never {
  throw new TransportError(code, message, { field, providerId, details: { issues } });
}
