import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/index.js';
import { closeQuietly, optional, safeRecipients, sendOptions, toTransportError } from '../../src/registry/support.js';

const redactor = { redact: (text: string) => text.replaceAll('hunter2', '[redacted]') };

describe('registry support pins', () => {
  it('sendOptions keeps only the signal; optional leaves undefined out', () => {
    const signal = new AbortController().signal;
    expect(sendOptions({ signal, redact: ['x'] } as never)).toStrictEqual({ signal });
    expect(sendOptions({ redact: ['x'] } as never)).toStrictEqual({});
    expect(optional('a', 1)).toStrictEqual({ a: 1 });
    expect(optional('a', undefined)).toStrictEqual({});
    expect(optional('a', null)).toStrictEqual({ a: null });
  });

  it('safeRecipients lists the string recipients and never throws', () => {
    expect(safeRecipients({ to: ['a@example.org', 'b@example.org'] })).toStrictEqual(['a@example.org', 'b@example.org']);
    expect(safeRecipients({ to: 'a@example.org' })).toStrictEqual(['a@example.org']);
    expect(safeRecipients(null)).toStrictEqual([]);
    expect(safeRecipients({ to: [1, 'x@example.org'] })).toStrictEqual(['x@example.org']);
  });

  it('closeQuietly closes the built provider and swallows a failed build or close', async () => {
    let closed = 0;
    await closeQuietly(Promise.resolve({ provider: { close: async () => void (closed += 1) } as never }));
    expect(closed).toBe(1);
    await expect(closeQuietly(Promise.reject(new Error('build failed')))).resolves.toBeUndefined();
    await expect(closeQuietly(Promise.resolve({ provider: { close: async () => { throw new Error('close failed'); } } as never }))).resolves.toBeUndefined();
  });

  it('toTransportError: TransportErrors get the provider, AbortError is ABORTED, the rest UNAVAILABLE', () => {
    const coded = new TransportError('AUTH_FAILED', 'no', { field: 'password' });
    const named = toTransportError(coded, 'p1');
    expect(named).toMatchObject({ code: 'AUTH_FAILED', providerId: 'p1', field: 'password', message: 'no' });
    const abort = Object.assign(new Error('stop'), { name: 'AbortError' });
    expect(toTransportError(abort, 'p1')).toMatchObject({ code: 'ABORTED', message: 'the operation was aborted', providerId: 'p1', retryable: false, cause: abort });
    const plain = new Error('socket hang up');
    expect(toTransportError(plain, 'p1')).toMatchObject({ code: 'UNAVAILABLE', message: 'socket hang up', providerId: 'p1', retryable: true, cause: plain });
    expect(toTransportError('just text', 'p1')).toMatchObject({ code: 'UNAVAILABLE', message: 'just text' });
    expect(toTransportError(null, 'p1')).toMatchObject({ code: 'UNAVAILABLE', message: 'null' });
  });

  it('toTransportError with a redactor redacts message, stack, upstream, details and every cause, keeping codes', () => {
    const root = Object.assign(new Error('535 auth failed for hunter2'), { code: 'EAUTH' });
    const middle = new Error('wrapped hunter2', { cause: root });
    const coded = new TransportError('AUTH_FAILED', 'rejected: hunter2', {
      cause: middle,
      retryable: true,
      field: 'password',
      upstream: { status: 535, description: 'bad hunter2', rejected: ['hunter2@example.org'] },
      details: { nested: { deep: ['hunter2'] }, n: 1 },
    });
    const out = toTransportError(coded, 'p1', redactor);
    expect(out).toMatchObject({
      code: 'AUTH_FAILED',
      message: 'rejected: [redacted]',
      retryable: true,
      providerId: 'p1',
      field: 'password',
      upstream: { status: 535, description: 'bad [redacted]', rejected: ['[redacted]@example.org'] },
      details: { nested: { deep: ['[redacted]'] }, n: 1 },
    });
    expect(out.stack).not.toContain('hunter2');
    const c1 = out.cause as Error & { cause: Error & { code: string } };
    expect(c1).toBeInstanceOf(Error);
    expect(c1.message).toBe('wrapped [redacted]');
    expect(c1.cause.message).toBe('535 auth failed for [redacted]');
    expect(c1.cause.code).toBe('EAUTH');
    expect(c1.cause.name).toBe('Error');
    const bare = toTransportError(new TransportError('TIMEOUT', 'slow'), 'p1', redactor);
    expect(bare.toJSON()).toStrictEqual({ name: 'TransportError', code: 'TIMEOUT', message: 'slow', retryable: true, providerId: 'p1', field: undefined, upstream: undefined, details: undefined });
    expect('cause' in bare).toBe(false);
    const plain = toTransportError(Object.assign(new TypeError('bad hunter2'), { code: 7 }), 'p2', redactor);
    expect(plain).toMatchObject({ code: 'UNAVAILABLE', message: 'bad [redacted]', providerId: 'p2' });
    expect(plain.cause).toMatchObject({ name: 'TypeError', message: 'bad [redacted]', code: 7 });
    expect(toTransportError('text hunter2', 'p1', redactor)).toMatchObject({ message: 'text [redacted]', cause: 'text [redacted]' });
    expect(toTransportError(42, 'p1', redactor).cause).toBe('42');
    expect(toTransportError(null, 'p1', redactor).cause).toBeNull();
  });

  it('follows at most 5 causes below the first', () => {
    let cause: Error = new Error('hunter2 level 7');
    for (let i = 6; i >= 0; i -= 1) cause = new Error(`level ${i}`, { cause });
    const out = toTransportError(cause, 'p1', redactor);
    const levels: string[] = [];
    let at: unknown = out.cause;
    while (at instanceof Error) {
      levels.push(at.message);
      at = at.cause;
    }
    expect(levels).toStrictEqual(['level 0', 'level 1', 'level 2', 'level 3', 'level 4', 'level 5']);
  });
});
