import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/index.js';
import { runRace, runRaceInProcesses, StorageContractError, storageChecks, storageRaceScenarios } from '../../src/testing/index.js';
import { mutants } from './naive-adapters.js';

/** The names of the basic checks an adapter fails. */
async function failedChecks(wrap: (inner: ReturnType<typeof memoryStorage>) => ReturnType<typeof memoryStorage>): Promise<string[]> {
  const failed: string[] = [];
  for (const check of storageChecks) {
    await check.run(wrap(memoryStorage())).catch((error: unknown) => {
      if (!(error instanceof StorageContractError)) throw error;
      failed.push(check.name);
    });
  }
  return failed;
}

describe('conformance kit mutation test: read-then-write adapters fail their race', () => {
  it('has a mutant for every race scenario', () => {
    const caught = new Set(mutants.map((m) => m.caughtBy));
    expect(storageRaceScenarios.map((s) => s.id).filter((id) => !caught.has(id))).toEqual([]);
  });

  for (const mutant of mutants.filter((m) => m.caughtBy !== 'copies')) {
    it(`${mutant.name}: passes every basic check, fails race ${mutant.caughtBy}`, async () => {
      expect(await failedChecks(mutant.wrap)).toEqual([]);
      const scenario = storageRaceScenarios.find((s) => s.id === mutant.caughtBy)!;
      const race = runRace(scenario, () => [mutant.wrap(memoryStorage())], { rounds: 10 });
      await expect(race).rejects.toBeInstanceOf(StorageContractError);
      await expect(race).rejects.toThrow(/\(contract: ".+"\)/);
    });
  }

  it('a store that returns its own object instead of a copy fails exactly the copy check of its store', async () => {
    const mutant = mutants.find((m) => m.caughtBy === 'copies')!;
    expect(await failedChecks(mutant.wrap)).toEqual(['records handed in and returned are copies']);
  });

  it('the unchanged memoryStorage passes the same races with several rounds', async () => {
    for (const scenario of storageRaceScenarios) await runRace(scenario, () => [memoryStorage()], { rounds: 10 });
    expect(storageRaceScenarios.length).toBeGreaterThanOrEqual(12);
  });
});

describe('conformance kit mutation test across processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tk-mutants-'));
  let files = 0;
  /** Races `scenario` with one caller in each of 4 processes on one JSON file: only cross-process interleavings can break it. */
  const acrossProcesses = (scenario: string, mutant?: string) =>
    runRaceInProcesses(storageRaceScenarios.find((s) => s.id === scenario)!, {
      workers: 4,
      callers: 4,
      rounds: 10,
      module: new URL('./json-file-worker.ts', import.meta.url),
      prepare: () => ({ path: join(dir, `store-${files++}.json`), mutant }),
    });

  for (const name of ['totp.admitAttempt reads the state, then writes the counted one', 'challenges.start reads the recorded sends, then writes them']) {
    const mutant = mutants.find((m) => m.name === name)!;
    it(`${name}, over the JSON-file example with one caller in each of 4 processes: fails its race, the example itself passes`, async () => {
      await expect(acrossProcesses(mutant.caughtBy, name)).rejects.toBeInstanceOf(StorageContractError);
      await expect(acrossProcesses(mutant.caughtBy)).resolves.toBeUndefined();
    });
  }
});
