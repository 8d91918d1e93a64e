import { createRegistry, type LogEntry, type ProviderRegistry } from '../../src/index.js';
import { isThreemaProvider, threema, type ThreemaOptions, type ThreemaProvider } from '../../src/providers/threema/index.js';
import { startThreemaGatewayMock, type ThreemaGatewayMock, type ThreemaGatewayMockOptions } from '../../src/testing/index.js';

/** A settable clock shared by the registry and the provider caches. */
export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

export interface Setup {
  readonly gateway: ThreemaGatewayMock;
  readonly registry: ProviderRegistry;
  readonly id: string;
  readonly logs: LogEntry[];
  readonly clock: FakeClock;
  provider(): Promise<ThreemaProvider>;
  close(): Promise<void>;
}

/** A mock gateway plus a registry with one Threema provider pointing at it (event level debug). */
export async function setup(
  options: { mock?: ThreemaGatewayMockOptions; config?: Record<string, unknown>; type?: ThreemaOptions } = {},
): Promise<Setup> {
  const gateway = await startThreemaGatewayMock(options.mock);
  const logs: LogEntry[] = [];
  const clock = fakeClock();
  const registry = createRegistry({ types: [threema(options.type)], logger: (e) => logs.push(e), clock });
  const { config, secrets } = gateway.providerSettings();
  const created = await registry.create({
    type: 'threema',
    name: 'Threema test',
    config: { ...config, retryDelayMs: 1, timeoutMs: 5_000, ...options.config },
    secrets,
    eventLevel: 'debug',
  });
  return {
    gateway,
    registry,
    id: created.id,
    logs,
    clock,
    async provider() {
      const p = await registry.resolve(created.id);
      if (!isThreemaProvider(p)) throw new Error('not a Threema provider');
      return p;
    },
    async close() {
      await registry.close();
      await gateway.close();
    },
  };
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('expected a rejection');
}
