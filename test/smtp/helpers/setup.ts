import { createRegistry, type Clock, type LogEntry, type ProviderRegistry } from '../../../src/index.js';
import { smtp, type SmtpOptions } from '../../../src/providers/smtp/index.js';

/** A clock a test can move. */
export interface TestClock extends Clock {
  set(ms: number): void;
}

/** A clock starting at the real time (the test certificates are valid now). */
export function testClock(): TestClock {
  let now = Date.now();
  return { now: () => now, set: (ms) => (now = ms) };
}

/** A registry with the SMTP type, collecting logger output. */
export function smtpRegistry(options: { clock?: Clock; smtp?: SmtpOptions } = {}): { registry: ProviderRegistry; logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const registry = createRegistry({
    types: [smtp(options.smtp)],
    logger: (entry) => logs.push(entry),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  return { registry, logs };
}

/** Awaits a promise that must reject and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<{ code?: string; retryable?: boolean; upstream?: Record<string, unknown>; field?: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected the promise to reject');
}
