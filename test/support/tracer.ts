import type { SpanAttributes, TracerLike } from '../../src/index.js';

export interface RecordedSpan {
  readonly name: string;
  readonly kind?: number;
  readonly attributes: SpanAttributes;
  status?: { code: number; message?: string };
  ended: boolean;
}

/** A tracer that keeps every span it starts, with its attributes, status and whether it ended. */
export function recordingTracer(): { tracer: TracerLike; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer: TracerLike = {
    startActiveSpan(name, options, fn) {
      const span: RecordedSpan = { name, kind: options.kind, attributes: { ...options.attributes }, ended: false };
      spans.push(span);
      return fn({
        setAttribute: (key, value) => void (span.attributes[key] = value),
        setStatus: (status) => void (span.status = status),
        end: () => void (span.ended = true),
      });
    },
  };
  return { tracer, spans };
}

/** Name, kind and attributes of each span, for exact comparisons. */
export const spanShapes = (spans: readonly RecordedSpan[]) => spans.map(({ name, kind, attributes }) => ({ name, kind, attributes }));
