import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { isTransportError } from '../../core/errors.js';
import type { TransportStorage } from '../../storage/types.js';
import { StorageContractError, violated } from './contract-error.js';

/**
 * One race of the storage contract: many callers run `call` at once on one shared store, then
 * `verify` checks the final state and the outcomes against the invariant. Scenarios are plain
 * data plus functions of a `TransportStorage`, so the same scenario runs in one process
 * ({@link runRace}) or from several processes on one store (`runRaceInProcesses`): state between
 * callers lives only in the store.
 */
export interface RaceScenario<Outcome = unknown> {
  /** Stable id, e.g. `providers.remove-vs-usages.add`; workers find the scenario by it. */
  readonly id: string;
  /** The invariant under test, in words. */
  readonly rule: string;
  /** Prepares the fresh, empty store before the callers start. */
  setup(storage: TransportStorage): Promise<void>;
  /**
   * One caller's operation. Returns a JSON-serialisable outcome (it may cross a process
   * boundary). Catches the errors the contract documents for the method (e.g. `CONFLICT`); any
   * other error it lets through is a violation.
   */
  call(storage: TransportStorage, index: number): Promise<Outcome>;
  /** Checks the store and the outcomes (by caller index); throws a `StorageContractError`. */
  verify(storage: TransportStorage, outcomes: readonly Outcome[]): Promise<void>;
}

/** What one caller of a race gave: its outcome, or the error it threw (JSON-serialisable). */
export type RaceResult =
  | { readonly index: number; readonly outcome: unknown }
  | { readonly index: number; readonly error: { readonly message: string; readonly code?: string } };

/** How hard {@link runRace} races. */
export interface RaceOptions {
  /** Concurrent callers per round (default 50). */
  readonly callers?: number;
  /** Rounds, each on a fresh store (default 5). */
  readonly rounds?: number;
  /** Each caller first waits a random 0..maxDelayMs milliseconds plus a few event-loop turns (default 2). */
  readonly maxDelayMs?: number;
}

/**
 * Opens the adapters of one round, all connected to one fresh, empty store: several adapters
 * on one store stand for several app instances sharing a database. The race closes them after
 * the round (`close?.()`, once per distinct adapter).
 */
export type RaceStorages = (round: number) => readonly TransportStorage[] | Promise<readonly TransportStorage[]>;

/** Defaults of {@link RaceOptions}. */
export const RACE_DEFAULTS = { callers: 50, rounds: 5, maxDelayMs: 2 } as const;

const UNDOCUMENTED_ERROR =
  'The only TransportErrors an adapter throws on purpose are `CONFLICT` (stale version, duplicate id) and `NOT_FOUND` where a method says so; ' +
  'an atomic method behaves as if no other call ran while it did';

/** Runs caller `index` of a race after a random tiny delay, catching what it throws. */
export async function raceCall(scenario: RaceScenario, storage: TransportStorage, index: number, maxDelayMs: number): Promise<RaceResult> {
  const wait = Math.floor(Math.random() * (maxDelayMs + 1));
  if (wait > 0) await sleep(wait);
  for (let turns = Math.floor(Math.random() * 4); turns > 0; turns--) await nextTurn();
  try {
    return { index, outcome: JSON.parse(JSON.stringify(await scenario.call(storage, index)) ?? 'null') as unknown };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { index, error: isTransportError(error) ? { message, code: error.code } : { message } };
  }
}

/**
 * Judges the results of one round: any error a caller let through is a violation (an uncoded
 * one, or a code the method does not document for a race); then `scenario.verify` runs on the
 * outcomes in caller order.
 */
export async function judgeRace(scenario: RaceScenario, storage: TransportStorage, results: readonly RaceResult[]): Promise<void> {
  const outcomes: unknown[] = [];
  for (const result of results) {
    if ('error' in result) {
      const { code, message } = result.error;
      violated({
        method: scenario.id,
        problem: code === undefined ? `caller ${result.index} threw an error without a TransportError code` : `caller ${result.index} threw ${code}, which the method does not document for concurrent calls`,
        rule: UNDOCUMENTED_ERROR,
        actual: message,
      });
    }
    outcomes[result.index] = result.outcome;
  }
  await scenario.verify(storage, outcomes);
}

/** Says where a `StorageContractError` happened (round, callers, adapters); other errors pass as they are. */
export const inRound = (error: unknown, where: string): unknown => (error instanceof StorageContractError ? error.locate(where) : error);

/** Closes each distinct adapter once. */
export async function closeAll(storages: readonly TransportStorage[]): Promise<void> {
  await Promise.all([...new Set(storages)].map((s) => s.close?.()));
}

/**
 * Runs a race scenario in this process: for each round, opens the adapters of a fresh store,
 * runs `setup`, starts `callers` calls at once spread over the adapters (caller i on adapter
 * i mod n), each after a random tiny delay so every round interleaves differently, then checks
 * that no call threw an uncoded or undocumented error and runs `verify`. Rejects with a
 * `StorageContractError` naming the broken rule and the round.
 *
 * @example
 * ```ts
 * for (const scenario of storageRaceScenarios) {
 *   await runRace(scenario, () => [memoryStorage()], { rounds: 3 });
 * }
 * ```
 */
export async function runRace(scenario: RaceScenario, open: RaceStorages, options: RaceOptions = {}): Promise<void> {
  const { callers, rounds, maxDelayMs } = { ...RACE_DEFAULTS, ...options };
  for (let round = 0; round < rounds; round++) {
    const storages = await open(round);
    if (storages.length === 0) throw new TypeError('runRace: the storages of a round must not be empty');
    try {
      await scenario.setup(storages[0]!);
      const results = await Promise.all(Array.from({ length: callers }, (_, i) => raceCall(scenario, storages[i % storages.length]!, i, maxDelayMs)));
      await judgeRace(scenario, storages[0]!, results);
    } catch (error) {
      throw inRound(error, `round ${round + 1} of ${rounds}, ${callers} callers on ${storages.length} adapter(s)`);
    } finally {
      await closeAll(storages);
    }
  }
}
