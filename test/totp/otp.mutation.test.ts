import { describe, expect, it } from 'vitest';
import type { CryptoPlugin } from 'otplib';
import { totpConfigSchema, type TotpConfig } from '../../src/providers/totp/config.js';
import { MAX_SECRET_BYTES, MIN_SECRET_BYTES, normalizeCode, normalizeSecret, OtpEngine } from '../../src/providers/totp/otp.js';

/** RFC 6238 Appendix B seeds, base32. */
const SHA1_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const SHA256_SEED = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA';

const config = (overrides: Partial<TotpConfig> = {}): TotpConfig => ({ ...totpConfigSchema.parse({ issuer: 'ACME' }), ...overrides });

describe('OtpEngine pins', () => {
  it('computes the RFC 6238 codes of a step, with the configured algorithm, digits and period', async () => {
    const sha1 = new OtpEngine(config({ digits: 8, period: 30 }));
    expect(await sha1.codeAt(SHA1_SEED, 1)).toBe('94287082');
    expect(await sha1.codeAt(SHA1_SEED, 37_037_036)).toBe('07081804');
    const sha256 = new OtpEngine(config({ digits: 8, period: 30, algorithm: 'SHA256' }));
    expect(await sha256.codeAt(SHA256_SEED, 1)).toBe('46119246');
    const sixty = new OtpEngine(config({ digits: 8, period: 60 }));
    // Step n is the counter n whatever the period.
    expect(await sixty.codeAt(SHA1_SEED, 1)).toBe('94287082');
    expect(await sixty.codeAt(SHA1_SEED, 2)).toBe(await sha1.codeAt(SHA1_SEED, 2));
    expect(await new OtpEngine(config()).codeAt(SHA1_SEED, 1)).toBe('287082');
  });

  it('maps a time to its step', () => {
    const engine = new OtpEngine(config({ period: 30 }));
    expect(engine.stepAt(0)).toBe(0);
    expect(engine.stepAt(29_999)).toBe(0);
    expect(engine.stepAt(30_000)).toBe(1);
    expect(engine.stepAt(59_999)).toBe(1);
    expect(new OtpEngine(config({ period: 60 })).stepAt(59_999)).toBe(0);
  });

  it('finds the matching steps within the drift window only, never below step 0', async () => {
    const engine = new OtpEngine(config({ digits: 8, drift: 1 }));
    const at = (step: number) => engine.codeAt(SHA1_SEED, step);
    const now = 100 * 30_000 + 5;
    expect(await engine.matchingSteps(SHA1_SEED, await at(100), now)).toStrictEqual([100]);
    expect(await engine.matchingSteps(SHA1_SEED, await at(99), now)).toStrictEqual([99]);
    expect(await engine.matchingSteps(SHA1_SEED, await at(101), now)).toStrictEqual([101]);
    expect(await engine.matchingSteps(SHA1_SEED, await at(98), now)).toStrictEqual([]);
    expect(await engine.matchingSteps(SHA1_SEED, await at(102), now)).toStrictEqual([]);
    expect(await engine.matchingSteps(SHA1_SEED, (await at(100)).slice(1), now)).toStrictEqual([]);
    const none = new OtpEngine(config({ digits: 8, drift: 0 }));
    expect(await none.matchingSteps(SHA1_SEED, await at(101), now)).toStrictEqual([]);
    expect(await none.matchingSteps(SHA1_SEED, await at(100), now)).toStrictEqual([100]);
    // At t = 0 the window is steps 0 and 1.
    const wide = new OtpEngine(config({ digits: 8, drift: 2 }));
    expect(await wide.matchingSteps(SHA1_SEED, await at(0), 0)).toStrictEqual([0]);
    expect(await wide.matchingSteps(SHA1_SEED, await at(2), 0)).toStrictEqual([2]);
  });

  it('self-tests the crypto against the RFC vector, failing a broken plugin', async () => {
    expect(await new OtpEngine(config()).selfTest()).toBe(true);
    const broken = {
      name: 'broken',
      hmac: () => new Uint8Array(20),
      randomBytes: (n: number) => new Uint8Array(n),
      constantTimeEqual: () => false,
    } as unknown as CryptoPlugin;
    expect(await new OtpEngine(config(), broken).selfTest()).toBe(false);
    const throwing = { ...broken, hmac: () => { throw new Error('no crypto'); } } as unknown as CryptoPlugin;
    expect(await new OtpEngine(config(), throwing).selfTest()).toBe(false);
  });

  it('uses an injected plugin for secrets and codes', async () => {
    const zeros = { name: 'zeros', hmac: () => new Uint8Array(20), randomBytes: (n: number) => new Uint8Array(n).fill(0), constantTimeEqual: () => false } as unknown as CryptoPlugin;
    const engine = new OtpEngine(config({ secretBytes: 20 }), zeros);
    expect(engine.newSecret()).toBe('A'.repeat(32));
    expect(await engine.codeAt(SHA1_SEED, 1)).toBe('000000');
    const real = new OtpEngine(config({ secretBytes: 25 }));
    const secret = real.newSecret();
    expect(secret).toMatch(/^[A-Z2-7]{40}$/);
    expect(real.newSecret()).not.toBe(secret);
  });

  it('checks the shape of a code', () => {
    const engine = new OtpEngine(config({ digits: 6 }));
    expect(engine.wellFormed('123456')).toBe(true);
    for (const token of ['12345', '1234567', '12345a', ' 12345', 123456, undefined]) expect(engine.wellFormed(token)).toBe(false);
  });

  it('builds the otpauth URI with the parameters', () => {
    const uri = new OtpEngine(config({ digits: 8, period: 60, algorithm: 'SHA256' })).uri(SHA1_SEED, 'alice@example.org', 'ACME');
    const url = new URL(uri);
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/ACME:alice@example.org');
    expect(Object.fromEntries(url.searchParams)).toStrictEqual({ secret: SHA1_SEED, issuer: 'ACME', algorithm: 'SHA256', digits: '8', period: '60' });
  });
});

describe('normalizeSecret and normalizeCode pins', () => {
  it('normalises base32 secrets and refuses other lengths and characters', () => {
    expect(MIN_SECRET_BYTES).toBe(10);
    expect(MAX_SECRET_BYTES).toBe(64);
    expect(normalizeSecret('gezd gnbv-gy3t qojq==')).toBe('GEZDGNBVGY3TQOJQ');
    expect(normalizeSecret('GEZDGNBVGY3TQOJQ\t\n')).toBe('GEZDGNBVGY3TQOJQ');
    expect(normalizeSecret('A'.repeat(16))).toBe('A'.repeat(16)); // 10 bytes
    expect(normalizeSecret('A'.repeat(15))).toBeUndefined(); // 9 bytes
    expect(normalizeSecret('A'.repeat(103))).toBe('A'.repeat(103)); // 64 bytes
    expect(normalizeSecret('A'.repeat(104))).toBeUndefined(); // 65 bytes
    expect(normalizeSecret('A1'.repeat(10))).toBeUndefined();
    expect(normalizeSecret('=AAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(normalizeSecret(`${'A'.repeat(16)}x!`)).toBeUndefined();
    expect(normalizeSecret('')).toBeUndefined();
    expect(normalizeSecret(42)).toBeUndefined();
  });

  it('removes whitespace from codes, leaves other input alone', () => {
    expect(normalizeCode(' 123 456\t')).toBe('123456');
    expect(normalizeCode('1 2  3')).toBe('123');
    expect(normalizeCode(42)).toBe(42);
    expect(normalizeCode(undefined)).toBeUndefined();
  });
});
