import { describe, expect, it } from 'vitest';
import { TransportError } from '../../src/index.js';
import { closeQuietly, optional, safeRecipients, sendOptions, toTransportError } from '../../src/registry/support.js';

const redactor = { redact: (text: string) => text.replaceAll('hunter2', '[redacted]') };

/** The messages down an error's chain of causes, below the error itself. */
function causeMessages(error: Error): string[] {
  const messages: string[] = [];
  for (let at: unknown = error.cause; at instanceof Error; at = at.cause) messages.push(at.message);
  return messages;
}

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
    expect(causeMessages(out)).toStrictEqual(['level 0', 'level 1', 'level 2', 'level 3', 'level 4', 'level 5']);
  });

  it('ends a cause cycle that runs through a TransportError, at the same depth as a plain chain', () => {
    const outer = new Error('hunter2 outer');
    const inner = new TransportError('UNAVAILABLE', 'hunter2 inner', { cause: outer });
    Object.assign(outer, { cause: inner });
    const out = toTransportError(outer, 'p1', redactor);
    expect(causeMessages(out)).toStrictEqual(['[redacted] outer', '[redacted] inner', '[redacted] outer', '[redacted] inner', '[redacted] outer', '[redacted] inner']);
  });
});

describe('registry support pins: redaction of the whole error', () => {
  it('keeps a TransportError in the cause chain a TransportError, redacted with all its fields', () => {
    const inner = new TransportError('AUTH_FAILED', 'inner hunter2', { providerId: 'p0', field: 'password', upstream: { description: 'said hunter2' }, details: { user: 'hunter2' } });
    const out = toTransportError(new Error('outer', { cause: inner }), 'p1', redactor);
    const copy = (out.cause as Error).cause;
    expect(copy).toBeInstanceOf(TransportError);
    expect((copy as TransportError).toJSON()).toStrictEqual({
      name: 'TransportError',
      code: 'AUTH_FAILED',
      message: 'inner [redacted]',
      retryable: false,
      providerId: 'p0',
      field: 'password',
      upstream: { description: 'said [redacted]' },
      details: { user: '[redacted]' },
    });
  });

  it('copies each stack redacted, and leaves a missing stack, code or cause missing', () => {
    const root = new Error('root hunter2');
    root.stack = undefined;
    const middle = Object.assign(new Error('middle hunter2', { cause: root }), { code: { not: 'a code' } });
    const coded = new TransportError('UNAVAILABLE', 'top hunter2', { cause: middle });
    const out = toTransportError(coded, 'p1', redactor);
    expect(out.stack).toBe(coded.stack?.replaceAll('hunter2', '[redacted]'));
    const copy = out.cause as Error & { cause: Error };
    expect(copy.stack).toBe(middle.stack?.replaceAll('hunter2', '[redacted]'));
    // Only a string or number code is kept: anything else could carry text that is not redacted.
    expect(Object.hasOwn(copy, 'code')).toBe(false);
    expect(copy.cause.message).toBe('root [redacted]');
    expect(copy.cause.stack).toBeUndefined();
    expect(Object.hasOwn(copy.cause, 'code')).toBe(false);
    expect(Object.hasOwn(copy.cause, 'cause')).toBe(false);
  });

  it('a TransportError without a stack keeps the stack of its copy', () => {
    const coded = new TransportError('UNAVAILABLE', 'down hunter2');
    coded.stack = undefined;
    const out = toTransportError(coded, 'p1', redactor);
    expect(out).toMatchObject({ code: 'UNAVAILABLE', message: 'down [redacted]', providerId: 'p1' });
    expect(out.stack).toStrictEqual(expect.any(String));
  });

  it('an undefined cause stays absent; null and non-string causes survive the redaction', () => {
    const none = toTransportError(undefined, 'p1', redactor);
    expect(none.message).toBe('undefined');
    expect('cause' in none).toBe(false);
    const coded = new TransportError('UNAVAILABLE', 'x', { upstream: { status: 500, description: null as never }, details: { a: null, n: 1, ok: true, list: [null, 'hunter2'] } });
    const out = toTransportError(coded, 'p1', redactor);
    expect(out.upstream).toStrictEqual({ status: 500, description: null });
    expect(out.details).toStrictEqual({ a: null, n: 1, ok: true, list: [null, '[redacted]'] });
  });

  it('redacts upstream and details 8 levels deep and keeps what is deeper as it is, so cycles end', () => {
    // Level k holds the secret and, below it, level k + 1; `details` itself is level 0.
    const chain = (wrap: (inner: unknown) => unknown) => {
      let node: unknown = 'hunter2';
      for (let i = 0; i < 12; i += 1) node = wrap(node);
      return node;
    };
    const objects = chain((next) => ({ s: 'hunter2', next })) as Record<string, unknown>;
    const arrays = chain((next) => ['hunter2', next]) as unknown[];
    const out = toTransportError(new TransportError('UNAVAILABLE', 'x', { details: { objects, arrays } }), 'p1', redactor);
    const walk = (from: unknown, step: (node: unknown) => unknown, levels: number) => {
      let node = from;
      for (let i = 0; i < levels; i += 1) node = step(node);
      return node;
    };
    const nextOf = (node: unknown) => (node as { next: unknown }).next;
    const secondOf = (node: unknown) => (node as unknown[])[1];
    const details = out.details as { objects: unknown; arrays: unknown };
    // The object at level 8 (below `details`: 7 steps down from level 1) is still a redacted copy ...
    expect(walk(details.objects, nextOf, 7)).toMatchObject({ s: '[redacted]' });
    expect((walk(details.arrays, secondOf, 7) as unknown[])[0]).toBe('[redacted]');
    // ... the one at level 9 is the original.
    expect(walk(details.objects, nextOf, 8)).toBe(walk(objects, nextOf, 8));
    expect(walk(details.arrays, secondOf, 8)).toBe(walk(arrays, secondOf, 8));
    const cyclic: Record<string, unknown> = { s: 'hunter2' };
    cyclic.self = cyclic;
    const loop: unknown[] = ['hunter2'];
    loop.push(loop);
    const ended = toTransportError(new TransportError('UNAVAILABLE', 'x', { details: cyclic, upstream: { loop } }), 'p1', redactor);
    expect(ended.details).toMatchObject({ s: '[redacted]', self: { s: '[redacted]' } });
    expect((ended.upstream?.loop as unknown[])[0]).toBe('[redacted]');
  });
});
