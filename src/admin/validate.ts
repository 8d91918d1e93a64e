import type { z } from 'zod';
import { isZodSchema } from '../core/validation.js';
import { HttpError } from './http.js';
import type { AdminLocale, AdminProviderType } from './types.js';

/** One field-level validation error, as the console shows it next to the field. */
export interface FieldIssue {
  /** `config.host`, `config.smime.certificate`, `name`, `secrets.password`, ... */
  readonly field: string;
  readonly message: string;
}

interface Issue {
  readonly code?: string;
  readonly input?: unknown;
  readonly expected?: string;
  readonly origin?: string;
  readonly minimum?: number | bigint;
  readonly maximum?: number | bigint;
  readonly inclusive?: boolean;
  readonly format?: string;
  readonly values?: readonly unknown[];
  readonly keys?: readonly string[];
  readonly errors?: readonly (readonly { code?: string; message?: string }[])[];
  readonly message?: string;
}

const TEXT = {
  en: {
    required: 'Required',
    number: 'Must be a number',
    integer: 'Must be a whole number',
    string: 'Must be text',
    boolean: 'Must be yes or no',
    invalid: 'Invalid value',
    minChars: (n: string) => `At least ${n} characters`,
    maxChars: (n: string) => `At most ${n} characters`,
    min: (n: string) => `At least ${n}`,
    above: (n: string) => `Must be more than ${n}`,
    max: (n: string) => `At most ${n}`,
    below: (n: string) => `Must be less than ${n}`,
    minItems: (n: string) => `At least ${n} entries`,
    maxItems: (n: string) => `At most ${n} entries`,
    format: 'Invalid format',
    email: 'Not a valid e-mail address',
    url: 'Not a valid URL',
    ip: 'Not a valid IP address',
    oneOf: (v: string) => `Must be one of: ${v}`,
    unknown: (k: string) => `Unknown field(s): ${k}`,
    multipleOf: (n: string) => `Must be a multiple of ${n}`,
  },
  de: {
    required: 'Pflichtfeld',
    number: 'Muss eine Zahl sein',
    integer: 'Muss eine ganze Zahl sein',
    string: 'Muss ein Text sein',
    boolean: 'Muss ja oder nein sein',
    invalid: 'Ungültiger Wert',
    minChars: (n: string) => `Mindestens ${n} Zeichen`,
    maxChars: (n: string) => `Höchstens ${n} Zeichen`,
    min: (n: string) => `Mindestens ${n}`,
    above: (n: string) => `Muss grösser als ${n} sein`,
    max: (n: string) => `Höchstens ${n}`,
    below: (n: string) => `Muss kleiner als ${n} sein`,
    minItems: (n: string) => `Mindestens ${n} Einträge`,
    maxItems: (n: string) => `Höchstens ${n} Einträge`,
    format: 'Ungültiges Format',
    email: 'Keine gültige E-Mail-Adresse',
    url: 'Keine gültige URL',
    ip: 'Keine gültige IP-Adresse',
    oneOf: (v: string) => `Muss einer dieser Werte sein: ${v}`,
    unknown: (k: string) => `Unbekannte(s) Feld(er): ${k}`,
    multipleOf: (n: string) => `Muss ein Vielfaches von ${n} sein`,
  },
} as const;

/**
 * A zod error map in the console's language, for the messages a schema does not set itself
 * (zod keeps a schema's own message, e.g. "must be a host name or IP address").
 */
export function errorMap(locale: AdminLocale): (issue: Issue) => string | undefined {
  const m = TEXT[locale];
  const map = (issue: Issue): string | undefined => {
    const n = (v: number | bigint | undefined) => (v === undefined ? '' : String(v));
    switch (issue.code) {
      case 'invalid_type':
        if (issue.input === undefined || issue.input === null) return m.required;
        if (issue.expected === 'number' || issue.expected === 'bigint') return m.number;
        if (issue.expected === 'int') return m.integer;
        if (issue.expected === 'string') return m.string;
        if (issue.expected === 'boolean') return m.boolean;
        return m.invalid;
      case 'too_small':
        if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? m.required : m.minChars(n(issue.minimum));
        if (issue.origin === 'array' || issue.origin === 'set') return m.minItems(n(issue.minimum));
        return issue.inclusive === false ? m.above(n(issue.minimum)) : m.min(n(issue.minimum));
      case 'too_big':
        if (issue.origin === 'string') return m.maxChars(n(issue.maximum));
        if (issue.origin === 'array' || issue.origin === 'set') return m.maxItems(n(issue.maximum));
        return issue.inclusive === false ? m.below(n(issue.maximum)) : m.max(n(issue.maximum));
      case 'invalid_format':
        if (issue.format === 'email') return m.email;
        if (issue.format === 'url') return m.url;
        if (issue.format === 'ipv4' || issue.format === 'ipv6') return m.ip;
        return m.format;
      case 'invalid_value':
        return issue.values ? m.oneOf(issue.values.map(String).join(', ')) : m.invalid;
      case 'unrecognized_keys':
        return m.unknown((issue.keys ?? []).join(', '));
      case 'not_multiple_of':
        return m.multipleOf(String((issue as { divisor?: unknown }).divisor ?? ''));
      case 'invalid_union': {
        // The branch that came closest (its first issue is not a type mismatch) tells best.
        for (const branch of issue.errors ?? []) {
          const first = branch[0];
          if (first && first.code !== 'invalid_type' && first.message) return first.message;
        }
        return m.invalid;
      }
      default:
        return m.invalid;
    }
  };
  return map;
}

/** `a.b[2].c` from a zod issue path, under a prefix. */
function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || '(root)';
}

/**
 * Validates `value` with a schema in the console's language; throws a 422 listing every field
 * issue (`CONFIG_INVALID`) when it does not pass.
 */
export function validate(schema: z.ZodType, value: unknown, prefix: string, locale: AdminLocale): void {
  const result = schema.safeParse(value, { error: errorMap(locale) as never });
  if (result.success) return;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({ field: formatPath(prefix, issue.path), message: issue.message }));
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  throw new HttpError(422, 'CONFIG_INVALID', `invalid ${prefix || 'input'}: ${summary}`, { field: issues[0]?.field, issues });
}

/** Validates a provider configuration with its type's schema. */
export function validateConfig(type: AdminProviderType, config: unknown, locale: AdminLocale): void {
  // Other Standard Schema validators may be async: the registry validates those on create/update.
  if (isZodSchema(type.configSchema)) validate(type.configSchema, config, 'config', locale);
}
