/**
 * A second app instance for the PostgreSQL tests, in its own process with its own pool.
 * Modes (argv[2]):
 * - `watch <id>`: resolves the provider every 10 ms and prints `changed <ms>` whenever the live
 *   provider is rebuilt (a change by another process was seen);
 * - `churn`: creates providers with a usage and a default in a loop, printing `committed <id>`
 *   after each operation returned (then the parent kills it with SIGKILL).
 * Connection: DATABASE_URL; schema: TK_SCHEMA; secret key: TK_KEY.
 */
import { createRegistry, memoryTransport } from '../../src/index.js';
import { postgresStorage } from '../../src/postgres/index.js';

const storage = await postgresStorage({ connectionString: process.env.DATABASE_URL!, schema: process.env.TK_SCHEMA! });
const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1: process.env.TK_KEY! }, current: 'k1' } });
const [mode, id] = process.argv.slice(2);

if (mode === 'watch') {
  let current = await registry.resolve(id!);
  console.log('ready');
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    const next = await registry.resolve(id!);
    if (next !== current) console.log(`changed ${Date.now()}`);
    current = next;
  }
} else {
  console.log('ready');
  for (let n = 0; ; n += 1) {
    const p = await registry.create({ type: 'memory', id: `churn-${process.pid}-${n}`, config: { channel: 'sms' } });
    await registry.addUsage(p.id, { kind: 'form', id: `f${n}` });
    await registry.setDefault(p.id, { tenant: `t${n % 3}` });
    await registry.send(p.id, { to: '+41791234567', text: `n${n}` });
    console.log(`committed ${p.id}`);
  }
}
