import type { DeliveryProvider } from '../core/provider.js';
import { withDeadline } from './tasks.js';
import type { BalanceUserDirectory, RecipientProblem } from './types.js';

/** The outcome of looking up the warning recipient of a provider. */
export type RecipientCheck =
  | { readonly ready: true; readonly userId: string; readonly address: string }
  | { readonly ready: false; readonly problem: RecipientProblem; readonly detail: string; readonly userId?: string; readonly address?: string };

/**
 * Finds the user's address for the provider's channel and validates it with the provider's own
 * `validateAddress`, the same rule the send applies. Never throws: a failing directory, or one
 * that does not answer within `timeoutMs`, is a `lookup-failed` problem.
 */
export async function findRecipient(users: BalanceUserDirectory, provider: DeliveryProvider, userId: string | undefined, timeoutMs: number): Promise<RecipientCheck> {
  if (userId === undefined) return { ready: false, problem: 'no-user', detail: 'no user to notify is chosen' };
  let address: unknown;
  try {
    // The host's directory is bounded like any upstream: a lookup that never answers must not hang the check.
    address = await withDeadline(timeoutMs, undefined, 'the user directory lookup', async () => users.getAddress(userId, provider.channel));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { ready: false, problem: 'lookup-failed', detail: `the user directory failed for user "${userId}": ${reason}`, userId };
  }
  if (address === undefined || address === null || address === '') {
    return { ready: false, problem: 'no-address', detail: `user "${userId}" has no ${provider.channel} address`, userId };
  }
  if (typeof address !== 'string') {
    return { ready: false, problem: 'lookup-failed', detail: `the user directory returned no string for user "${userId}"`, userId };
  }
  const check = provider.validateAddress(address);
  if (!check.ok) {
    return { ready: false, problem: 'invalid-address', detail: `the ${provider.channel} address of user "${userId}" is invalid: ${check.reason}`, userId, address };
  }
  return { ready: true, userId, address: check.normalized };
}
