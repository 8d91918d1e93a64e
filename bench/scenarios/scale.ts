/**
 * How cost grows with the number of providers: resolve() and send() latency of random providers,
 * and heap per provider (records, then records with their live providers built), at 10, 1,000
 * and 100,000 providers in a memoryStorage(). Latency should stay flat and memory grow linearly:
 * each is fitted by least squares and the slope reported.
 */
import { createRegistry, memoryTransport, type TextMessage } from '../../src/index.js';
import { cpuMs, heapUsed, leastSquares, median, quick, report, type Curve, type VariantResult } from '../lib.js';

const sizes = quick ? [10, 100, 1_000] : [10, 1_000, 100_000];
const samples = quick ? 5_000 : 50_000;
const message: TextMessage = { to: '+41791234567', text: 'scale' };

interface Point {
  readonly providers: number;
  readonly resolveUs: number;
  readonly sendUs: number;
  readonly recordBytes: number;
  readonly liveBytes: number;
  readonly setupMs: number;
}

/** µs of CPU per call, median of 5 runs over random providers. */
async function latency(ids: readonly string[], call: (id: string) => Promise<unknown>): Promise<number> {
  const order = Array.from({ length: samples }, () => ids[Math.floor(Math.random() * ids.length)]!);
  const runs: number[] = [];
  for (let run = 0; run < 6; run++) {
    const c0 = cpuMs();
    for (const id of order) await call(id);
    if (run > 0) runs.push(((cpuMs() - c0) / samples) * 1000);
  }
  return median(runs);
}

async function measure(providers: number): Promise<Point> {
  const started = performance.now();
  const before = heapUsed();
  const registry = createRegistry({ types: [memoryTransport()], defaultEventLevel: 'errors' });
  const ids: string[] = [];
  for (let i = 0; i < providers; i++) ids.push((await registry.create({ type: 'memory', id: `p-${i}`, name: `SMS ${i}`, config: { channel: 'sms' } })).id);
  const withRecords = heapUsed();
  for (const id of ids) await registry.resolve(id);
  const withLive = heapUsed();
  const setupMs = performance.now() - started;
  const resolveUs = await latency(ids, (id) => registry.resolve(id));
  const sendUs = await latency(ids, (id) => registry.send(id, message));
  await registry.close();
  return { providers, resolveUs, sendUs, recordBytes: (withRecords - before) / providers, liveBytes: (withLive - withRecords) / providers, setupMs };
}

const points: Point[] = [];
for (const size of sizes) points.push(await measure(size));

const fitResolve = leastSquares(points.map((p) => [p.providers, p.resolveUs]));
const fitSend = leastSquares(points.map((p) => [p.providers, p.sendUs]));
// Memory: total bytes against providers; the slope is the bytes one provider costs.
const memoryPoints = (f: (p: Point) => number) => points.map((p) => [p.providers, (f(p) * p.providers) / 2 ** 20] as [number, number]);
const recordsMb = memoryPoints((p) => p.recordBytes);
const totalMb = memoryPoints((p) => p.recordBytes + p.liveBytes);
const fitRecords = leastSquares(recordsMb);
const fitTotal = leastSquares(totalMb);
const largest = sizes.at(-1)!;
const smallest = sizes[0]!;
const growth = (fit: { slope: number }) => fit.slope * (largest - smallest);

const curves: Curve[] = [
  {
    title: `resolve / send latency vs providers (memoryStorage)`,
    x: 'providers',
    y: 'µs of CPU per call',
    logX: true,
    slopeUnit: 'µs per 100,000 providers',
    slopeScale: 100_000,
    series: [
      { name: 'registry.resolve(random id)', points: points.map((p) => [p.providers, p.resolveUs]), fit: fitResolve },
      { name: 'registry.send(random id)', points: points.map((p) => [p.providers, p.sendUs]), fit: fitSend },
    ],
  },
  {
    title: 'heap vs providers',
    x: 'providers',
    y: 'heap MB',
    slopeUnit: 'KB per provider',
    slopeScale: 1024,
    series: [
      { name: 'records', points: recordsMb, fit: fitRecords },
      { name: 'records + live providers', points: totalMb, fit: fitTotal },
    ],
  },
];

const variants: VariantResult[] = points.map((p) => ({
  variant: `${p.providers.toLocaleString('en-US')} providers`,
  work: `create + resolve all, then ${samples} resolves and sends of random ones`,
  runsMs: [p.setupMs],
  extra: { resolveUs: p.resolveUs.toFixed(2), sendUs: p.sendUs.toFixed(2), recordBytes: Math.round(p.recordBytes), liveBytes: Math.round(p.liveBytes) },
}));

report({
  scenario: 'scale: providers',
  goal: 'flat latency (slope ≈ 0) and linear memory (R² ≈ 1) from 10 to 100,000 providers',
  variants,
  curves,
  goals: [
    {
      name: `Scale: send latency ${largest.toLocaleString('en-US')} / ${smallest} providers`,
      value: points.at(-1)!.sendUs / points[0]!.sendUs,
      limit: 1.5,
      unit: ' ×',
      detail: `fit: ${fitSend.slope.toExponential(2)} µs per provider (${growth(fitSend).toFixed(2)} µs over the range); resolve ${fitResolve.slope.toExponential(2)} µs per provider`,
    },
    {
      name: 'Scale: memory linear in providers (R²)',
      value: fitTotal.r2,
      limit: 0.99,
      atLeast: true,
      detail: `${((fitTotal.slope * 2 ** 20) / 1024).toFixed(2)} KB per provider (records ${((fitRecords.slope * 2 ** 20) / 1024).toFixed(2)} KB)`,
    },
  ],
  notes: [
    `latency fit (least squares, µs of CPU against providers): resolve ${fitResolve.intercept.toFixed(2)} µs + ${fitResolve.slope.toExponential(2)} µs per provider; send ${fitSend.intercept.toFixed(2)} µs + ${fitSend.slope.toExponential(2)} µs per provider`,
    `memory fit: records ${((fitRecords.slope * 2 ** 20) / 1024).toFixed(2)} KB per provider (R² ${fitRecords.r2.toFixed(4)}), with live providers ${((fitTotal.slope * 2 ** 20) / 1024).toFixed(2)} KB per provider (R² ${fitTotal.r2.toFixed(4)})`,
    'heap measured after forced GC; the live provider cache holds one built provider and recorder per record',
  ],
});
