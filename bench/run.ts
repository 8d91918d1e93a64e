/**
 * `npm run bench` (add `-- --quick` for the reduced CI run): runs every scenario in its own
 * process and prints a table of medians (min–max over the runs), throughput and the ratio
 * against the baseline measured in the same run, plus each scenario's peak RSS; then the goals
 * (each a ratio or figure of one run) against their limits. Every run writes its results to
 * .tmp/bench-results.json; a full run of all scenarios also draws docs/bench-ratios.svg and
 * docs/bench-scale.svg (a quick or partial run leaves the committed pictures alone).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { median, pairedRatio, quick, type ScenarioResult } from './lib.js';
import { chartCaption, met, short, writeCharts } from './svg.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = readdirSync(join(here, 'scenarios'))
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toFixed(3));
const started = Date.now();
const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB`;
console.log(`transportkit benchmarks${quick ? ' (quick)' : ''} — ${machine}`);

let failed = 0;
const results: ScenarioResult[] = [];
for (const file of files) {
  let result: ScenarioResult;
  const scenarioStarted = Date.now();
  try {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--max-old-space-size=6144', '--import', 'tsx', join(here, 'scenarios', file), ...(quick ? ['--quick'] : [])], { maxBuffer: 64 * 2 ** 20, timeout: 900_000 });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    if (!line) throw new Error(`no result line in output:\n${stdout}`);
    result = JSON.parse(line.slice('BENCH_RESULT '.length)) as ScenarioResult;
    results.push(result);
  } catch (error) {
    failed += 1;
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim().split('\n').slice(-15).join('\n');
    console.log(`\n## ${file}: FAILED\n${(error as Error).message.split('\n')[0]}\n${stderr}`);
    continue;
  }
  console.log(`\n## ${result.scenario} (peak RSS ${result.peakRssMb} MB, ${((Date.now() - scenarioStarted) / 1000).toFixed(1)} s)${result.goal ? `\nGoal: ${result.goal}` : ''}`);
  const rows = result.variants.map((v) => {
    const med = median(v.runsMs);
    const base = v.baselineOf ? result.variants.find((b) => b.variant === v.baselineOf) : undefined;
    return {
      variant: v.variant,
      work: v.work,
      'median ms': fmt(med),
      'min–max ms': `${fmt(Math.min(...v.runsMs))}–${fmt(Math.max(...v.runsMs))}`,
      'per s': v.items ? Math.round((v.items / med) * 1000).toLocaleString('en-US') : '',
      // Time per item, so variants that process different counts still compare fairly; variants
      // measured in turns compare round by round (the median of the per-round ratios).
      ratio: base ? `${(v.paired && base.runsMs.length === v.runsMs.length ? pairedRatio(v.runsMs, base.runsMs) * ((base.items ?? 1) / (v.items ?? 1)) : med / (v.items ?? 1) / (median(base.runsMs) / (base.items ?? 1))).toFixed(2)} × ${base.variant}` : 'baseline',
      extra: v.extra ? Object.entries(v.extra).map(([k, x]) => `${k}=${x}`).join(' ') : '',
    };
  });
  console.table(rows);
  for (const note of result.notes ?? []) console.log(`- ${note}`);
}

const goals = results.flatMap((r) => r.goals ?? []);
if (goals.length > 0) {
  console.log('\n## Goals (issue 19), each measured in one run');
  console.table(goals.map((g) => ({ goal: g.name, value: `${short(g.value)}${g.unit ?? ''}`, limit: `${g.atLeast ? '≥' : '≤'} ${short(g.limit)}${g.unit ?? ''}`, met: met(g) ? '✔' : '✘', detail: g.detail ?? '' })));
}
const seconds = (Date.now() - started) / 1000;
const root = join(here, '..');
mkdirSync(join(root, '.tmp'), { recursive: true });
writeFileSync(join(root, '.tmp', 'bench-results.json'), `${JSON.stringify({ machine, quick, seconds, date: new Date().toISOString(), complete: only.length === 0 && failed === 0, results }, null, 2)}\n`);
if (!quick && only.length === 0 && failed === 0) {
  writeCharts(root, results, chartCaption({ machine, seconds, date: new Date().toISOString() }));
  console.log('\nwrote docs/bench-ratios.svg and docs/bench-scale.svg');
}
console.log(`\nfinished in ${seconds.toFixed(1)} s${failed ? `, ${failed} scenario(s) FAILED` : ''}`);
process.exitCode = failed ? 1 : 0;
