import type { TransportStorage } from '../../storage/types.js';
import { sameJson, type ContractClause } from './contract-error.js';

/**
 * One basic (single-caller) check of the storage contract. `run` throws a
 * `StorageContractError` when the adapter breaks a rule; `runStorageConformance` registers each
 * check as one test, and a host may call `run` directly on an adapter of its own.
 */
export interface StorageCheck {
  /** The store it checks: `providers`, `usages`, `defaults`, `events`, `balance`, `totp` or `challenges`. */
  readonly store: string;
  /** What it checks, in words (the test name). */
  readonly name: string;
  /** Runs the check on a fresh, empty adapter. */
  run(storage: TransportStorage): Promise<void>;
}

/** Builds the {@link ContractClause}s of one store: `clause('get', problem, rule)`. */
export const clausesOf =
  (store: string) =>
  (method: string, problem: string, rule: string): ContractClause => ({ method: `${store}.${method}`, problem, rule });

/** Contract sentences quoted by several checks and races. */
export const SHARED_RULES = {
  removeInUse: 'without `force`: `in-use` (nothing changed) when the record has usages or is a default, else `removed`',
  removeForce: 'with `force`: deletes the record, its usages and every default naming it, in one step',
  copies: 'values handed in and returned are copies: mutating them never changes what is stored',
  failedCallChangesNothing: 'A method that fails must leave the stored state as it was before the call',
  emptyAtFirst: 'the factory returns a fresh, empty adapter',
} as const;

/** True when two unordered lists hold the same JSON entries (same length, each expected entry present). */
export const sameSet = (actual: readonly unknown[], expected: readonly unknown[]): boolean =>
  actual.length === expected.length && expected.every((e) => actual.some((a) => sameJson(a, e)));
