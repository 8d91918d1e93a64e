import type { ProviderEvent } from '../../core/events.js';
import type { ChallengeState, ProviderRecord, TotpUserState } from '../../storage/types.js';

/** An ISO time `seconds` after 2026-01-01T00:00:00Z: every fixture time is one of these. */
export const at = (seconds: number): string => new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString();

/** A provider record of channel `email` (override anything). */
export const providerRecord = (id: string, over: Partial<ProviderRecord> = {}): ProviderRecord => ({
  id,
  type: 'memory',
  channel: 'email',
  name: `provider ${id}`,
  config: { channel: 'email', nested: { list: [1, 2] } },
  secrets: { password: 'tk1.k1.aaaa.bbbb' },
  eventLevel: 'all',
  version: 1,
  createdAt: at(0),
  updatedAt: at(0),
  ...over,
});

/** An event `e<n>` at second `seconds` (default `n`). */
export const providerEvent = (n: number, over: Partial<ProviderEvent> = {}): ProviderEvent => ({
  id: `e${n}`,
  time: at(n),
  providerId: 'p1',
  providerType: 'memory',
  severity: 'info',
  type: 'send',
  message: `event ${n}`,
  fields: { n, to: ['someone@example.org'] },
  ...over,
});

/** The TOTP enrolment of `u1` with provider `totp1`, version 1, no failures. */
export const totpState = (over: Partial<TotpUserState> = {}): TotpUserState => ({
  providerId: 'totp1',
  userId: 'u1',
  sealedSecret: 'tk1.k1.x.y',
  confirmed: false,
  lastStep: -1,
  failures: 0,
  createdAt: at(0),
  version: 1,
  ...over,
});

/** A challenge `c1` of `u1`, sent at second 0, resend window until 60 s, expiring at 300 s. */
export const challengeState = (over: Partial<ChallengeState> = {}): ChallengeState => ({
  id: 'c1',
  userId: 'u1',
  providerId: 'p1',
  codeHash: 'hash',
  sentAt: at(0),
  expiresAt: at(300),
  resendAt: at(60),
  attempts: 0,
  ...over,
});

/** Runs `change`; a TypeError of a frozen value is fine: a frozen value cannot change the store. */
const attempt = (change: () => void): void => {
  try {
    change();
  } catch {
    return;
  }
};

/**
 * Tries to change every property of a returned or handed-in value, deeply (strings, numbers,
 * booleans, arrays, nested objects), to check that the store kept or returned a copy.
 */
export function scribble(value: unknown): void {
  if (typeof value !== 'object' || value === null) return;
  const target = value as Record<string, unknown>;
  for (const key of Object.keys(target)) {
    const field = target[key];
    if (typeof field === 'object' && field !== null) scribble(field);
    else attempt(() => (target[key] = typeof field === 'number' ? field + 1000 : typeof field === 'boolean' ? !field : 'scribbled'));
  }
  attempt(() => (Array.isArray(value) ? value.push('scribbled') : (target.scribbled = true)));
}
