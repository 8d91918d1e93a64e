/**
 * The registry on PostgreSQL: a real server when DATABASE_URL is set (several app instances can
 * share it), else PGlite in this process, persisted to a directory (single instance).
 *
 *   DATABASE_URL=postgres://user:pass@127.0.0.1/db npx tsx examples/postgres.ts
 *   npx tsx examples/postgres.ts ./transportkit-data        # PGlite
 *
 * Keep TK_KEY (the secret key) stable between runs: the stored secrets are sealed with it.
 */
import { createRegistry } from 'transportkit';
import { postgresStorage } from 'transportkit/postgres';
import { memoryTransport } from 'transportkit/testing';

const url = process.env.DATABASE_URL;
const storage = await postgresStorage(url ? { connectionString: url } : { pglite: process.argv[2] ?? './transportkit-data' });
const key = process.env.TK_KEY;
if (!key) throw new Error('set TK_KEY to a stable secret key, e.g. the output of generateSecretKey() from transportkit');
const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1: key }, current: 'k1' } });

const sms = (await registry.list({ channel: 'sms' }))[0] ?? (await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms' }, secrets: { password: 'sms-password' } }));
await registry.setDefault(sms.id);
const result = await registry.send(await registry.defaultFor({ channel: 'sms' }), { to: '+41791234567', text: 'Hello from PostgreSQL' });
const sent = (await registry.events({ providerId: sms.id, types: ['send'] })).length;

// Events hold recipients: keep 30 days.
await registry.pruneEvents({ before: new Date(Date.now() - 30 * 86_400_000) });
console.log(JSON.stringify({ driver: storage.driver, schemaVersion: storage.schemaVersion, providers: (await registry.list()).length, accepted: result.accepted, sent }));
await registry.close();
await storage.close();
