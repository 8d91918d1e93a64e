import { createRegistry, memoryStorage, memoryTransport, type LogEntry, type TransportStorage } from '../../src/index.js';
import { resolveTotp, totp } from '../../src/providers/totp/index.js';

/** A clock the test moves by hand (milliseconds). */
export interface ManualClock {
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function manualClock(start: number): ManualClock {
  let t = start;
  return { now: () => t, set: (ms) => void (t = ms), advance: (ms) => void (t += ms) };
}

/** A registry with the TOTP and memory types, a manual clock and a capturing logger, at `debug`. */
export function setup(options: { readonly start?: number; readonly storage?: TransportStorage } = {}) {
  const clock = manualClock(options.start ?? Date.UTC(2030, 0, 1, 12, 0, 0));
  const logs: LogEntry[] = [];
  const memory = memoryTransport();
  const storage = options.storage ?? memoryStorage();
  const registry = createRegistry({ types: [totp(), memory], clock, storage, logger: (e) => logs.push(e), defaultEventLevel: 'debug' });
  /** Creates a TOTP record and returns its live provider. */
  const authenticator = async (config: Record<string, unknown> = {}, id?: string) => {
    const info = await registry.create({ type: 'totp', name: 'Authenticator', config: { issuer: 'ACME Co', ...config }, ...(id ? { id } : {}) });
    return resolveTotp(registry, info.id);
  };
  /** Everything recorded so far (events and logger output), as one string. */
  const recorded = async () => JSON.stringify(await registry.events()) + JSON.stringify(logs);
  return { clock, logs, memory, storage, registry, authenticator, recorded };
}
