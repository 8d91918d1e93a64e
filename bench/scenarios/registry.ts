/** Registry: resolve() of a cached provider against one (guarded, time-bounded) storage read, and heap used by 10,000 provider records in memory. */
import { createRegistry, memoryStorage, type ProviderRecord } from '../../src/index.js';
import { quick, report, time } from '../lib.js';

const resolves = quick ? 20_000 : 200_000;
const records = quick ? 2_000 : 10_000;
const registry = createRegistry();
const p = await registry.create({ type: 'memory', config: { channel: 'sms' }, secrets: { password: 'pw-bench' } });
await registry.resolve(p.id);
const runsMs = await time(async () => {
  for (let i = 0; i < resolves; i++) await registry.resolve(p.id);
}, quick ? 3 : 7);
const direct = await time(async () => {
  for (let i = 0; i < resolves; i++) await registry.storage.providers.get(p.id);
}, quick ? 3 : 7);

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().heapUsed;
const heapStore = memoryStorage();
const template = (await registry.get(p.id)) as unknown as ProviderRecord;
for (let i = 0; i < records; i++) {
  await heapStore.providers.insert({ ...template, id: `p-${i}`, name: `Provider ${i}`, secrets: { password: `tk1.k1.${'A'.repeat(16)}.${'B'.repeat(40)}` }, config: { channel: 'sms', unit: 'credits', latencyMs: 0 } });
}
gc?.();
const heapBytes = process.memoryUsage().heapUsed - before;
const stored = (await heapStore.providers.list()).length; // keeps the store alive past the measurement

report({
  scenario: 'registry',
  variants: [
    { variant: 'guarded storage read', work: `${resolves} reads`, runsMs: direct, items: resolves },
    { variant: 'registry.resolve (cached)', work: `${resolves} resolves`, runsMs, items: resolves, baselineOf: 'guarded storage read' },
    { variant: `heap of ${records} records`, work: 'insert', runsMs: [0], extra: { records: stored, heapMB: (heapBytes / 2 ** 20).toFixed(1), bytesPerRecord: Math.round(heapBytes / records) } },
  ],
  notes: [
    'memoryStorage() announces changes (the watch hook), so resolve() serves the cached record; a store without watch costs one storage read per resolve.',
    gc ? 'heap measured after forced GC' : 'heap measured without --expose-gc (approximate)',
  ],
});
await registry.close();
