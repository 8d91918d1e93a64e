import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, SecretBox, TransportError } from '../../src/index.js';

const k1 = generateSecretKey();
const k2 = generateSecretKey();
const ctx = { recordId: 'p1', field: 'password' };

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as TransportError).code;
  }
  return undefined;
}

describe('SecretBox', () => {
  it('seals with a random IV and opens again', () => {
    const box = new SecretBox({ keys: { k1 }, current: 'k1' });
    const a = box.seal('correct horse', ctx);
    const b = box.seal('correct horse', ctx);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
    expect(a.startsWith('tk1.k1.')).toBe(true);
    expect(box.open(a, ctx)).toBe('correct horse');
    expect(box.open(box.seal('ünïcödé 🔑', ctx), ctx)).toBe('ünïcödé 🔑');
  });

  it('refuses a value moved to another record or field', () => {
    const box = new SecretBox({ keys: { k1 }, current: 'k1' });
    const sealed = box.seal('pw', ctx);
    expect(codeOf(() => box.open(sealed, { recordId: 'p2', field: 'password' }))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.open(sealed, { recordId: 'p1', field: 'secret' }))).toBe('SECRET_UNREADABLE');
  });

  it('refuses tampered values, garbage and unknown keys', () => {
    const box = new SecretBox({ keys: { k1 }, current: 'k1' });
    const sealed = box.seal('pw', ctx);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64url')].join('.');
    expect(codeOf(() => box.open(tampered, ctx))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.open('not sealed', ctx))).toBe('SECRET_UNREADABLE');
    expect(codeOf(() => box.open('tk1.k1.AAAA.AAAA', ctx))).toBe('SECRET_UNREADABLE');
    const other = new SecretBox({ keys: { k9: k2 }, current: 'k9' });
    expect(codeOf(() => box.open(other.seal('pw', ctx), ctx))).toBe('SECRET_UNREADABLE');
    const sameIdOtherKey = new SecretBox({ keys: { k1: k2 }, current: 'k1' });
    expect(codeOf(() => box.open(sameIdOtherKey.seal('pw', ctx), ctx))).toBe('SECRET_UNREADABLE');
  });

  it('opens values of older keys and reports which need rotation', () => {
    const old = new SecretBox({ keys: { k1 }, current: 'k1' });
    const sealed = old.seal('pw', ctx);
    const rotated = new SecretBox({ keys: { k1, k2 }, current: 'k2' });
    expect(rotated.open(sealed, ctx)).toBe('pw');
    expect(rotated.needsRotation(sealed)).toBe(true);
    expect(rotated.needsRotation(rotated.seal('pw', ctx))).toBe(false);
    expect(rotated.keyIdOf(sealed)).toBe('k1');
  });

  it('refuses short keys, a missing current key and bad key ids with CONFIG_INVALID', () => {
    expect(codeOf(() => new SecretBox({ keys: { k1: 'too short' }, current: 'k1' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new SecretBox({ keys: { k1: new Uint8Array(31) }, current: 'k1' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new SecretBox({ keys: { k1: `base64:${Buffer.alloc(16).toString('base64')}` }, current: 'k1' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new SecretBox({ keys: { k1 }, current: 'k2' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new SecretBox({ keys: { 'bad.id': k1 }, current: 'bad.id' }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new SecretBox(undefined as never))).toBe('CONFIG_INVALID');
    expect(new SecretBox({ keys: { raw: new Uint8Array(32), hex: `hex:${'ab'.repeat(32)}`, b64: generateSecretKey() }, current: 'hex' }).currentKeyId).toBe('hex');
  });

  it('refuses plain text, junk after hex or base64, and a missing key, saying how to make one', () => {
    const error = (material: unknown) => {
      try {
        new SecretBox({ keys: { k1: material as string }, current: 'k1' });
      } catch (e) {
        return e as { code: string; message: string; field: string };
      }
      throw new Error('expected CONFIG_INVALID');
    };
    expect(error('x'.repeat(32))).toMatchObject({ code: 'CONFIG_INVALID', field: 'secretKeys.keys.k1', message: expect.stringContaining('generateSecretKey()') });
    expect(error(`hex:${'ab'.repeat(32)}zz`).message).toContain('not valid hex');
    expect(error(`${generateSecretKey()}!!`).message).toContain('not valid base64');
    expect(error(undefined).message).toContain('is missing (undefined): is the environment variable');
    expect(error(42).message).toContain('must be a string');
  });

  it('prints key ids only, never key bytes, at any depth', () => {
    const raw = randomBytes(32);
    const box = new SecretBox({ keys: { k1: raw, k2: `hex:${raw.toString('hex')}` }, current: 'k2' });
    const printed = inspect({ nested: { box } }, { depth: null, showHidden: true }) + JSON.stringify(box);
    expect(printed).toContain("current: 'k2'");
    for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(printed).not.toContain(raw.toString(encoding).slice(0, 16));
  });

  it('names the most likely cause when a value does not open under the configured key', () => {
    const context = { recordId: 'p1', field: 'password' };
    const sealed = new SecretBox({ keys: { k1: generateSecretKey() }, current: 'k1' }).seal('value-1', context);
    expect(() => new SecretBox({ keys: { k1: generateSecretKey() }, current: 'k1' }).open(sealed, context)).toThrowError(/most likely that key is not the one it was sealed with/);
  });

  it('never names the key material in its error messages', () => {
    const short = 'hex:5ec12e7ab1e5';
    expect(() => new SecretBox({ keys: { k1: short }, current: 'k1' })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.not.stringContaining('5ec12e7ab1e5') }));
  });
});
