import { TransportError } from '../core/errors.js';

/** An interval: milliseconds, or a string such as `'24h'`, `'30m'`, `'90s'`, `'1d'`, `'500ms'`. */
export type Interval = number | `${number}${'ms' | 's' | 'm' | 'h' | 'd'}`;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** The longest delay a Node.js timer supports. */
const MAX_DELAY = 2_147_483_647;

/** Milliseconds of an {@link Interval}; `CONFIG_INVALID` naming `field` when it is not one. */
export function parseInterval(value: unknown, field: string): number {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string') {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
    if (match) ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  }
  if (!Number.isFinite(ms) || ms < 1 || ms > MAX_DELAY) {
    throw new TransportError('CONFIG_INVALID', `${field} must be a number of milliseconds (1 to ${MAX_DELAY}) or a duration such as "24h", "30m", "90s"`, { field });
  }
  return Math.round(ms);
}

/** What {@link schedule} calls. */
export interface ScheduledJob {
  /** One run; gets a signal that aborts when the schedule is stopped. Must not reject. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * Runs `job` every `everyMs` (first immediately when `runOnStart`) and returns the stop function.
 * Runs never overlap: the next one is planned only when the current one has finished, `everyMs`
 * after it started (or at once when it took longer). Timers are unref'd so the schedule never
 * keeps the process alive. Stopping aborts a run in progress and resolves when it has ended.
 */
export function schedule(job: ScheduledJob, everyMs: number, runOnStart: boolean): () => Promise<void> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;

  const plan = (delay: number) => {
    if (controller.signal.aborted) return;
    timer = setTimeout(tick, Math.max(0, delay));
    timer.unref();
  };
  const tick = () => {
    timer = undefined;
    const started = performance.now();
    current = job.run(controller.signal).finally(() => {
      current = undefined;
      plan(everyMs - (performance.now() - started));
    });
  };

  if (runOnStart) tick();
  else plan(everyMs);

  return async () => {
    controller.abort();
    clearTimeout(timer);
    await current;
  };
}
