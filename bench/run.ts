/**
 * `npm run bench` (add `-- --quick` for the reduced CI run): runs every scenario in its own
 * process and prints a table of medians (min–max over the runs), throughput and the ratio
 * against the baseline measured in the same run, plus each scenario's peak RSS.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, quick, type ScenarioResult } from './lib.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(join(here, 'scenarios'))
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3));
const started = Date.now();
console.log(`transportkit benchmarks${quick ? ' (quick)' : ''} — Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`);

let failed = 0;
for (const file of files) {
  let result: ScenarioResult;
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'scenarios', file), ...(quick ? ['--quick'] : [])], { maxBuffer: 64 * 2 ** 20, timeout: 240_000 });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`no result line in output:\n${stdout}`);
    result = JSON.parse(line.slice('BENCH_RESULT '.length)) as ScenarioResult;
  } catch (error) {
    failed += 1;
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').slice(-15).join('\n');
    console.log(`\n## ${file}: FAILED\n${(error as Error).message.split('\n')[0]}\n${stderr}`);
    continue;
  }
  console.log(`\n## ${result.scenario} (peak RSS ${result.peakRssMb} MB)${result.goal ? `\nGoal: ${result.goal}` : ''}`);
  const rows = result.variants.map((v) => {
    const med = median(v.runsMs);
    const base = v.baselineOf ? result.variants.find((b) => b.variant === v.baselineOf) : undefined;
    return {
      variant: v.variant,
      work: v.work,
      'median ms': fmt(med),
      'min–max ms': `${fmt(Math.min(...v.runsMs))}–${fmt(Math.max(...v.runsMs))}`,
      'per s': v.items ? Math.round((v.items / med) * 1000).toLocaleString('en-US') : '',
      // Time per item, so variants that process different counts still compare fairly.
      ratio: base ? `${(med / (v.items ?? 1) / (median(base.runsMs) / (base.items ?? 1))).toFixed(2)} × ${base.variant}` : 'baseline',
      extra: v.extra ? Object.entries(v.extra).map(([k, x]) => `${k}=${x}`).join(' ') : '',
    };
  });
  console.table(rows);
  for (const note of result.notes ?? []) console.log(`- ${note}`);
}
console.log(`\nfinished in ${((Date.now() - started) / 1000).toFixed(1)} s${failed ? `, ${failed} scenario(s) FAILED` : ''}`);
process.exitCode = failed ? 1 : 0;
