import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * How much a provider records: `off` nothing, `errors` failures only, `all` every operation,
 * `debug` also protocol detail (SMTP transcript, SOAP envelopes, HTTP exchanges), redacted.
 */
export type EventLevel = 'off' | 'errors' | 'all' | 'debug';

/** Severity of one event. */
export type EventSeverity = 'error' | 'warn' | 'info' | 'debug';

/** One recorded event. Never contains a secret value. */
export interface ProviderEvent {
  /** Unique id. */
  readonly id: string;
  /** ISO 8601 time. */
  readonly time: string;
  readonly providerId: string;
  readonly providerType: string;
  readonly severity: EventSeverity;
  /** What happened, dotted: `send`, `send.failed`, `test`, `balance.checked`, `smtp.transcript`, ... */
  readonly type: string;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A pino-compatible log entry passed to the host's logger callback. */
export interface LogEntry {
  readonly level: EventSeverity;
  /** Milliseconds since the epoch. */
  readonly time: number;
  readonly msg: string;
  readonly providerId: string;
  readonly providerType: string;
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The host's logger: called for every recorded event, and for internal failures (e.g. the event store failing). */
export type Logger = (entry: LogEntry) => void;

/** What a provider uses to record events; filtering by level and redaction are done for it. */
export interface ProviderEvents {
  /** The record's configured level. */
  readonly level: EventLevel;
  /** True when an event of this severity would be recorded: skip building costly detail otherwise. */
  enabled(severity: EventSeverity): boolean;
  /** Records a failure (kept from level `errors` up). */
  error(type: string, message: string, fields?: Record<string, unknown>): void;
  /** Records something noteworthy but not failed, e.g. certificate checks switched off (level `errors` up). */
  warn(type: string, message: string, fields?: Record<string, unknown>): void;
  /** Records a normal operation (level `all` up). */
  info(type: string, message: string, fields?: Record<string, unknown>): void;
  /** Records protocol detail (level `debug` only). */
  debug(type: string, message: string, fields?: Record<string, unknown>): void;
  /**
   * Redacts free text with the record's secrets (and their encoded forms), for upstream text a
   * provider puts into an error message. Events are redacted anyway.
   */
  redact(text: string): string;
}

const RANK: Record<EventSeverity, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const LEVEL_MAX: Record<EventLevel, number> = { off: -1, errors: 1, all: 2, debug: 3 };

/** True when a record with `level` keeps events of `severity`. */
export function levelAllows(level: EventLevel, severity: EventSeverity): boolean {
  return RANK[severity] <= LEVEL_MAX[level];
}

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Field names whose values are always replaced, whatever they hold. */
const SECRET_KEY = /pass(word)?|secret|private.?key|^key$|token|authorization|^auth$|credential|^otp$|apikey|api_password/i;

/**
 * Values to redact for the operation running in this async context, e.g. the one-time code of
 * the message being sent. The registry and second-factor service set it around a call.
 */
const scope = new AsyncLocalStorage<readonly string[]>();

/** Runs `fn` with `values` added to what every event recorded inside it redacts. */
export function withRedaction<T>(values: readonly string[], fn: () => T): T {
  const added = values.filter((v) => v.length >= 3);
  // Nothing to add: `fn` sees the outer scope anyway, and entering a context costs every send.
  if (added.length === 0) return fn();
  return scope.run([...(scope.getStore() ?? []), ...added], fn);
}

/** The redaction variants of each scope (scopes are immutable arrays, one per `withRedaction`). */
const scopeVariants = new WeakMap<readonly string[], readonly string[]>();

/** The ways XML writers escape text: all five entities, only `& < >` (.NET, libxml), numeric quotes. */
function xmlForms(value: string): string[] {
  const minimal = value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return [
    minimal,
    minimal.replace(/"/g, '&quot;').replace(/'/g, '&apos;'),
    minimal.replace(/"/g, '&#34;').replace(/'/g, '&#39;'),
    minimal.replace(/"/g, '&quot;'),
  ];
}

/**
 * Replaces every occurrence of a secret value in strings (also percent-, XML- and base64-encoded
 * forms, as secrets travel in URLs, SOAP envelopes, forms and AUTH lines) and every value under a secret-looking
 * key, recursively.
 */
export class Redactor {
  private readonly needles: string[];

  constructor(values: readonly string[]) {
    this.needles = Redactor.variants(values);
  }

  private static variants(values: readonly string[]): string[] {
    const out = new Set<string>();
    for (const v of values) {
      if (v.length < 3) continue;
      out.add(v);
      out.add(encodeURIComponent(v));
      for (const form of xmlForms(v)) out.add(form);
      out.add(Buffer.from(v).toString('base64').replace(/=+$/, ''));
    }
    // Longest first so a secret containing another is replaced whole.
    return [...out].sort((a, b) => b.length - a.length);
  }

  /** Redacts a string. */
  text(value: string): string {
    let out = value;
    for (const needle of this.needles) {
      if (out.includes(needle)) out = out.split(needle).join(REDACTED);
    }
    const current = scope.getStore();
    if (current) {
      let extra = scopeVariants.get(current);
      if (!extra) scopeVariants.set(current, (extra = Redactor.variants(current)));
      for (const needle of extra) {
        if (out.includes(needle)) out = out.split(needle).join(REDACTED);
      }
    }
    // AUTH PLAIN/LOGIN payloads are base64 of the credentials: never keep them.
    // The negative look-ahead keeps a server's mechanism list ("250-AUTH LOGIN PLAIN") readable.
    return out.replace(/\b(AUTH\s+(?:PLAIN|LOGIN|XOAUTH2|CRAM-MD5))\s+(?!(?:PLAIN|LOGIN|XOAUTH2|CRAM-MD5)\b)\S+/gi, `$1 ${REDACTED}`);
  }

  /** Redacts any JSON-like value. */
  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object' || depth > 8) return value;
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (value instanceof Date) return value.toISOString();
    if (value instanceof Error) return this.value({ name: value.name, message: value.message, code: (value as { code?: unknown }).code }, depth + 1);
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && typeof v !== 'boolean' ? REDACTED : this.value(v, depth + 1);
    }
    return out;
  }
}
