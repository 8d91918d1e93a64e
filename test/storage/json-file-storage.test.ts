import { existsSync, mkdtempSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runRace, runStorageConformance, storageRaceScenarios } from '../../src/testing/index.js';
import { providerRecord } from '../../src/testing/conformance/fixtures.js';
import { jsonFileStorage } from '../../examples/json-file-storage.js';

const dir = mkdtempSync(join(tmpdir(), 'tk-json-'));
let files = 0;
const freshFile = (name = 'store') => join(dir, `${name}-${files++}.json`);
const workerModule = new URL('./json-file-worker.ts', import.meta.url);

runStorageConformance({ describe, it }, () => jsonFileStorage(freshFile()), {
  name: 'examples/json-file-storage',
  processes: {
    workers: 3,
    module: workerModule,
    prepare: ({ scenario, round }) => ({ path: freshFile(`${scenario}-${round}`) }),
  },
});

describe('examples/json-file-storage across instances and with its lock file', () => {
  it('passes every race with three adapters (app instances) on one file in one process', async () => {
    for (const scenario of storageRaceScenarios) {
      await runRace(scenario, () => {
        const file = freshFile('instances');
        return [jsonFileStorage(file), jsonFileStorage(file), jsonFileStorage(file)];
      }, { rounds: 2 });
    }
    expect(storageRaceScenarios.length).toBeGreaterThanOrEqual(12);
  });

  it('takes over a lock file older than staleLockMs', async () => {
    const file = freshFile('stale');
    writeFileSync(`${file}.lock`, 'a crashed process');
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${file}.lock`, old, old);
    const storage = jsonFileStorage(file, { staleLockMs: 30_000, lockTimeoutMs: 2_000 });
    await storage.providers.insert(providerRecord('a'));
    expect((await storage.providers.get('a'))?.id).toBe('a');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('gives up after lockTimeoutMs while a live lock is held, and works once it is released', async () => {
    const file = freshFile('held');
    writeFileSync(`${file}.lock`, 'another process');
    const storage = jsonFileStorage(file, { lockTimeoutMs: 150 });
    const started = Date.now();
    await expect(storage.providers.insert(providerRecord('a'))).rejects.toThrow(/lock not acquired within 150 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await storage.providers.get('a')).toBeUndefined();
    unlinkSync(`${file}.lock`);
    await storage.providers.insert(providerRecord('a'));
    expect((await storage.providers.list()).map((r) => r.id)).toEqual(['a']);
  });
});
