/**
 * BalanceMonitor over 10,000 providers whose balance query takes 50 ms, 50 at a time, versus the
 * ideal N × 50 ms / 50: what the monitor adds on top of waiting for the providers (its own CPU
 * per check, and timers firing late on a busy event loop).
 */
import { BalanceMonitor, createRegistry, memoryTransport } from '../../src/index.js';
import { cpuMs, median, quick, report, time } from '../lib.js';

const providers = quick ? 200 : 10_000;
const latencyMs = 50;
const concurrency = 50;
const memory = memoryTransport();
const registry = createRegistry({ types: [memory], defaultEventLevel: 'errors' });
for (let i = 0; i < providers; i++) {
  await registry.create({ type: 'memory', name: `SMS ${i}`, config: { channel: 'sms', balance: 100, latencyMs } });
}
const monitor = new BalanceMonitor({ registry, users: { getAddress: async () => '+41791234567' }, concurrency });
let checked = 0;
const c0 = cpuMs();
const runsMs = await time(async () => {
  checked = (await monitor.checkAll()).filter((r) => r.ok).length;
}, quick ? 1 : 2, 0);
const cpuUsPerCheck = ((cpuMs() - c0) / (runsMs.length * providers)) * 1000;
const ideal = (providers * latencyMs) / concurrency;

report({
  scenario: 'balance monitor',
  goal: `total time close to the ideal ${providers} × ${latencyMs} ms / ${concurrency} = ${ideal} ms`,
  variants: [
    { variant: 'ideal', work: `${providers} checks`, runsMs: [ideal], items: providers },
    { variant: 'checkAll', work: `${providers} checks`, runsMs, items: providers, baselineOf: 'ideal', extra: { checked } },
  ],
  goals: [{ name: `BalanceMonitor: ${providers.toLocaleString('en-US')} providers, total / ideal`, value: median(runsMs) / ideal, limit: 1.1, unit: ' ×', detail: `${median(runsMs).toFixed(0)} ms vs ${ideal} ms; ${checked} checks ok; ${cpuUsPerCheck.toFixed(0)} µs of CPU per check` }],
});
await registry.close();
