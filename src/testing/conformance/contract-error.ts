import { isDeepStrictEqual } from 'node:util';
import { isTransportError } from '../../core/errors.js';

/**
 * One clause of the storage contract: the method, what went wrong and the rule it breaks, in
 * words, so a failure explains itself without pointing at the kit's source (which is not shipped).
 */
export interface ContractClause {
  /** The store method, e.g. `providers.remove`. */
  readonly method: string;
  /** What the adapter did, e.g. `a provider with usages was deleted without force`. */
  readonly problem: string;
  /** The contract sentence it breaks, as the JSDoc of `TransportStorage` states it. */
  readonly rule: string;
}

/** A {@link ContractClause} with what the kit expected, what the adapter did, and where. */
export interface ContractViolation extends ContractClause {
  readonly expected?: unknown;
  readonly actual?: unknown;
  /** Where it happened, e.g. the round of a race and how many callers ran. */
  readonly where?: string;
}

const show = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
};

/**
 * Thrown by the conformance kit when an adapter breaks the storage contract. It does not depend
 * on the test runner's `expect`: the message names the method, says what went wrong and quotes
 * the rule, then shows the expected and the actual value, e.g.
 *
 * ```text
 * providers.remove: a provider with usages was deleted without force (contract: "never deleted without force")
 *   expected: {"status":"in-use"}
 *   actual:   {"status":"removed"}
 *   where:    round 2 of 5, 50 callers on 1 adapter(s)
 * ```
 */
export class StorageContractError extends Error {
  /** The store method that broke the rule. */
  readonly method: string;
  /** What the adapter did wrong. */
  readonly problem: string;
  /** The contract rule it broke. */
  readonly rule: string;
  /** What the contract asks for, when there is one value to show. */
  readonly expected: unknown;
  /** What the adapter returned or stored. */
  readonly actual: unknown;
  /** Where it happened (a race's round), when known. */
  readonly where: string | undefined;
  readonly #violation: ContractViolation;

  constructor(violation: ContractViolation) {
    const lines = [`${violation.method}: ${violation.problem} (contract: "${violation.rule}")`];
    if ('expected' in violation) lines.push(`  expected: ${show(violation.expected)}`);
    if ('actual' in violation) lines.push(`  actual:   ${show(violation.actual)}`);
    if (violation.where !== undefined) lines.push(`  where:    ${violation.where}`);
    super(lines.join('\n'));
    this.name = 'StorageContractError';
    // The frames would only point into the kit (not at the adapter, whose call has returned),
    // and through source maps at sources that are not shipped: the message says it all.
    this.stack = `${this.name}: ${this.message}`;
    this.method = violation.method;
    this.problem = violation.problem;
    this.rule = violation.rule;
    this.expected = violation.expected;
    this.actual = violation.actual;
    this.where = violation.where;
    this.#violation = violation;
  }

  /** The same violation, saying where it happened (e.g. the round of a race). */
  locate(where: string): StorageContractError {
    return new StorageContractError({ ...this.#violation, where });
  }
}

/** Throws a {@link StorageContractError}. */
export function violated(violation: ContractViolation): never {
  throw new StorageContractError(violation);
}

/**
 * Compares two JSON values the way a store round-trips them: properties whose value is
 * `undefined` count as absent, key order does not matter.
 */
export function sameJson(actual: unknown, expected: unknown): boolean {
  const normal = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));
  return isDeepStrictEqual(normal(actual), normal(expected));
}

/** Throws a {@link StorageContractError} unless `actual` equals `expected` as JSON. */
export function expectSame(actual: unknown, expected: unknown, clause: ContractClause): void {
  if (!sameJson(actual, expected)) violated({ ...clause, expected, actual });
}

/** Throws a {@link StorageContractError} (with `actual`, when given) unless `condition` holds. */
export function expectThat(condition: boolean, clause: ContractClause, actual?: unknown): void {
  if (!condition) violated(actual === undefined ? clause : { ...clause, actual });
}

/** Awaits `promise` and requires it to reject with a TransportError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: string, clause: ContractClause): Promise<void> {
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (isTransportError(error) && error.code === code) return;
    violated({ ...clause, expected: `TransportError ${code}`, actual: error });
  }
  violated({ ...clause, expected: `TransportError ${code}`, actual: { resolved: result ?? null } });
}
