/**
 * Redraws docs/bench-ratios.svg and docs/bench-scale.svg from the results of the last full run
 * (.tmp/bench-results.json), after a change to the drawing only. A quick or partial run's
 * results are refused: the committed pictures show full runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioResult } from './lib.js';
import { chartCaption, writeCharts } from './svg.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = JSON.parse(readFileSync(join(root, '.tmp', 'bench-results.json'), 'utf8')) as { machine: string; seconds: number; date?: string; quick: boolean; complete?: boolean; results: ScenarioResult[] };
if (run.quick || run.complete === false) {
  console.error('the last run was quick or partial: run `npm run bench` (all scenarios) first');
  process.exit(1);
}
writeCharts(root, run.results, chartCaption({ machine: run.machine, seconds: run.seconds, date: run.date ?? new Date().toISOString() }));
console.log('wrote docs/bench-ratios.svg and docs/bench-scale.svg');
