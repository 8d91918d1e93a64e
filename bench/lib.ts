/**
 * Small benchmark kit: every scenario runs in its own process (so peak RSS is its own), measures
 * each variant several times and prints one JSON line that `bench/run.ts` turns into the table.
 * Nothing here asserts on time.
 */
import { performance } from 'node:perf_hooks';

/** True when the reduced CI run was asked for. */
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

/** One measured variant of a scenario. */
export interface VariantResult {
  readonly variant: string;
  /** What one run does, e.g. "2000 messages". */
  readonly work: string;
  /** Milliseconds per run, one entry per run. */
  readonly runsMs: readonly number[];
  /** Items processed per run, for a throughput column. */
  readonly items?: number;
  /** Free-form extra numbers (lookups, heap bytes, module counts). */
  readonly extra?: Readonly<Record<string, number | string>>;
  /** Variant the ratio is computed against; the baseline itself has none. */
  readonly baselineOf?: string;
  /** Measured in turns with its baseline ({@link interleaved}): the ratio is the median of per-round ratios. */
  readonly paired?: boolean;
}

/** One goal of issue 19, measured in one run: the value against its limit. */
export interface GoalResult {
  /** Short label, e.g. "S/MIME: signing overhead / crypto.sign". */
  readonly name: string;
  readonly value: number;
  readonly limit: number;
  /** Whether the goal is `value <= limit` (default) or `value >= limit`. */
  readonly atLeast?: boolean;
  /** What the value is: "×", "µs", ... */
  readonly unit?: string;
  /** One line with the figures behind it. */
  readonly detail?: string;
}

/** A least-squares line y = intercept + slope · x, with its coefficient of determination. */
export interface Fit {
  readonly slope: number;
  readonly intercept: number;
  readonly r2: number;
}

/** Measured points of one quantity against a size, with their fit. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly fit?: Fit;
}

/** A chart of series sharing axes (drawn into docs/bench-scale.svg). */
export interface Curve {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly series: readonly Series[];
  /** The unit of a fit's slope as shown, e.g. "µs per 100,000 providers". */
  readonly slopeUnit?: string;
  /** Factor from the slope (y per x) to the unit shown, e.g. 100,000. */
  readonly slopeScale?: number;
  /** Draw x on a log scale (sizes 10 to 100,000). */
  readonly logX?: boolean;
}

/** What a scenario process prints. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly goal?: string;
  readonly variants: readonly VariantResult[];
  readonly peakRssMb: number;
  readonly notes?: readonly string[];
  readonly goals?: readonly GoalResult[];
  readonly curves?: readonly Curve[];
}

/** Runs `fn` `runs` times after `warmup` unmeasured runs; returns milliseconds per run. */
export async function time(fn: () => Promise<void> | void, runs: number, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** Milliseconds of CPU this process used (all its threads), for figures that waiting for a busy CPU must not inflate. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs the variants in turns (A B C, A B C, ...) after one unmeasured turn, so load from other
 * processes on the machine falls on all of them alike; returns milliseconds per run of each,
 * wall-clock and this process's CPU time.
 */
export async function interleaved<K extends string>(
  variants: Readonly<Record<K, () => Promise<void> | void>>,
  rounds: number,
  warmup = 1,
): Promise<{ wall: Record<K, number[]>; cpu: Record<K, number[]> }> {
  const names = Object.keys(variants) as K[];
  const empty = () => Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  const wall = empty();
  const cpu = empty();
  for (let round = -warmup; round < rounds; round++) {
    for (const name of names) {
      const c0 = cpuMs();
      const t0 = performance.now();
      await variants[name]();
      if (round < 0) continue;
      wall[name].push(performance.now() - t0);
      cpu[name].push(cpuMs() - c0);
    }
  }
  return { wall, cpu };
}

/** The median of the per-round ratios a[i] / b[i] (runs measured in turns, see {@link interleaved}). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((x, i) => x / b[i]!));
}

/** Least-squares fit of y against x. */
export function leastSquares(points: readonly (readonly [number, number])[]): Fit {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** Heap in use after a full collection (the scenarios run with --expose-gc). */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Prints the scenario result as the single JSON line the runner reads. */
export function report(result: Omit<ScenarioResult, 'peakRssMb'>): void {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ ...result, peakRssMb: Math.round(peakRssMb) })}\n`);
}

/** Starts `bench/smtp-sink.ts` in a child process; resolves with its port and a stop function. */
export async function startSinkProcess(): Promise<{ port: number; stop(): Promise<void> }> {
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./smtp-sink.ts', import.meta.url))], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  return {
    port,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

/** Runs `count` tasks with at most `limit` at a time. */
export async function pool(count: number, limit: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}
