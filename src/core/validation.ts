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

/** A Standard Schema (standardschema.dev) validator: zod, valibot, arktype, ... all implement it. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The Standard Schema interface, version 1. */
  readonly '~standard': {
    /** Always 1. */
    readonly version: 1;
    /** The library (`zod`, `valibot`, ...). */
    readonly vendor: string;
    /** Validates a value: the (transformed) value, or the issues. May be async. */
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    /** Type-level only: the input and output types. */
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** What a Standard Schema's `validate` answers. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

/** True for a zod schema (the built-ins), which the admin console can turn into a form. */
export function isZodSchema(schema: unknown): schema is z.ZodType {
  return typeof (schema as { safeParse?: unknown } | null)?.safeParse === 'function';
}

/**
 * {@link parseWith} for any Standard Schema validator (a host type's schema may be zod 3,
 * valibot, arktype, ...): zod runs synchronously as before, others through `~standard.validate`.
 */
export async function validateWith<T>(
  schema: z.ZodType<T> | StandardSchemaV1<unknown, T>,
  value: unknown,
  code: Extract<TransportErrorCode, 'CONFIG_INVALID' | 'MESSAGE_INVALID'>,
  prefix: string,
  providerId?: string,
): Promise<T> {
  if (isZodSchema(schema)) return parseWith(schema as z.ZodType<T>, value, code, prefix, providerId);
  const standard = (schema as Partial<StandardSchemaV1<unknown, T>> | null)?.['~standard'];
  if (!standard || typeof standard.validate !== 'function') {
    throw new TransportError('CONFIG_INVALID', `invalid ${prefix || 'schema'}: the provider type's configSchema is no zod or Standard Schema validator`, { field: 'configSchema', ...(providerId ? { providerId } : {}) });
  }
  let result: StandardResult<T>;
  try {
    result = await standard.validate(value);
  } catch (cause) {
    throw new TransportError(code, `invalid ${prefix || 'input'}: the validator failed`, { cause, field: prefix, ...(providerId ? { providerId } : {}) });
  }
  if (!result.issues) return result.value;
  const issues = result.issues.map((issue) => ({
    field: formatPath(prefix, (issue.path ?? []).map((p) => (typeof p === 'object' && p !== null ? p.key : p))),
    message: String(issue.message),
  }));
  return fail(code, `invalid ${prefix || 'input'}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, issues[0]?.field, issues, providerId);
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
