import type { RaceScenario } from './race.js';
import { deliveryAdvanceRace } from './checks-deliveries.js';
import { idempotencyClaimRace } from './checks-idempotency.js';
import { recoveryAdmitRace, recoveryConsumeRace } from './checks-recovery.js';
import { guardRaceScenarios } from './races-guards.js';
import { registryRaceScenarios } from './races-registry.js';

/**
 * Every race scenario of the storage contract, one per invariant, each meant for 50 or more
 * concurrent callers: removal against usages and defaults (with and without force), one
 * default per channel and tenant, versioned provider and TOTP writes, the daily balance claim,
 * TOTP step acceptance and failure counting, and the challenge throttle (per key and capped), attempt counting and
 * delete, recovery codes used once and counted before comparison, one claim per idempotency key, and delivery statuses that only move forward. Run them with `runRace` (one process) or `runRaceInProcesses` (several).
 */
export const storageRaceScenarios: readonly RaceScenario[] = [...registryRaceScenarios, ...guardRaceScenarios, idempotencyClaimRace as RaceScenario, deliveryAdvanceRace as RaceScenario, recoveryConsumeRace as RaceScenario, recoveryAdmitRace as RaceScenario];

/** The scenario with this id; throws for an unknown id. */
export function raceScenario(id: string): RaceScenario {
  const found = storageRaceScenarios.find((s) => s.id === id);
  if (!found) throw new TypeError(`no storage race scenario "${id}"`);
  return found;
}
