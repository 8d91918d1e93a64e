import { z } from 'zod';

/** Hash algorithms of RFC 6238 that authenticator apps understand. */
export type TotpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

/** Validated configuration of a TOTP provider record (none of it is secret). */
export interface TotpConfig {
  /** Shown by authenticator apps above the account (`ACME Co`). */
  readonly issuer: string;
  /** Code length, 6 to 8 digits (default 6: what every app supports). */
  readonly digits: number;
  /** Seconds per time step, 15 to 300 (default 30: many apps ignore anything else). */
  readonly period: number;
  /** HMAC algorithm (default SHA1: the only one every app supports). */
  readonly algorithm: TotpAlgorithm;
  /** Accepted clock drift in time steps, both ways (default 1 = ±30 s). */
  readonly drift: number;
  /** Consecutive failed checks that lock verification (default 5). */
  readonly maxFailures: number;
  /** How long a lock lasts, in seconds (default 300). */
  readonly lockSeconds: number;
  /** Size of generated secrets in bytes, at least 20 = 160 bits as RFC 4226 recommends (default 20). */
  readonly secretBytes: number;
}

/** Characters that break the `issuer:account` label of an `otpauth://` URI. */
const noColon = (value: string) => !value.includes(':');

/** zod schema of {@link TotpConfig}; applies the defaults. */
export const totpConfigSchema: z.ZodType<TotpConfig> = z.object({
  issuer: z.string().trim().min(1, 'must not be empty').max(100).refine(noColon, 'must not contain ":"'),
  digits: z.number().int().min(6).max(8).default(6),
  period: z.number().int().min(15).max(300).default(30),
  algorithm: z.preprocess((v) => (typeof v === 'string' ? v.toUpperCase().replace('-', '') : v), z.enum(['SHA1', 'SHA256', 'SHA512'])).default('SHA1'),
  drift: z.number().int().min(0).max(10).default(1),
  maxFailures: z.number().int().min(1).max(100).default(5),
  lockSeconds: z.number().int().min(1).max(86_400).default(300),
  secretBytes: z.number().int().min(20).max(64).default(20),
});
