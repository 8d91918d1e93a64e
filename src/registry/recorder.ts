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
import type { EventStore } from '../storage/types.js';

/** Shared plumbing of all recorders of one registry. */
export interface RecorderSink {
  readonly store: EventStore;
  readonly logger: Logger | undefined;
  readonly clock: Clock;
  /** Writes in flight, awaited by `flush()`. */
  readonly pending: Set<Promise<void>>;
}

/**
 * Records the events of one provider record: filters by level, redacts the record's secret values
 * (and those of the current redaction scope), writes to the event store and the logger.
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
    const write = this.sink.store.append(event).catch((cause: unknown) => {
      logger?.({
        level: 'error',
        time: this.sink.clock.now(),
        msg: 'event store append failed',
        providerId: this.providerId,
        providerType: this.providerType,
        event: 'events.failed',
        fields: { error: this.redactor.value(cause) },
      });
    });
    this.sink.pending.add(write);
    void write.finally(() => this.sink.pending.delete(write));
  }
}

/** Waits for every event write in flight. */
export async function flushRecorders(sink: RecorderSink): Promise<void> {
  while (sink.pending.size > 0) await Promise.all([...sink.pending]);
}
