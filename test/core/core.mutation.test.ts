import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasErrorCode, isTransportError, TransportError } from '../../src/index.js';
import { levelAllows, REDACTED, Redactor, withRedaction } from '../../src/core/events.js';
import { isZodSchema, parseWith, validateWith, type StandardSchemaV1 } from '../../src/core/validation.js';

describe('TransportError pins', () => {
  it('keeps every option, and the default retryability of its code', () => {
    const cause = new Error('root');
    const e = new TransportError('CONFIG_INVALID', 'bad', { cause, providerId: 'p1', field: 'port', upstream: { status: 5 }, details: { a: 1 } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TransportError');
    expect(e.message).toBe('bad');
    expect(e.cause).toBe(cause);
    expect(e.toJSON()).toStrictEqual({ name: 'TransportError', code: 'CONFIG_INVALID', message: 'bad', retryable: false, providerId: 'p1', field: 'port', upstream: { status: 5 }, details: { a: 1 } });
    expect('cause' in new TransportError('TIMEOUT', 'x')).toBe(false);
    for (const code of ['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT', 'CONFLICT'] as const) expect(new TransportError(code, 'x').retryable).toBe(true);
    for (const code of ['CONFIG_INVALID', 'AUTH_FAILED', 'NOT_FOUND', 'ABORTED', 'STORAGE_FAILED'] as const) expect(new TransportError(code, 'x').retryable).toBe(false);
    expect(new TransportError('TIMEOUT', 'x', { retryable: false }).retryable).toBe(false);
    expect(new TransportError('AUTH_FAILED', 'x', { retryable: true }).retryable).toBe(true);
  });

  it('withProvider copies everything but the provider, keeps the stack, and is the same error for the same provider', () => {
    const cause = new Error('root');
    const e = new TransportError('TIMEOUT', 'slow', { cause, retryable: false, field: 'f', upstream: { status: 1 }, details: { d: 1 } });
    const copy = e.withProvider('p2');
    expect(copy).not.toBe(e);
    expect(copy.toJSON()).toStrictEqual({ ...e.toJSON(), providerId: 'p2' });
    expect(copy.cause).toBe(cause);
    expect(copy.stack).toBe(e.stack);
    expect(copy.withProvider('p2')).toBe(copy);
    expect(e.providerId).toBeUndefined();
  });

  it('is recognised by brand across copies of the package, not by shape', () => {
    const e = new TransportError('NOT_FOUND', 'x');
    expect(isTransportError(e)).toBe(true);
    const foreign = { code: 'NOT_FOUND', message: 'x', [Symbol.for('transportkit.TransportError')]: true };
    expect(isTransportError(foreign)).toBe(true);
    expect(isTransportError({ code: 'NOT_FOUND', message: 'x' })).toBe(false);
    expect(isTransportError({ [Symbol.for('transportkit.TransportError')]: 'yes' })).toBe(false);
    expect(isTransportError(null)).toBe(false);
    expect(isTransportError(undefined)).toBe(false);
    // The brand is on every instance, hidden, for copies of the package whose class differs.
    expect((e as unknown as Record<symbol, unknown>)[Symbol.for('transportkit.TransportError')]).toBe(true);
    expect(Object.getOwnPropertyDescriptor(e, Symbol.for('transportkit.TransportError'))).toMatchObject({ value: true, enumerable: false });
    expect(isTransportError('NOT_FOUND')).toBe(false);
    expect(Object.keys(e)).not.toContain(String(Symbol.for('transportkit.TransportError')));
    expect(hasErrorCode(e, 'NOT_FOUND')).toBe(true);
    expect(hasErrorCode(e, 'TIMEOUT')).toBe(false);
    expect(hasErrorCode(new Error('x'), 'NOT_FOUND')).toBe(false);
  });
});

describe('parseWith and validateWith pins', () => {
  const schema = z.object({ port: z.number(), hosts: z.array(z.object({ name: z.string() })) });

  it('names the first field, lists every issue, and keeps the provider', () => {
    let error: unknown;
    try {
      parseWith(schema, { port: 'x', hosts: [{ name: 1 }] }, 'CONFIG_INVALID', 'config', 'p1');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TransportError);
    const e = error as TransportError;
    expect(e).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.port', providerId: 'p1' });
    expect(e.details).toStrictEqual({ issues: [{ field: 'config.port', message: expect.any(String) }, { field: 'config.hosts[0].name', message: expect.any(String) }] });
    expect(e.message).toMatch(/^invalid config: config\.port: .+; config\.hosts\[0\]\.name: .+$/);
    expect(parseWith(schema, { port: 1, hosts: [] }, 'CONFIG_INVALID', 'config')).toStrictEqual({ port: 1, hosts: [] });
  });

  it('without a prefix: field paths start bare, the root is "(root)", the message says input', () => {
    const at = (s: z.ZodType, value: unknown) => {
      try {
        parseWith(s, value, 'MESSAGE_INVALID', '');
      } catch (e) {
        return e as TransportError;
      }
      throw new Error('expected an error');
    };
    expect(at(schema, { port: 1, hosts: 'x' })).toMatchObject({ code: 'MESSAGE_INVALID', field: 'hosts', message: expect.stringMatching(/^invalid input: hosts: /) });
    expect(at(z.string(), 1)).toMatchObject({ field: '(root)', message: expect.stringMatching(/^invalid input: \(root\): /) });
    expect(at(z.array(z.string()), [1])).toMatchObject({ field: '[0]' });
    expect(at(schema, { port: 1, hosts: 'x' }).providerId).toBeUndefined();
  });

  it('runs Standard Schema validators, sync or async, mapping their paths', async () => {
    const standard = (validate: StandardSchemaV1['~standard']['validate']): StandardSchemaV1 => ({ '~standard': { version: 1, vendor: 'test', validate } });
    expect(isZodSchema(schema)).toBe(true);
    expect(isZodSchema(standard(() => ({ value: 1 })))).toBe(false);
    expect(isZodSchema(null)).toBe(false);
    expect(await validateWith(standard(() => ({ value: 'ok' })), 'in', 'CONFIG_INVALID', 'config')).toBe('ok');
    expect(await validateWith(standard(async () => ({ value: 'later' })), 'in', 'CONFIG_INVALID', 'config')).toBe('later');
    expect(await validateWith(schema, { port: 1, hosts: [] }, 'CONFIG_INVALID', 'config')).toStrictEqual({ port: 1, hosts: [] });
    const refused = await validateWith(standard(() => ({ issues: [{ message: 'too big', path: ['a', { key: 2 }, 'b'] }, { message: 'no' }] })), 1, 'CONFIG_INVALID', 'config', 'p9').catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'config.a[2].b',
      providerId: 'p9',
      message: 'invalid config: config.a[2].b: too big; config: no',
      details: { issues: [{ field: 'config.a[2].b', message: 'too big' }, { field: 'config', message: 'no' }] },
    });
    const bare = await validateWith(standard(() => ({ issues: [{ message: 'bad' }] })), 1, 'MESSAGE_INVALID', '').catch((e: unknown) => e);
    expect(bare).toMatchObject({ code: 'MESSAGE_INVALID', field: '(root)', message: 'invalid input: (root): bad' });
    const failing = await validateWith(standard(() => { throw new Error('boom'); }), 1, 'MESSAGE_INVALID', 'config', 'p1').catch((e: unknown) => e);
    expect(failing).toMatchObject({ code: 'MESSAGE_INVALID', field: 'config', providerId: 'p1', message: 'invalid config: the validator failed', cause: new Error('boom') });
    const failingBare = await validateWith(standard(() => { throw new Error('boom'); }), 1, 'MESSAGE_INVALID', '').catch((e: unknown) => e);
    expect(failingBare).toMatchObject({ message: 'invalid input: the validator failed' });
    expect((failingBare as TransportError).providerId).toBeUndefined();
    for (const notSchema of [{}, { '~standard': {} }, null]) {
      const e = await validateWith(notSchema as never, 1, 'CONFIG_INVALID', 'config', 'p1').catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'CONFIG_INVALID', field: 'configSchema', providerId: 'p1', message: "invalid config: the provider type's configSchema is no zod or Standard Schema validator" });
    }
    const noPrefix = await validateWith({} as never, 1, 'CONFIG_INVALID', '').catch((x: unknown) => x);
    expect(noPrefix).toMatchObject({ message: "invalid schema: the provider type's configSchema is no zod or Standard Schema validator" });
    expect((noPrefix as TransportError).providerId).toBeUndefined();
  });
});

