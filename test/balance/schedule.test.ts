import { describe, expect, it, vi } from 'vitest';
import {
  BalanceMonitor,
  createRegistry,
  memoryStorage,
  memoryTransport,
  type AnyProviderType,
  type Balance,
  type BalanceCheckResult,
  type DeliveryProvider,
} from '../../src/index.js';
import { parseInterval } from '../../src/balance/schedule.js';
import { users } from './helpers.js';

/** A memory-based type whose balance queries wait until the test opens the gate. */
function gatedType() {
  const memory = memoryTransport();
  const state = { calls: 0, active: 0, peak: 0, open: false, waiting: [] as (() => void)[] };
  const type: AnyProviderType = {
    ...memory,
    type: 'gated',
    async create(config, secrets, context) {
      const inner = (await memory.create(config, secrets, context)) as DeliveryProvider;
      return {
        ...inner,
        type: 'gated',
        async getBalance(options): Promise<Balance> {
          state.calls += 1;
          state.active += 1;
          state.peak = Math.max(state.peak, state.active);
          try {
            if (!state.open) await new Promise<void>((resolve) => state.waiting.push(resolve));
            return await inner.getBalance!(options);
          } finally {
            state.active -= 1;
          }
        },
      };
    },
  };
  const release = () => {
    state.open = true;
    for (const resolve of state.waiting.splice(0)) resolve();
  };
  return { type, state, release };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('BalanceMonitor.start', () => {
  it('runs on start, repeats, never overlaps runs and stops', async () => {
    const gated = gatedType();
    const registry = createRegistry({ types: [gated.type] });
    await registry.create({ type: 'gated', config: { channel: 'sms', balance: 5 } });
    const monitor = new BalanceMonitor({ registry, users: users(), checkTimeoutMs: 60_000 });
    const runs: (readonly BalanceCheckResult[])[] = [];

    const stop = monitor.start({ runOnStart: true, every: 5, onRun: (r) => runs.push(r) });
    await vi.waitFor(() => expect(gated.state.calls).toBe(1));
    await pause(60); // a dozen intervals pass while the first run is blocked
    expect(gated.state.calls).toBe(1);
    expect(runs).toHaveLength(0);

    gated.release();
    await vi.waitFor(() => expect(runs.length).toBeGreaterThanOrEqual(3));
    await stop();
    const finished = runs.length;
    const calls = gated.state.calls;
    await pause(30);

    expect(gated.state.calls).toBe(calls);
    expect(runs).toHaveLength(finished);
    expect(gated.state.peak).toBe(1);
    expect(runs.every((r) => r.length === 1 && r[0]?.ok === true)).toBe(true);
  });

  it('waits for the first interval without runOnStart, refuses a second start, and can start again after stop', async () => {
    const gated = gatedType();
    gated.release();
    const registry = createRegistry({ types: [gated.type] });
    await registry.create({ type: 'gated', config: { channel: 'sms', balance: 5 } });
    const monitor = new BalanceMonitor({ registry, users: users() });

    const stopDaily = monitor.start({ runOnStart: false, every: '24h' });
    expect(() => monitor.start()).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    await pause(20);
    expect(gated.state.calls).toBe(0);
    await stopDaily();
    await stopDaily();

    const runs: number[] = [];
    const stop = monitor.start({ every: '1d', onRun: (r) => runs.push(r.length) });
    await vi.waitFor(() => expect(runs).toEqual([1]));
    await stop();
  });

  it('aborts a run in progress on stop and reports a failed run to onError', async () => {
    const gated = gatedType();
    const registry = createRegistry({ types: [gated.type] });
    const id = (await registry.create({ type: 'gated', config: { channel: 'sms', balance: 5 } })).id;
    const monitor = new BalanceMonitor({ registry, users: users() });
    const runs: (readonly BalanceCheckResult[])[] = [];

    const stop = monitor.start({ every: '24h', onRun: (r) => runs.push(r) });
    await vi.waitFor(() => expect(gated.state.calls).toBe(1));
    await stop();
    gated.release();

    expect(runs).toHaveLength(1);
    expect(runs[0]?.[0]?.ok === false && runs[0][0].error.code).toBe('ABORTED');
    expect((await monitor.status(id)).lastError).toBeUndefined();

  });

  it('reports a run that cannot list the providers to onError and keeps the schedule', async () => {
    const storage = memoryStorage();
    const broken = { ...storage, providers: { ...storage.providers, list: async () => Promise.reject(new Error('database down')) } };
    const registry = createRegistry({ storage: broken });
    const monitor = new BalanceMonitor({ registry, users: users() });
    const errors: string[] = [];

    const stop = monitor.start({ every: 5, onError: (e) => errors.push(e.code) });
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    await stop();

    expect(new Set(errors)).toEqual(new Set(['STORAGE_FAILED']));
  });
});

describe('parseInterval', () => {
  it('reads milliseconds and duration strings, refuses the rest', () => {
    expect(parseInterval('24h', 'every')).toBe(86_400_000);
    expect(parseInterval('1d', 'every')).toBe(86_400_000);
    expect(parseInterval('30m', 'every')).toBe(1_800_000);
    expect(parseInterval('90s', 'every')).toBe(90_000);
    expect(parseInterval('250ms', 'every')).toBe(250);
    expect(parseInterval(1500, 'every')).toBe(1500);
    for (const bad of [0, -1, Number.NaN, '24', 'h', '1 week', '30d', null]) {
      expect(() => parseInterval(bad, 'every')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'every' }));
    }
  });
});
