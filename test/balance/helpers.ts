import {
  BalanceMonitor,
  createRegistry,
  memoryStorage,
  memoryTransport,
  type BalanceMonitorOptions,
  type Channel,
  type MemoryTransportType,
  type ProviderRegistry,
  type TransportStorage,
} from '../../src/index.js';

/** A clock the test moves by hand. */
export interface ManualClock {
  now(): number;
  set(iso: string): void;
  advance(ms: number): void;
}

export function manualClock(iso: string): ManualClock {
  let t = Date.parse(iso);
  return {
    now: () => t,
    set: (next) => {
      t = Date.parse(next);
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A user directory backed by a plain map: userId -> channel -> address. */
export function directory(entries: Record<string, Partial<Record<Channel, string>>>) {
  return {
    calls: 0,
    getAddress(userId: string, channel: Channel) {
      this.calls += 1;
      return entries[userId]?.[channel];
    },
  };
}

export interface Fixture {
  readonly memory: MemoryTransportType;
  readonly registry: ProviderRegistry;
  readonly storage: TransportStorage;
  readonly clock: ManualClock;
  monitor(options?: Partial<BalanceMonitorOptions>): BalanceMonitor;
  /** Creates an in-memory provider with a balance. */
  provider(name: string, config?: Record<string, unknown>): Promise<string>;
}

export const ADMIN_PHONE = '+41791234567';
export const ADMIN_MAIL = 'admin@example.org';
export const users = () => directory({ admin: { sms: ADMIN_PHONE, email: ADMIN_MAIL }, broken: { sms: 'not-a-number' } });

export function fixture(start = '2025-06-01T08:00:00Z', shared?: { storage: TransportStorage; memory: MemoryTransportType }): Fixture {
  const clock = manualClock(start);
  const storage = shared?.storage ?? memoryStorage();
  const memory = shared?.memory ?? memoryTransport();
  const registry = createRegistry({ types: [memory], clock, storage });
  return {
    memory,
    registry,
    storage,
    clock,
    monitor: (options = {}) => new BalanceMonitor({ registry, users: users(), ...options }),
    provider: async (name, config = {}) => (await registry.create({ type: 'memory', name, config: { channel: 'sms', balance: 100, ...config } })).id,
  };
}
