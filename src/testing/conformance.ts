import type { TransportStorage } from '../storage/types.js';
import { storageChecks } from './conformance/checks.js';
import { runRaceInProcesses, type ProcessRaceOptions } from './conformance/processes.js';
import { runRace, type RaceOptions } from './conformance/race.js';
import { storageRaceScenarios } from './conformance/races.js';

export { StorageContractError } from './conformance/contract-error.js';
export type { ContractClause, ContractViolation } from './conformance/contract-error.js';
export type { StorageCheck } from './conformance/check.js';
export { storageChecks } from './conformance/checks.js';
export { runRace } from './conformance/race.js';
export type { RaceOptions, RaceResult, RaceScenario, RaceStorages } from './conformance/race.js';
export { storageRaceScenarios } from './conformance/races.js';
export { runRaceInProcesses } from './conformance/processes.js';
export type { ProcessRaceOptions, RaceStorageModule } from './conformance/processes.js';

/**
 * The subset of a test runner the conformance kit needs: vitest, jest and `node:test` fit as
 * they are. Failures never use the runner's `expect`: they throw `StorageContractError`.
 */
export interface ConformanceRunner {
  /** Groups tests. */
  describe(name: string, fn: () => void): unknown;
  /** Declares one test; it fails when `fn` rejects. */
  it(name: string, fn: () => Promise<void>): unknown;
}

/**
 * Makes a fresh, empty adapter; may be async. The kit calls it once per test (once per round in
 * the races) and calls the adapter's `close?.()` after that test or round.
 */
export type StorageFactory = () => TransportStorage | Promise<TransportStorage>;

/** Options of {@link runStorageConformance}. */
export interface ConformanceOptions {
  /** Name of the outer `describe` (default `storage adapter`). */
  readonly name?: string;
  /** Callers, rounds and delays of the in-process races (default 50 callers, 5 rounds). */
  readonly race?: RaceOptions;
  /**
   * Also runs every race scenario from several processes on one shared store (see
   * {@link ProcessRaceOptions}): for adapters whose store outlives a process, i.e. a file or a
   * database. Default 50 callers, 2 rounds.
   */
  readonly processes?: ProcessRaceOptions;
}

/**
 * The storage conformance suite: registers one test per rule of `TransportStorage` (every
 * store method, including copies and the failure cases), then one test per race scenario with
 * 50 concurrent callers on one adapter, repeated over several rounds with random interleavings,
 * and with `options.processes` the same races from several processes on one store. A broken
 * rule fails its test with a `StorageContractError` that names the method and quotes the rule.
 *
 * @example
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runStorageConformance } from 'transportkit/testing';
 *
 * runStorageConformance({ describe, it }, () => myPostgresStorage(freshSchema()), {
 *   name: 'postgres',
 *   processes: { workers: 4, module: new URL('./open-postgres.js', import.meta.url), prepare: ({ scenario, round }) => freshSchemaName(scenario, round) },
 * });
 * ```
 */
export function runStorageConformance(runner: ConformanceRunner, factory: StorageFactory, options: ConformanceOptions = {}): void {
  const { describe, it } = runner;
  describe(`${options.name ?? 'storage adapter'} conformance`, () => {
    for (const store of new Set(storageChecks.map((c) => c.store))) {
      describe(store, () => {
        for (const check of storageChecks.filter((c) => c.store === store)) {
          it(check.name, async () => {
            const storage = await factory();
            try {
              await check.run(storage);
            } finally {
              await storage.close?.();
            }
          });
        }
      });
    }
    describe('races in one process', () => {
      for (const scenario of storageRaceScenarios) {
        it(`${scenario.id}: ${scenario.rule}`, async () => runRace(scenario, async () => [await factory()], options.race));
      }
    });
    const processes = options.processes;
    if (processes) {
      describe(`races from ${processes.workers} processes on one store`, () => {
        for (const scenario of storageRaceScenarios) {
          it(`${scenario.id}: ${scenario.rule}`, async () => runRaceInProcesses(scenario, processes));
        }
      });
    }
  });
}
