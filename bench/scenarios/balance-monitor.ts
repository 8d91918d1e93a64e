/** BalanceMonitor: N providers whose balance query takes 50 ms, concurrency 10, versus the ideal N × 50 ms / 10. */
import { BalanceMonitor, createRegistry, memoryTransport } from '../../src/index.js';
import { quick, report, time } from '../lib.js';

const providers = quick ? 100 : 1_000;
const latencyMs = 50;
const concurrency = 10;
const memory = memoryTransport();
const registry = createRegistry({ types: [memory], defaultEventLevel: 'errors' });
for (let i = 0; i < providers; i++) {
  await registry.create({ type: 'memory', name: `SMS ${i}`, config: { channel: 'sms', balance: 100, latencyMs } });
}
const monitor = new BalanceMonitor({ registry, users: { getAddress: async () => '+41791234567' }, concurrency });
let checked = 0;
const runsMs = await time(async () => {
  checked = (await monitor.checkAll()).filter((r) => r.ok).length;
}, quick ? 1 : 3, 0);
const ideal = (providers * latencyMs) / concurrency;

report({
  scenario: 'balance monitor',
  goal: `total time close to the ideal ${providers} × ${latencyMs} ms / ${concurrency} = ${ideal} ms`,
  variants: [
    { variant: 'ideal', work: `${providers} checks`, runsMs: [ideal], items: providers },
    { variant: 'checkAll', work: `${providers} checks`, runsMs, items: providers, baselineOf: 'ideal', extra: { checked } },
  ],
});
await registry.close();
