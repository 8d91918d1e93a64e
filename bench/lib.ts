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
}

/** What a scenario process prints. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly goal?: string;
  readonly variants: readonly VariantResult[];
  readonly peakRssMb: number;
  readonly notes?: readonly string[];
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