describe('event levels and redaction pins', () => {
  it('keeps exactly the severities of each level', () => {
    const kept = (level: 'off' | 'errors' | 'all' | 'debug') => (['error', 'warn', 'info', 'debug'] as const).filter((s) => levelAllows(level, s));
    expect(kept('off')).toStrictEqual([]);
    expect(kept('errors')).toStrictEqual(['error', 'warn']);
    expect(kept('all')).toStrictEqual(['error', 'warn', 'info']);
    expect(kept('debug')).toStrictEqual(['error', 'warn', 'info', 'debug']);
  });

  it('redacts a secret in every encoding, the longest first, never values shorter than 3', () => {
    const r = new Redactor(['a&b<c>"d\'e', 'pw', 'hunter2', 'hunter2-long']);
    expect(REDACTED).toBe('[redacted]');
    expect(r.text('x hunter2-long y hunter2 z pw')).toBe('x [redacted] y [redacted] z pw');
    expect(r.text(encodeURIComponent('a&b<c>"d\'e'))).toBe(REDACTED);
    for (const form of ['a&amp;b&lt;c&gt;"d\'e', 'a&amp;b&lt;c&gt;&quot;d&apos;e', 'a&amp;b&lt;c&gt;&#34;d&#39;e', 'a&amp;b&lt;c&gt;&quot;d\'e']) expect(r.text(`<x>${form}</x>`)).toBe(`<x>${REDACTED}</x>`);
    expect(r.text(Buffer.from('hunter2').toString('base64'))).toBe(`${REDACTED}==`);
    expect(r.text('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toBe(`AUTH PLAIN ${REDACTED}`);
    expect(r.text('auth login dXNlcg==')).toBe(`auth login ${REDACTED}`);
    expect(r.text('AUTH XOAUTH2 dG9rZW4=')).toBe(`AUTH XOAUTH2 ${REDACTED}`);
    expect(r.text('250-AUTH LOGIN PLAIN')).toBe('250-AUTH LOGIN PLAIN');
    expect(r.text('AUTH CRAM-MD5 abc')).toBe(`AUTH CRAM-MD5 ${REDACTED}`);
    expect(r.text('AUTH  PLAIN  AGFsaWNl')).toBe(`AUTH  PLAIN ${REDACTED}`);
    expect(new Redactor(['abc', 'de']).text('abc de')).toBe(`${REDACTED} de`);
  });

  it('redacts values recursively: secret-looking keys, errors, bytes, dates, depth', () => {
    const r = new Redactor(['hunter2']);
    const value = r.value({
      password: 'x',
      apiKey: 'k',
      api_password: 'p',
      privateKey: 'pk',
      private_key: 'pk',
      key: 'k',
      keyId: 'visible',
      token: 5,
      authorization: 'Bearer',
      auth: 'a',
      author: 'Ann',
      credentials: { a: 1 },
      otp: '1',
      secret: undefined,
      passphrase: null,
      tokenRequired: true,
      nested: [{ note: 'hunter2' }],
      error: Object.assign(new Error('failed hunter2'), { code: 'E1', extra: 'x' }),
      bytes: new Uint8Array(3),
      at: new Date(0),
      n: 1,
    });
    expect(value).toStrictEqual({
      password: REDACTED,
      apiKey: REDACTED,
      api_password: REDACTED,
      privateKey: REDACTED,
      private_key: REDACTED,
      key: REDACTED,
      keyId: 'visible',
      token: REDACTED,
      authorization: REDACTED,
      auth: REDACTED,
      author: 'Ann',
      credentials: REDACTED,
      otp: REDACTED,
      secret: undefined,
      passphrase: null,
      tokenRequired: true,
      nested: [{ note: REDACTED }],
      error: { name: 'Error', message: `failed ${REDACTED}`, code: 'E1' },
      bytes: '[3 bytes]',
      at: '1970-01-01T00:00:00.000Z',
      n: 1,
    });
    let deep: unknown = 'hunter2';
    for (let i = 0; i < 12; i += 1) deep = { d: deep };
    const out = JSON.stringify(r.value(deep));
    expect(out).toContain('hunter2');
    // Objects are redacted down to depth 8 (the ninth level), not below.
    let shallow: unknown = 'hunter2';
    for (let i = 0; i < 9; i += 1) shallow = { d: shallow };
    expect(JSON.stringify(r.value(shallow))).not.toContain('hunter2');
    shallow = { d: shallow };
    expect(JSON.stringify(r.value(shallow))).toContain('hunter2');
    let list: unknown = 'hunter2';
    for (let i = 0; i < 10; i += 1) list = [list];
    expect(JSON.stringify(r.value(list))).toContain('hunter2');
  });

  it('withRedaction adds values for its async context only, nested scopes add up', async () => {
    const r = new Redactor([]);
    expect(r.text('code 123456')).toBe('code 123456');
    await withRedaction(['123456'], async () => {
      await Promise.resolve();
      expect(r.text('code 123456 and 654321')).toBe(`code ${REDACTED} and 654321`);
      await withRedaction(['654321', 'ab'], async () => {
        expect(r.text('code 123456 and 654321 ab')).toBe(`code ${REDACTED} and ${REDACTED} ab`);
      });
    });
    expect(r.text('code 123456')).toBe('code 123456');
    expect(withRedaction(['x'], () => 42)).toBe(42);
    await withRedaction(['abc', 'de'], async () => {
      expect(r.text('abc de')).toBe(`${REDACTED} de`);
    });
  });
});
