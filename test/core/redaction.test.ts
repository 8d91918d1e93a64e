import { describe, expect, it } from 'vitest';
import { Redactor, withRedaction } from '../../src/index.js';

describe('Redactor', () => {
  const r = new Redactor(['pa$$word-123', 'ab']);

  it('replaces secret values and their URL-encoded and base64 forms', () => {
    expect(r.text('login with pa$$word-123')).toBe('login with [redacted]');
    expect(r.text(`GET /?p=${encodeURIComponent('pa$$word-123')}`)).toBe('GET /?p=[redacted]');
    expect(r.text(`334 ${Buffer.from('pa$$word-123').toString('base64')}`)).toBe('334 [redacted]');
    expect(r.text('ab is too short to be redacted')).toBe('ab is too short to be redacted');
    expect(new Redactor(['p<w>&"1\'']).text('<Password>p&lt;w&gt;&amp;&quot;1&apos;</Password>')).toBe('<Password>[redacted]</Password>');
  });

  it('redacts SMTP AUTH payloads but keeps the server mechanism list readable', () => {
    expect(r.text('C: AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toBe('C: AUTH PLAIN [redacted]');
    expect(r.text('S: 250-AUTH LOGIN PLAIN CRAM-MD5')).toBe('S: 250-AUTH LOGIN PLAIN CRAM-MD5');
  });

  it('redacts values under secret-looking keys, recursively, and describes bytes', () => {
    expect(r.value({ user: 'u', password: 'x', nested: [{ apiKey: 'k', ok: true }], data: new Uint8Array(3), token: undefined })).toEqual({
      user: 'u',
      password: '[redacted]',
      nested: [{ apiKey: '[redacted]', ok: true }],
      data: '[3 bytes]',
      token: undefined,
    });
  });

  it('adds the values of the current redaction scope', async () => {
    const seen = await withRedaction(['493027'], async () => {
      await Promise.resolve();
      return r.text('your code is 493027');
    });
    expect(seen).toBe('your code is [redacted]');
    expect(r.text('your code is 493027')).toBe('your code is 493027');
  });
});
