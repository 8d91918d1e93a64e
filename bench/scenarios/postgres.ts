/**
 * registry.send through the memory transport (event level `all`) with the storage on
 * PostgreSQL (pg, when DATABASE_URL is set), on PGlite, and in memory (the baseline), in one run;
 * database round trips per send; PGlite's start-up cost; 4 processes on one database.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createRegistry, generateSecretKey, memoryStorage, memoryTransport, type TransportStorage } from '../../src/index.js';
import { postgresStorage, type PGliteLike, type PostgresStorage } from '../../src/postgres/index.js';
import { quick, report, time, type VariantResult } from '../lib.js';

const sends = quick ? 1_000 : 10_000;
const runs = quick ? 2 : 5;
const url = process.env.DATABASE_URL;
const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
const schema = `bench_${process.pid}`;

/** Round trips: statements sent to the database (a transaction's statements count one each). */
let roundTrips = 0;

async function sendLoop(storage: TransportStorage, count: number): Promise<{ runsMs: number[]; perSend: number }> {
  const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys, defaultEventLevel: 'all' });
  const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
  await registry.send(p.id, { to: '+41791234567', text: 'warm-up' });
  await new Promise((resolve) => setTimeout(resolve, 100)); // LISTEN is up
  roundTrips = 0;
  const runsMs = await time(async () => {
    for (let i = 0; i < count; i++) await registry.send(p.id, { to: '+41791234567', text: `message ${i}` });
    await registry.events({ limit: 1 }); // the events are written, not only queued
  }, runs, 0);
  const perSend = roundTrips / (count * runs);
  await registry.close();
  return { runsMs, perSend };
}

const variants: VariantResult[] = [];
const notes: string[] = [];
const memory = await sendLoop(memoryStorage(), sends);
variants.push({ variant: 'memoryStorage', work: `${sends} sends`, runsMs: memory.runsMs, items: sends });

if (url) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => ((roundTrips += 1), query(...args));
  const storage = await postgresStorage({ pool, schema });
  const result = await sendLoop(storage, sends);
  variants.push({ variant: 'PostgreSQL (pg)', work: `${sends} sends`, runsMs: result.runsMs, items: sends, baselineOf: 'memoryStorage', extra: { roundTripsPerSend: result.perSend.toFixed(3) } });
  await storage.close();
  variants.push(await processes(1), await processes(4));
  await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
} else {
  notes.push('DATABASE_URL not set: PostgreSQL variants skipped (scripts/with-postgres.sh npm run bench)');
}

const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const lite = await PGlite.create();
const startMs = performance.now() - t0;
const rssMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
const counted: PGliteLike = {
  query: (text, params) => ((roundTrips += 1), lite.query(text, params)),
  transaction: (fn) => lite.transaction((tx) => fn({ query: (text, params) => ((roundTrips += 1), tx.query(text, params)) })),
  listen: (channel, callback) => lite.listen(channel, callback),
  close: () => lite.close(),
};
const liteStorage: PostgresStorage = await postgresStorage({ pglite: counted, schema });
const liteResult = await sendLoop(liteStorage, sends);
variants.push({ variant: 'PGlite (in process)', work: `${sends} sends`, runsMs: liteResult.runsMs, items: sends, baselineOf: 'memoryStorage', extra: { roundTripsPerSend: liteResult.perSend.toFixed(3) } });
variants.push({ variant: 'PGlite start-up', work: 'PGlite.create() in memory', runsMs: [startMs], extra: { rssMB: rssMb.toFixed(0) } });
await liteStorage.close();
await lite.close();

/** `workers` processes each sending `sends` messages on one database at once; aggregate time. */
async function processes(workers: number): Promise<VariantResult> {
  const script = fileURLToPath(new URL('../postgres-worker.ts', import.meta.url));
  const children = Array.from({ length: workers }, () =>
    spawn(process.execPath, ['--import', 'tsx', script, String(sends)], { env: { ...process.env, BENCH_SCHEMA: schema }, stdio: ['pipe', 'pipe', 'inherit'] }),
  );
  // Each worker prints "ready" once connected, then waits for a line on stdin: one start for all.
  await Promise.all(children.map((c) => new Promise((resolve) => c.stdout.once('data', resolve))));
  const started = performance.now();
  for (const c of children) c.stdin.end('go\n');
  await Promise.all(children.map((c) => new Promise((resolve) => c.once('exit', resolve))));
  const ms = performance.now() - started;
  return {
    variant: `${workers} process(es) on one database`,
    work: `${workers} × ${sends} sends`,
    runsMs: [ms],
    items: workers * sends,
    ...(workers > 1 ? { baselineOf: '1 process(es) on one database' } : {}),
  };
}

report({
  scenario: 'postgres storage',
  goal: 'round trips per send ≤ 0.05; PostgreSQL / memory throughput ≥ 0.8; 4 processes ≥ 3 × one process',
  variants,
  notes: [
    ...notes,
    'Sends read no record (cached; LISTEN/NOTIFY announces changes) and write events in batches of 100: round trips per send ≈ 1/100.',
    'The ratio column is time per send: 1.25 × memoryStorage is a throughput ratio of 0.8. For the processes rows a ratio of 0.33 × is 3 × the throughput.',
    'This machine has 2 cores: 4 CPU-bound processes can at most double one process, whatever the database does.',
  ],
});
