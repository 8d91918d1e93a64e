import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, SecretBox } from '../../src/index.js';
import { userSecretContext } from '../../src/core/secrets.js';
import { thrown } from '../support/thrown.js';

const ctx = { recordId: 'p1', field: 'password' };

const box = (material: unknown, id = 'k1') => new SecretBox({ keys: { [id]: material as string }, current: id });

describe('SecretBox key material', () => {
  it('reads hex: and base64: keys as the bytes they encode (the same key as the raw bytes), trimmed', () => {
    const raw = randomBytes(32);
    const sealed = box(raw).seal('pw', ctx);
    expect(box(`hex:${raw.toString('hex')}`).open(sealed, ctx)).toBe('pw');
    expect(box(`hex:${raw.toString('hex').toUpperCase()}`).open(sealed, ctx)).toBe('pw');
    expect(box(`base64:${raw.toString('base64')}`).open(sealed, ctx)).toBe('pw');
    expect(box(`  hex:${raw.toString('hex')}\n`).open(sealed, ctx)).toBe('pw');
    expect(box(`\tbase64:${raw.toString('base64')} `).open(sealed, ctx)).toBe('pw');
    // Read as UTF-8 text the hex string would be another (64-byte) key.
    expect(thrown(() => box(Buffer.from(raw.toString('hex'), 'utf8')).open(sealed, ctx)).code).toBe('SECRET_UNREADABLE');
    expect(box(new Uint8Array(raw)).open(sealed, ctx)).toBe('pw');
  });

  it('accepts base64 with and without padding, and 32 or more bytes', () => {
    const raw = randomBytes(33);
    const b64 = raw.toString('base64');
    expect(box(`base64:${b64}`).open(box(raw).seal('x', ctx), ctx)).toBe('x');
    expect(box(`base64:${randomBytes(34).toString('base64')}`).currentKeyId).toBe('k1');
    expect(box(`base64:${randomBytes(35).toString('base64')}`).currentKeyId).toBe('k1');
    expect(box(`base64:${randomBytes(32).toString('base64').replace(/=+$/, '')}`).currentKeyId).toBe('k1');
    expect(box(new Uint8Array(32)).currentKeyId).toBe('k1');
  });

  it('refuses each kind of bad material with CONFIG_INVALID, the field and the reason', () => {
    const error = (material: unknown, id = 'k1') => thrown(() => box(material, id));
    const how = 'make one with generateSecretKey() (or `npx transportkit secret-key`)';
    expect(error(undefined)).toMatchObject({ code: 'CONFIG_INVALID', field: 'secretKeys.keys.k1', message: `secret key "k1" is missing (undefined): is the environment variable that should hold it set?; ${how}` });
    expect(error(null).message).toBe(`secret key "k1" is missing (null): is the environment variable that should hold it set?; ${how}`);
    expect(error('').message).toBe(`secret key "k1" is missing (empty): is the environment variable that should hold it set?; ${how}`);
    expect(error(42, 'k2')).toMatchObject({ field: 'secretKeys.keys.k2', message: `secret key "k2" must be a string (base64:… or hex:…) or bytes; ${how}` });
    expect(error('x'.repeat(40)).message).toBe(`secret key "k1" must start with "base64:" or "hex:" (plain text is no key); ${how}`);
    expect(error(`hex:${'ab'.repeat(32)}z`).message).toBe(`secret key "k1" is not valid hex after "hex:" (an even number of 0-9a-f digits, nothing else); ${how}`);
    expect(error(`hex:${'ab'.repeat(32)}a`).message).toContain('not valid hex');
    expect(error(`xhex:${'ab'.repeat(32)}`).message).toContain('must start with');
    expect(error('hex:').message).toContain('not valid hex');
    expect(error(`base64:${generateSecretKey().slice(7)}!`).message).toBe(`secret key "k1" is not valid base64 after "base64:"; ${how}`);
    expect(error(`!base64:${generateSecretKey().slice(7)}`).message).toContain('must start with');
    expect(error(`base64:a${generateSecretKey().slice(7)}`).message).toContain('not valid base64');
    expect(error(`hex:${'ab'.repeat(31)}`)).toMatchObject({ field: 'secretKeys.keys.k1', message: `secret key "k1" is too short: at least 32 bytes are required; ${how}` });
    expect(error(new Uint8Array(31)).message).toContain('too short');
    expect(error(`base64:${randomBytes(31).toString('base64')}`).message).toContain('too short');
  });

  it('refuses a bad keys object, key id or current key, naming the field', () => {
    const k = generateSecretKey();
    const shape = 'secretKeys must be { keys: { <id>: <key> }, current: <id> }';
    for (const keys of [undefined, null, 'k', { current: 'k1' }, { keys: 'x', current: 'k1' }, { keys: { k1: k }, current: 1 }, { keys: null, current: 'k1' }]) {
      expect(thrown(() => new SecretBox(keys as never))).toMatchObject({ code: 'CONFIG_INVALID', field: 'secretKeys', message: shape });
    }
    for (const id of ['', 'a'.repeat(33), 'a.b', 'ä', 'a b']) {
      expect(thrown(() => new SecretBox({ keys: { [id]: k }, current: id }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'secretKeys.keys', message: `secret key id "${id}" must be 1-32 letters, digits, _ or -` });
    }
    for (const id of ['a', 'a'.repeat(32), 'A-z_09']) expect(new SecretBox({ keys: { [id]: k }, current: id }).currentKeyId).toBe(id);
    const missing = thrown(() => new SecretBox({ keys: { k1: k }, current: 'x'.repeat(50) }));
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID', field: 'secretKeys.current', message: `secretKeys.current names no key ("${'x'.repeat(40)}")` });
  });
});

describe('SecretBox envelopes', () => {
  it('seals as tk1.<key id>.<12-byte IV>.<ciphertext and 16-byte tag>, with the current key', () => {
    const b = new SecretBox({ keys: { old: generateSecretKey(), new: generateSecretKey() }, current: 'new' });
    const sealed = b.seal('abc', ctx);
    const [prefix, keyId, iv, body, ...rest] = sealed.split('.');
    expect([prefix, keyId, rest]).toStrictEqual(['tk1', 'new', []]);
    expect(Buffer.from(iv!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(body!, 'base64url')).toHaveLength(3 + 16);
    expect(b.keyIdOf(sealed)).toBe('new');
    expect(b.open(b.seal('', ctx), ctx)).toBe('');
  });

  it('opens an envelope made by the documented construction (HKDF-SHA256 key, AES-256-GCM, AAD of record and field)', () => {
    const material = Buffer.alloc(32, 7);
    const key = Buffer.from(hkdfSync('sha256', material, Buffer.alloc(0), 'transportkit secret box v1', 32));
    const iv = Buffer.alloc(12, 1);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from('transportkit\u0000p1\u0000password', 'utf8'));
    const body = Buffer.concat([cipher.update('grüezi', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const envelope = `tk1.k1.${iv.toString('base64url')}.${body.toString('base64url')}`;
    const b = box(`hex:${material.toString('hex')}`);
    expect(b.open(envelope, ctx)).toBe('grüezi');
    // And the other way round: what it seals opens by the same construction.
    const [, , ivText, bodyText] = b.seal('grüezi', ctx).split('.');
    const sealed = Buffer.from(bodyText!, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(ivText!, 'base64url'));
    decipher.setAAD(Buffer.from('transportkit\u0000p1\u0000password', 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    expect(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString('utf8')).toBe('grüezi');
  });

  it('binds the value to record and field (not to their concatenation)', () => {
    const b = box(generateSecretKey());
    const sealed = b.seal('pw', { recordId: 'ab', field: 'c' });
    expect(thrown(() => b.open(sealed, { recordId: 'a', field: 'bc' })).code).toBe('SECRET_UNREADABLE');
    expect(b.open(sealed, { recordId: 'ab', field: 'c' })).toBe('pw');
  });

  it('says why a value does not open, naming the field', () => {
    const b = box(generateSecretKey());
    const sealed = b.seal('pw', ctx);
    const [, , iv, body] = sealed.split('.');
    const error = (envelope: unknown) => thrown(() => b.open(envelope as string, ctx));
    const head = 'secret "password" of p1 cannot be opened: ';
    for (const envelope of [42, 'x', `tk2.k1.${iv}.${body}`, `tk1.k1.${iv}`, `${sealed}.x`]) {
      expect(error(envelope)).toMatchObject({ code: 'SECRET_UNREADABLE', field: 'password', message: `${head}not a sealed value` });
    }
    expect(error(`tk1.k9.${iv}.${body}`).message).toBe(`${head}sealed under key "k9", which this registry does not have (add it to secretKeys.keys)`);
    expect(error(`tk1.k1.${Buffer.alloc(11).toString('base64url')}.${body}`).message).toBe(`${head}malformed envelope`);
    expect(error(`tk1.k1.${Buffer.alloc(13).toString('base64url')}.${body}`).message).toBe(`${head}malformed envelope`);
    expect(error(`tk1.k1.${iv}.${Buffer.alloc(15).toString('base64url')}`).message).toBe(`${head}malformed envelope`);
    // 16 bytes: only a tag, no ciphertext: well-formed, but it does not open.
    const tagOnly = error(`tk1.k1.${iv}.${Buffer.alloc(16).toString('base64url')}`);
    expect(tagOnly.message).toContain('it does not open with key "k1": most likely');
    expect(tagOnly.cause).toBeInstanceOf(Error);
    expect(b.open(`tk1.k1.${iv}.${body}`, ctx)).toBe('pw');
  });

  it('keyIdOf and needsRotation read only real envelopes', () => {
    const b = new SecretBox({ keys: { k1: generateSecretKey(), k2: generateSecretKey() }, current: 'k2' });
    expect(b.keyIdOf('tk1.k1.a.b')).toBe('k1');
    expect(b.keyIdOf('tk2.k1.a.b')).toBeUndefined();
    expect(b.keyIdOf('tk1.k1.a')).toBeUndefined();
    expect(b.keyIdOf('tk1.k1.a.b.c')).toBeUndefined();
    expect(b.needsRotation('tk1.k1.a.b')).toBe(true);
    expect(b.needsRotation('tk1.k2.a.b')).toBe(false);
    expect(b.needsRotation('plain')).toBe(true);
  });

  it('prints and serialises the key ids only, in a fixed form', () => {
    const b = new SecretBox({ keys: { k1: generateSecretKey(), k2: randomBytes(32) }, current: 'k2' });
    expect(inspect(b)).toBe("SecretBox { current: 'k2', keys: ['k1', 'k2'] }");
    expect(b.toJSON()).toStrictEqual({ current: 'k2', keys: ['k1', 'k2'] });
    expect(JSON.parse(JSON.stringify({ b }))).toStrictEqual({ b: { current: 'k2', keys: ['k1', 'k2'] } });
  });

  it('generates distinct base64 keys of 32 bytes; user secrets have their own record id', () => {
    const a = generateSecretKey();
    expect(a).toMatch(/^base64:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(7), 'base64')).toHaveLength(32);
    expect(generateSecretKey()).not.toBe(a);
    expect(userSecretContext('p1', 'u1')).toStrictEqual({ recordId: 'user:p1:u1', field: 'secret' });
  });
});
