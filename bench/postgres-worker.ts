/**
 * One app instance of the multi-process PostgreSQL benchmark: connects, prints "ready", waits
 * for a line on stdin (so all instances start together), sends argv[2] messages, exits.
 */
import { createInterface } from 'node:readline';
import { createRegistry, generateSecretKey, memoryTransport } from '../src/index.js';
import { postgresStorage } from '../src/postgres/index.js';

const count = Number(process.argv[2]);
const storage = await postgresStorage({ connectionString: process.env.DATABASE_URL!, schema: process.env.BENCH_SCHEMA! });
const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } });
const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
await registry.send(p.id, { to: '+41791234567', text: 'warm-up' });
process.stdout.write('ready\n');
await new Promise((resolve) => createInterface({ input: process.stdin }).once('line', resolve));
for (let i = 0; i < count; i++) await registry.send(p.id, { to: '+41791234567', text: `message ${i}` });
await registry.close();
await storage.close();
