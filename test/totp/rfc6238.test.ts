import { parse } from '@otplib/uri';
import { generate, ScureBase32Plugin, stringToBytes } from 'otplib';
import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/index.js';
import { setup } from './setup.js';

const base32 = new ScureBase32Plugin();
/** RFC 6238 Appendix A seeds (ASCII) per algorithm. */
const SEEDS = {
  SHA1: '12345678901234567890',
  SHA256: '12345678901234567890123456789012',
  SHA512: '1234567890123456789012345678901234567890123456789012345678901234',
} as const;
/** RFC 6238 Appendix B: time (s) and the 8-digit codes for SHA1, SHA256, SHA512. */
const VECTORS: readonly (readonly [number, string, string, string])[] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('RFC 6238 Appendix B', () => {
  (['SHA1', 'SHA256', 'SHA512'] as const).forEach((algorithm, column) => {
    it(`accepts all six ${algorithm} vectors with an injected clock`, async () => {
      const { clock, authenticator } = setup({ start: 0 });
      const auth = await authenticator({ algorithm, digits: 8, drift: 0 });
      await auth.import('rfc', { label: 'rfc', secret: base32.encode(stringToBytes(SEEDS[algorithm])) });
      for (const row of VECTORS) {
        const [seconds] = row;
        const expected = row[column + 1] as string;
        clock.set(seconds * 1000);
        // A neighbouring value is refused, the vector accepted.
        const wrong = String((Number(expected) + 1) % 1e8).padStart(8, '0');
        expect(await auth.verify('rfc', wrong)).toStrictEqual({ ok: false, reason: 'mismatch' });
        expect(await auth.verify('rfc', expected), `${algorithm} at ${seconds}`).toStrictEqual({ ok: true });
      }
    });
  });

  it('passes its own diagnostics in the registry Test report', async () => {
    const { registry, authenticator } = setup();
    const auth = await authenticator();
    const report = await registry.test(auth.id);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.name)).toEqual(['config', 'totp.algorithm', 'totp.sealing']);
  });
});

describe('otplib interoperability', () => {
  it('the otpauth URI round-trips through the otplib parser', async () => {
    const { authenticator } = setup();
    const auth = await authenticator({ algorithm: 'sha256', digits: 8, period: 60 });
    const enrollment = await auth.enroll('u1', { label: 'alice@example.com' });
    expect(enrollment.uri.startsWith('otpauth://totp/')).toBe(true);
    const parsed = parse(enrollment.uri);
    expect(parsed.type).toBe('totp');
    expect(parsed.label).toBe('ACME Co:alice@example.com');
    expect(parsed.params).toMatchObject({ secret: enrollment.secret, issuer: 'ACME Co', algorithm: 'sha256', digits: 8, period: 60 });
    expect(enrollment).toMatchObject({ issuer: 'ACME Co', label: 'alice@example.com', algorithm: 'SHA256', digits: 8, period: 60 });
  });

  it('a default URI omits default parameters and generated secrets have at least 160 bits', async () => {
    const { authenticator } = setup();
    const auth = await authenticator();
    const { uri, secret } = await auth.enroll('u1', { label: 'bob' });
    const parsed = parse(uri);
    expect(parsed.params.algorithm ?? 'sha1').toBe('sha1');
    expect(parsed.params.digits ?? 6).toBe(6);
    expect(parsed.params.period ?? 30).toBe(30);
    expect(base32.decode(secret).length).toBeGreaterThanOrEqual(20);
    const longer = await (await authenticator({ secretBytes: 32 })).enroll('u1', { label: 'bob' });
    expect(base32.decode(longer.secret).length).toBe(32);
  });

  it('codes otplib generates from the enrolled secret are accepted', async () => {
    const { clock, authenticator } = setup();
    const auth = await authenticator({ algorithm: 'SHA512', digits: 7 });
    const { uri } = await auth.enroll('u1', { label: 'carol' });
    const { params } = parse(uri);
    const code = await generate({ secret: params.secret, algorithm: 'sha512', digits: 7, epoch: Math.floor(clock.now() / 1000) });
    expect(await auth.confirm('u1', code)).toStrictEqual({ ok: true });
    clock.advance(30_000);
    const next = await generate({ secret: params.secret, algorithm: 'sha512', digits: 7, epoch: Math.floor(clock.now() / 1000) });
    expect(await auth.verify('u1', next)).toStrictEqual({ ok: true });
  });

  it('imports a 10-byte otplib v12 secret (lower case, with spaces) that otplib 13 rejects by default', async () => {
    const { clock, authenticator } = setup({ start: 0 });
    await expect(generate({ secret: 'JBSWY3DPEHPK3PXP', epoch: 0 })).rejects.toThrow();
    const auth = await authenticator({ drift: 0 });
    const imported = await auth.import('legacy', { label: 'legacy', secret: 'jbsw y3dp ehpk 3pxp' });
    expect(imported.secret).toBe('JBSWY3DPEHPK3PXP');
    expect(await auth.status('legacy')).toEqual({ enrolled: true, confirmed: true });
    expect(await auth.verify('legacy', '282760')).toStrictEqual({ ok: true });
    clock.set(59_000);
    expect(await auth.verify('legacy', '996554')).toStrictEqual({ ok: true });
  });

  it('refuses secrets that are not base32 or too short, without echoing them', async () => {
    const { authenticator } = setup();
    const auth = await authenticator();
    for (const secret of ['NOT-BASE32-!!SECRETVALUE', 'JBSWY3DP', 'JBSWY3DPEHPK3PXPJBSWY3DPEH']) {
      const error = await auth.import('x', { label: 'x', secret }).catch((e: unknown) => e);
      expect(hasErrorCode(error, 'MESSAGE_INVALID')).toBe(true);
      expect((error as Error).message).not.toContain(secret);
      expect(error).toMatchObject({ field: 'options.secret' });
    }
    expect(await auth.status('x')).toEqual({ enrolled: false, confirmed: false });
  });
});
