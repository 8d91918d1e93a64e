import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, hasErrorCode, isTransportError, TransportError } from '../../src/index.js';

describe('TransportError', () => {
  it('pins the list of stable codes', () => {
    expect([...ERROR_CODES]).toEqual([
      'CONFIG_INVALID',
      'MESSAGE_INVALID',
      'INVALID_RECIPIENT',
      'AUTH_FAILED',
      'INSUFFICIENT_CREDIT',
      'RATE_LIMITED',
      'UNAVAILABLE',
      'TIMEOUT',
      'NOT_FOUND',
      'PROVIDER_IN_USE',
      'CONFLICT',
      'SECRET_UNREADABLE',
      'STORAGE_FAILED',
      'UNSUPPORTED',
      'ABORTED',
    ]);
  });

  it('keeps code, cause, provider, field and upstream detail; retryable follows the code', () => {
    const cause = new Error('socket hang up');
    const e = new TransportError('UNAVAILABLE', 'relay down', { cause, providerId: 'p1', upstream: { status: 421, description: 'try later' } });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TransportError');
    expect(e.cause).toBe(cause);
    expect(e.retryable).toBe(true);
    expect(e.providerId).toBe('p1');
    expect(e.upstream?.status).toBe(421);
    expect(new TransportError('AUTH_FAILED', 'no').retryable).toBe(false);
    expect(new TransportError('AUTH_FAILED', 'no', { retryable: true }).retryable).toBe(true);
    const moved = e.withProvider('p2');
    expect(moved.providerId).toBe('p2');
    expect(moved.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(e))).toMatchObject({ code: 'UNAVAILABLE', providerId: 'p1', upstream: { status: 421 } });
  });

  it('is recognised by isTransportError and hasErrorCode, and nothing else is', () => {
    const e = new TransportError('NOT_FOUND', 'x');
    expect(isTransportError(e)).toBe(true);
    expect(hasErrorCode(e, 'NOT_FOUND')).toBe(true);
    expect(hasErrorCode(e, 'CONFLICT')).toBe(false);
    for (const v of [new Error('x'), { code: 'NOT_FOUND' }, null, undefined, 'NOT_FOUND', 42]) expect(isTransportError(v)).toBe(false);
  });

  it('recognises errors from a second copy of the package (another module instance)', async () => {
    const url = new URL('../../dist/core/errors.js', import.meta.url).href;
    const copyA = (await import(`${url}?copy=a`)) as typeof import('../../src/core/errors.js');
    const copyB = (await import(`${url}?copy=b`)) as typeof import('../../src/core/errors.js');
    expect(copyA.TransportError).not.toBe(copyB.TransportError);
    const fromA = new copyA.TransportError('TIMEOUT', 'slow');
    expect(fromA instanceof copyB.TransportError).toBe(false);
    expect(copyB.isTransportError(fromA)).toBe(true);
    expect(isTransportError(fromA)).toBe(true);
  });

  it('recognises errors from another realm (a vm context)', () => {
    const script = `
      import vm from 'node:vm';
      import { isTransportError } from 'transportkit';
      const ctx = vm.createContext({});
      const foreign = vm.runInContext("const e = new Error('x'); Object.defineProperty(e, Symbol.for('transportkit.TransportError'), { value: true }); e.code = 'TIMEOUT'; e", ctx);
      console.log(JSON.stringify([foreign instanceof Error, isTransportError(foreign)]));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('../..', import.meta.url) }).toString();
    expect(JSON.parse(out)).toEqual([false, true]);
  });
});
