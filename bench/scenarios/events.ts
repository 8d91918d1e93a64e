/**
 * events() queries against a growing event log: 10,000, 100,000 and 1,000,000 stored events
 * (100 providers, 1 % failures) in memoryStorage() and, when DATABASE_URL is set, in PostgreSQL.
 * Queries: the newest 100 (the admin console's view), the newest 100 of one provider, the
 * newest 100 failures, and everything of the last minute.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createRegistry, generateSecretKey, memoryStorage, type EventQuery, type ProviderEvent, type TransportStorage } from '../../src/index.js';
import { postgresStorage } from '../../src/postgres/index.js';
import { leastSquares, median, quick, report, type Curve, type Series, type VariantResult } from '../lib.js';

const sizes = quick ? [1_000, 10_000] : [10_000, 100_000, 1_000_000];
const url = process.env.DATABASE_URL;
const start = Date.parse('2026-01-01T00:00:00Z');
const spacingMs = 1_000;
const queries: Record<string, (newest: number) => EventQuery> = {
  'newest 100': () => ({ limit: 100 }),
  'newest 100 of one provider': () => ({ providerId: 'p-7', limit: 100 }),
  'newest 100 failures': () => ({ types: ['send.failed'], limit: 100 }),
  'last minute': (newest) => ({ since: new Date(newest - 60_000).toISOString() }),
};

function event(i: number): ProviderEvent {
  const failed = i % 100 === 42;
  return {
    id: randomUUID(),
    time: new Date(start + i * spacingMs).toISOString(),
    providerId: `p-${i % 100}`,
    providerType: 'memory',
    severity: failed ? 'error' : 'info',
    type: failed ? 'send.failed' : 'send',
    message: failed ? 'send failed: upstream unavailable' : 'sent to 1 recipient(s)',
    fields: { messageId: randomUUID(), accepted: ['+41791234567'], rejected: [], segments: 1 },
  };
}

/** Fills `storage` up to `size` events (continuing from `have`), then times each query (median of 5, ms). */
async function run(storage: TransportStorage, have: number, size: number): Promise<Record<string, number>> {
  for (let i = have; i < size; i += 5_000) await storage.events.appendMany(Array.from({ length: Math.min(5_000, size - i) }, (_, k) => event(i + k)));
  // Through the registry, as a host calls it (guarded; the bound is raised for the 1,000,000 case).
  const registry = createRegistry({ storage, secretKeys: { keys: { k: generateSecretKey() }, current: 'k' }, storageTimeoutMs: 600_000 });
  const out: Record<string, number> = {};
  for (const [name, query] of Object.entries(queries)) {
    const times: number[] = [];
    for (let k = 0; k < (size >= 1_000_000 ? 3 : 5); k++) {
      const t0 = performance.now();
      await registry.events(query(start + (size - 1) * spacingMs));
      times.push(performance.now() - t0);
    }
    out[name] = median(times);
  }
  await registry.close();
  return out;
}

const variants: VariantResult[] = [];
const series: Series[] = [];
const notes: string[] = [];

async function backend(name: string, storage: TransportStorage): Promise<void> {
  let have = 0;
  const perQuery: Record<string, [number, number][]> = Object.fromEntries(Object.keys(queries).map((q) => [q, []]));
  for (const size of sizes) {
    const t0 = performance.now();
    const times = await run(storage, have, size);
    have = size;
    variants.push({ variant: `${name}, ${size.toLocaleString('en-US')} events`, work: 'fill + 4 queries', runsMs: [performance.now() - t0], extra: Object.fromEntries(Object.entries(times).map(([q, ms]) => [q.replace(/ /g, '_'), ms.toFixed(1)])) });
    for (const [q, ms] of Object.entries(times)) perQuery[q]!.push([size, ms]);
  }
  for (const [q, points] of Object.entries(perQuery)) {
    const fit = leastSquares(points);
    series.push({ name: `${name}|${q}`, points, fit });
    notes.push(`${name}, ${q}: ${points.map(([n, ms]) => `${ms.toFixed(1)} ms at ${n.toLocaleString('en-US')}`).join(', ')}; slope ${(fit.slope * 1e6).toFixed(1)} ms per million events`);
  }
}

await backend('memoryStorage', memoryStorage({ maxEvents: sizes.at(-1)! + 1 }));
if (url) {
  const schema = `bench_events_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const storage = await postgresStorage({ pool, schema });
  await backend('PostgreSQL', storage);
  await storage.close();
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
} else {
  notes.push('DATABASE_URL not set: PostgreSQL skipped (scripts/with-postgres.sh npm run bench)');
}

const panel = (backend: string): Curve => ({
  title: `events() on ${backend} vs stored events`,
  x: 'stored events',
  y: 'ms per query',
  logX: true,
  slopeUnit: 'ms per million events',
  slopeScale: 1e6,
  series: series.filter((s) => s.name.startsWith(`${backend}|`)).map((s) => ({ ...s, name: s.name.split('|')[1]! })),
});
const curves: Curve[] = [panel('memoryStorage'), ...(url ? [panel('PostgreSQL')] : [])];

report({
  scenario: 'scale: events() queries',
  goal: `queries of the newest events stay fast with ${sizes.at(-1)!.toLocaleString('en-US')} stored events`,
  variants,
  curves,
  notes,
});
