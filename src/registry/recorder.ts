import { randomUUID } from 'node:crypto';
import {
  levelAllows,
  Redactor,
  type EventLevel,
  type EventSeverity,
  type Logger,
  type ProviderEvent,
  type ProviderEvents,
} from '../core/events.js';
import type { Clock } from '../core/provider.js';
import type { EventQueue } from './event-queue.js';

/** Shared plumbing of all recorders of one registry. */
export interface RecorderSink {
  /** Where events go; written to the store in the background. */
  readonly queue: EventQueue;
  readonly logger: Logger | undefined;
  readonly clock: Clock;
}

/**
 * Records the events of one provider record: filters by level, redacts the record's secret values
 * (and those of the current redaction scope), hands it to the logger and the event queue. It
 * never waits: recording is on the send path.
 */
export class EventRecorder implements ProviderEvents {
  private readonly redactor: Redactor;

  constructor(
    private readonly sink: RecorderSink,
    private readonly providerId: string,
    private readonly providerType: string,
    readonly level: EventLevel,
    secretValues: readonly string[],
  ) {
    this.redactor = new Redactor(secretValues);
  }

  enabled(severity: EventSeverity): boolean {
    return levelAllows(this.level, severity);
  }

  error(type: string, message: string, fields?: Record<string, unknown>): void {
    this.record('error', type, message, fields);
  }
  warn(type: string, message: string, fields?: Record<string, unknown>): void {
    this.record('warn', type, message, fields);
  }
  info(type: string, message: string, fields?: Record<string, unknown>): void {
    this.record('info', type, message, fields);
  }
  debug(type: string, message: string, fields?: Record<string, unknown>): void {
    this.record('debug', type, message, fields);
  }

  /** Redacts a text with this record's secrets, for error messages built from upstream text. */
  redact(text: string): string {
    return this.redactor.text(text);
  }

  private record(severity: EventSeverity, type: string, message: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(severity)) return;
    const now = this.sink.clock.now();
    const event: ProviderEvent = {
      id: randomUUID(),
      time: new Date(now).toISOString(),
      providerId: this.providerId,
      providerType: this.providerType,
      severity,
      type,
      message: this.redactor.text(message),
      fields: this.redactor.value(fields) as Record<string, unknown>,
    };
    const { logger } = this.sink;
    if (logger) {
      try {
        logger({ level: severity, time: now, msg: event.message, providerId: event.providerId, providerType: event.providerType, event: type, fields: event.fields });
      } catch {
        // A throwing logger must not break a send.
      }
    }
    this.sink.queue.push(event);
  }
}
