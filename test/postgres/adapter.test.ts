import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry, generateSecretKey, memoryTransport, type ProviderRegistry } from '../../src/index.js';
import { postgresStorage, type PostgresStorage } from '../../src/postgres/index.js';
import { databaseUrl, freshSchema } from './server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const key = generateSecretKey();
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 10 }) : undefined;
const opened: { close(): Promise<void> }[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const o of opened.reverse()) await o.close().catch(() => undefined);
  await pool?.end();
});

async function open(schema: string, extra: { pool?: pg.Pool } = {}): Promise<PostgresStorage> {
  const storage = await postgresStorage({ pool: extra.pool ?? pool!, schema });
  opened.push(storage);
  return storage;
}

function registryOn(storage: PostgresStorage): ProviderRegistry {
  const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys: { keys: { k1: key }, current: 'k1' } });
  opened.push(registry);
  return registry;
}

/** Starts test/postgres/child-registry.ts in its own process; resolves once it printed `ready`. */
async function child(schema: string, args: string[]): Promise<{ process: ChildProcess; lines: string[] }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/postgres/child-registry.ts'), ...args], {
    cwd: root,
    env: { ...process.env, TK_SCHEMA: schema, TK_KEY: key },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(proc);
  const lines: string[] = [];
  const reader = createInterface({ input: proc.stdout! });
  await new Promise<void>((resolve, reject) => {
    reader.on('line', (line) => (line === 'ready' ? resolve() : lines.push(line)));
    proc.on('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
  return { process: proc, lines };
}

const until = async (condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return condition();
};

describe.skipIf(!databaseUrl)('postgresStorage on a PostgreSQL server', () => {
  it('migrates once when four instances start at once, and refuses a newer schema', async () => {
    const schema = freshSchema('mig');
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: databaseUrl, max: 2 }));
    try {
      const storages = await Promise.all(pools.map((p) => postgresStorage({ pool: p, schema })));
      expect(storages.map((s) => s.schemaVersion)).toEqual([3, 3, 3, 3]);
      const { rows } = await pool!.query(`SELECT version FROM "${schema}".transportkit_migrations ORDER BY version`);
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
      await Promise.all(storages.map((s) => s.close()));
      await pool!.query(`INSERT INTO "${schema}".transportkit_migrations (version) VALUES (99)`);
      await expect(postgresStorage({ pool: pool!, schema })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(postgresStorage({ pool: pool!, schema: freshSchema('nomig'), migrate: false })).rejects.toMatchObject({ code: expect.stringMatching(/UNSUPPORTED|STORAGE_FAILED/) });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses bad options with coded errors naming the field', async () => {
    await expect(postgresStorage({} as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(postgresStorage({ pool: pool!, pglite: 'memory://' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(postgresStorage({ pool: pool!, schema: 'Robert"; DROP TABLE x; --' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'schema' });
    await expect(postgresStorage({ pool: pool!, tablePrefix: 'a b' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'tablePrefix' });
  });

  it('maps a wrong password to STORAGE_FAILED without the password anywhere', async () => {
    const url = new URL(databaseUrl!);
    url.password = 'Wr0ng-Pa55word-8c1e';
    const error = await postgresStorage({ connectionString: url.href }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'STORAGE_FAILED', details: { sqlstate: '28P01' } });
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain('Wr0ng-Pa55word-8c1e');
    const storage = await postgresStorage({ connectionString: databaseUrl!, schema: freshSchema('insp') });
    opened.push(storage);
    expect(inspect(storage, { depth: null, showHidden: true })).not.toContain(new URL(databaseUrl!).password);
  });

  it('serves sends from cached records: no record read per send', async () => {
    const schema = freshSchema('cache');
    let selects = 0;
    const counting = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    const query = counting.query.bind(counting) as (...args: unknown[]) => Promise<unknown>;
    (counting as unknown as { query: unknown }).query = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].startsWith('SELECT record')) selects += 1;
      return query(...args);
    };
    try {
      const registry = registryOn(await open(schema, { pool: counting }));
      const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
      await until(() => registry.stats().providers.live >= 0, 50);
      await new Promise((resolve) => setTimeout(resolve, 100)); // LISTEN is up
      selects = 0;
      for (let i = 0; i < 100; i++) await registry.send(p.id, { to: '+41791234567', text: `m${i}` });
      expect(selects).toBeLessThanOrEqual(1);
      await registry.close();
    } finally {
      await counting.end();
    }
  });

  it('sees a change made by another process within 1 s', async () => {
    const schema = freshSchema('coh');
    const registry = registryOn(await open(schema));
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const other = await child(schema, ['watch', p.id]);
    for (let round = 0; round < 3; round++) {
      const before = other.lines.length;
      const changedAt = Date.now();
      await registry.update(p.id, { name: `renamed ${round}` });
      expect(await until(() => other.lines.length > before, 1000)).toBe(true);
      const seenAt = Number(other.lines.at(-1)!.split(' ')[1]);
      expect(seenAt - changedAt).toBeLessThan(1000);
    }
    other.process.kill('SIGKILL');
  });

  it('recovers from a lost LISTEN connection and forgets what it may have missed', async () => {
    const schema = freshSchema('relisten');
    const a = registryOn(await open(schema));
    const b = registryOn(await open(schema));
    const p = await a.create({ type: 'memory', config: { channel: 'sms' } });
    const first = await a.resolve(p.id);
    await pool!.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1`, [`LISTEN ${schema}_transportkit_changes`]);
    await b.update(p.id, { name: 'changed while nobody listened' });
    // Either the reconnect's reset or a later announcement makes `a` rebuild.
    expect(await until(async () => (await a.resolve(p.id)) !== first, 15_000)).toBe(true);
    const second = await a.resolve(p.id);
    await b.update(p.id, { name: 'changed after the reconnect' });
    expect(await until(async () => (await a.resolve(p.id)) !== second, 1000)).toBe(true);
  });

  it('loses no committed operation and shows no half-done one when a process is killed mid-write', async () => {
    const schema = freshSchema('kill');
    const registry = registryOn(await open(schema));
    for (let round = 0; round < 3; round++) {
      const churn = await child(schema, ['churn']);
      await until(() => churn.lines.length >= 5 + round * 3, 10_000);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
      churn.process.kill('SIGKILL');
      await new Promise((resolve) => churn.process.once('exit', resolve));
      const committed = churn.lines.map((l) => l.split(' ')[1]!);
      const ids = new Set((await registry.list()).map((p) => p.id));
      for (const id of committed) {
        expect(ids.has(id)).toBe(true);
        expect((await registry.usages(id)).some((u) => u.kind === 'form')).toBe(true);
      }
      const storage = registry.storage;
      for (const d of await storage.defaults.list()) expect(ids.has(d.providerId)).toBe(true);
      for (const id of ids) for (const u of await storage.usages.list(id)) expect(u.kind).toBe('form');
    }
  });
});
