/**
 * Optional OpenTelemetry spans. The host passes a tracer (`trace.getTracer('transportkit')` of
 * `@opentelemetry/api`), or the registry loads `@opentelemetry/api` itself when it is installed
 * (an optional peer; without an SDK its spans are no-ops). Attributes name the provider type and
 * id and the outcome, never a recipient, a message body or a secret.
 */

/** Attribute values a span takes. */
export type SpanAttributes = Record<string, string | number | boolean>;

/** The part of an OpenTelemetry `Span` used here (structural: no dependency on the API package). */
export interface SpanLike {
  /** Adds an attribute (the message id, `error.type`). */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** Marks the span failed (`code` 2 = ERROR). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span. */
  end(): void;
}

/** The part of an OpenTelemetry `Tracer` used here. */
export interface TracerLike {
  /** Starts a span, runs `fn` with it and returns what `fn` returns. */
  startActiveSpan<T>(name: string, options: { kind?: number; attributes?: SpanAttributes }, fn: (span: SpanLike) => T): T;
}

/** `SpanKind.PRODUCER` and `SpanKind.INTERNAL`, `SpanStatusCode.ERROR` of the API (stable numbers). */
const PRODUCER = 3;
const INTERNAL = 0;
const ERROR = 2;

let loaded: Promise<TracerLike | undefined> | undefined;

/** The tracer of an installed `@opentelemetry/api`, once per process; undefined when absent. */
export function autoTracer(version?: string): Promise<TracerLike | undefined> {
  loaded ??= import('@opentelemetry/api' as string).then(
    (api: { trace?: { getTracer(name: string, version?: string): TracerLike } }) => api.trace?.getTracer('transportkit', version),
    () => undefined,
  );
  return loaded;
}

/**
 * Runs `fn` in a span when there is a tracer: `producer` spans for sends, `internal` ones for
 * tests and balance checks. A failure sets `error.type` to its code and the span status to ERROR.
 * A throwing tracer never breaks the operation.
 */
export function inSpan<T>(tracer: TracerLike | undefined, name: string, kind: 'producer' | 'internal', attributes: SpanAttributes, fn: (span: SpanLike | undefined) => Promise<T>): Promise<T> {
  // Without a tracer no wrapper at all: every async layer costs each send a few microtask turns.
  return tracer ? traced(tracer, name, kind, attributes, fn) : fn(undefined);
}

async function traced<T>(tracer: TracerLike, name: string, kind: 'producer' | 'internal', attributes: SpanAttributes, fn: (span: SpanLike | undefined) => Promise<T>): Promise<T> {
  let ran = false;
  const run = async (span: SpanLike): Promise<T> => {
    ran = true;
    try {
      return await fn(span);
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      safely(() => span.setAttribute('error.type', typeof code === 'string' ? code : 'Error'));
      safely(() => span.setStatus({ code: ERROR, ...(typeof code === 'string' ? { message: code } : {}) }));
      throw error;
    } finally {
      safely(() => span.end());
    }
  };
  try {
    return await tracer.startActiveSpan(name, { kind: kind === 'producer' ? PRODUCER : INTERNAL, attributes }, run);
  } catch (error) {
    // The tracer failed before running fn: run it without a span.
    if (!ran) return fn(undefined);
    throw error;
  }
}

function safely(fn: () => unknown): void {
  try {
    fn();
  } catch {
    // Tracing must never break a send.
  }
}
