import { timingSafeEqual } from 'node:crypto';
import { createGuardrails, generate, generateSecret, generateURI, type CryptoPlugin } from 'otplib';
import type { TotpConfig } from './config.js';

/**
 * Smallest secret accepted, in bytes. otplib 13 defaults to 16, but otplib 12 and other older
 * libraries generated 10-byte secrets that users still have in their apps, so imports of those
 * must keep working. Generated secrets are at least 20 bytes (config `secretBytes`).
 */
export const MIN_SECRET_BYTES = 10;
/** Largest secret otplib accepts (the 64-byte RFC 6238 SHA-512 seed fits). */
export const MAX_SECRET_BYTES = 64;

const guardrails = createGuardrails({ MIN_SECRET_BYTES });
const BASE32 = /^[A-Z2-7]+$/;
/** Base32 of the RFC 6238 Appendix B SHA-1 seed `12345678901234567890`. */
const RFC6238_SHA1_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** The otplib plumbing of one provider: its parameters and optional crypto plugin. */
export class OtpEngine {
  /** `{ crypto }` when the host injected a plugin, else empty so otplib uses its default. */
  private readonly plugin: { readonly crypto?: CryptoPlugin };

  constructor(
    private readonly config: TotpConfig,
    crypto?: CryptoPlugin,
  ) {
    this.plugin = crypto ? { crypto } : {};
  }

  private get params() {
    const { algorithm, digits, period } = this.config;
    return {
      algorithm: algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512',
      digits,
      period,
      guardrails,
      ...this.plugin,
    };
  }

  /** A fresh random base32 secret of `config.secretBytes` bytes. */
  newSecret(): string {
    return generateSecret({ length: this.config.secretBytes, ...this.plugin });
  }

  /** The time step containing `nowMs`. */
  stepAt(nowMs: number): number {
    return Math.floor(nowMs / 1000 / this.config.period);
  }

  /** The code of one time step. */
  codeAt(secret: string, step: number): Promise<string> {
    return generate({ ...this.params, secret, epoch: step * this.config.period });
  }

  /**
   * The steps within the drift window around `nowMs` whose code equals `token`, lowest first.
   * Every candidate is computed and compared in constant time, so the time taken does not
   * reveal which step (if any) matched. `token` must already be `digits` digits.
   */
  async matchingSteps(secret: string, token: string, nowMs: number): Promise<number[]> {
    const current = this.stepAt(nowMs);
    const given = Buffer.from(token);
    const matches: number[] = [];
    for (let step = current - this.config.drift; step <= current + this.config.drift; step += 1) {
      if (step < 0) continue;
      const expected = Buffer.from(await this.codeAt(secret, step));
      if (expected.length === given.length && timingSafeEqual(expected, given)) matches.push(step);
    }
    return matches;
  }

  /** True when this engine's crypto reproduces the RFC 6238 SHA-1 vector at t = 59 s (94287082). */
  async selfTest(): Promise<boolean> {
    const options = { secret: RFC6238_SHA1_SEED, algorithm: 'sha1', digits: 8, period: 30, epoch: 59, guardrails } as const;
    try {
      return (await generate({ ...options, ...this.plugin })) === '94287082';
    } catch {
      return false;
    }
  }

  /** True when `token` has the shape of a code of this provider (only digits, right length). */
  wellFormed(token: unknown): token is string {
    return typeof token === 'string' && token.length === this.config.digits && /^\d+$/.test(token);
  }

  /** The `otpauth://` URI authenticator apps scan (as a QR code) or accept pasted. */
  uri(secret: string, label: string, issuer: string): string {
    const { algorithm, digits, period } = this.params;
    return generateURI({ issuer, label, secret, algorithm, digits, period });
  }
}

/**
 * Canonical base32 form of a secret from another authenticator setup: spaces, dashes and `=`
 * padding removed, upper case. Returns undefined when it is not base32 or its length is out of
 * range, so the caller can report the field without echoing the secret.
 */
export function normalizeSecret(secret: unknown): string | undefined {
  if (typeof secret !== 'string') return undefined;
  const compact = secret.replace(/[\s-]/g, '').replace(/=+$/, '').toUpperCase();
  if (!BASE32.test(compact)) return undefined;
  const bytes = Math.floor((compact.length * 5) / 8);
  return bytes >= MIN_SECRET_BYTES && bytes <= MAX_SECRET_BYTES ? compact : undefined;
}

/** User input as a code: whitespace (`123 456`) removed. */
export function normalizeCode(code: unknown): unknown {
  return typeof code === 'string' ? code.replace(/\s/g, '') : code;
}
