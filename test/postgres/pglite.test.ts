import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry, generateSecretKey, memoryTransport } from '../../src/index.js';
import { postgresStorage, type PostgresStorage } from '../../src/postgres/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dataDir = join(mkdtempSync(join(tmpdir(), 'tk-pglite-')), 'data');
const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
let storage: PostgresStorage | undefined;
afterAll(() => storage?.close());

describe('postgresStorage on PGlite with a data directory', () => {
  it('persists, locks the directory against a second opener here and in other processes, and takes over a stale lock', async () => {
    storage = await postgresStorage({ pglite: dataDir });
    expect(storage.driver).toBe('pglite');
    expect(storage.processLocal).toBe(false);
    expect(readFileSync(`${dataDir}.lock`, 'utf8')).toBe(String(process.pid));
    const registry = createRegistry({ storage, types: [memoryTransport()], secretKeys });
    const p = await registry.create({ type: 'memory', id: 'kept', config: { channel: 'sms' }, secrets: { password: 'persisted-secret' } });

    // Two openers of one directory silently lose data: the second is refused, before PGlite starts.
    await expect(postgresStorage({ pglite: dataDir })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'pglite', message: expect.stringContaining('(this one)') });
    const script = `import { postgresStorage } from ${JSON.stringify(join(root, 'src/postgres/index.ts'))};
      try { await postgresStorage({ pglite: ${JSON.stringify(dataDir)} }); console.log('opened'); } catch (e) { console.log(e.code, e.details.pid); }`;
    const other = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }).toString().trim();
    expect(other).toBe(`CONFIG_INVALID ${process.pid}`);

    await registry.close();
    await storage.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    // A crashed owner leaves its pid file behind; a dead pid is taken over.
    writeFileSync(`${dataDir}.lock`, '2147483646');
    storage = await postgresStorage({ pglite: dataDir });
    const reopened = createRegistry({ storage, types: [memoryTransport()], secretKeys });
    expect((await reopened.get(p.id)).secrets).toEqual({ password: { set: true } });
    expect((await reopened.test(p.id)).ok).toBe(true);
    await reopened.close();
  }, 180_000); // PGlite starts in seconds, slower on a loaded machine
});
