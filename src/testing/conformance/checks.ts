import type { StorageCheck } from './check.js';
import { balanceChecks } from './checks-balance.js';
import { challengeChecks } from './checks-challenges.js';
import { eventChecks } from './checks-events.js';
import { deliveryChecks } from './checks-deliveries.js';
import { idempotencyChecks } from './checks-idempotency.js';
import { providerChecks } from './checks-providers.js';
import { recoveryChecks } from './checks-recovery.js';
import { defaultChecks, usageChecks } from './checks-references.js';
import { totpChecks } from './checks-totp.js';

/**
 * Every basic check of the storage contract, one rule or a few related ones each, in the order
 * of `TransportStorage`: providers, usages, defaults, events, balance, totp, challenges, idempotency, deliveries and the optional recoveryCodes. Each
 * runs on a fresh, empty adapter and throws a `StorageContractError` naming the rule it broke.
 */
export const storageChecks: readonly StorageCheck[] = [
  ...providerChecks,
  ...usageChecks,
  ...defaultChecks,
  ...eventChecks,
  ...balanceChecks,
  ...totpChecks,
  ...challengeChecks,
  ...idempotencyChecks,
  ...deliveryChecks,
  ...recoveryChecks,
];
