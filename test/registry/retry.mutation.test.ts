import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TransportError, type TransportErrorCode } from '../../src/index.js';
import { parseRetryAfter } from '../../src/core/retry-after.js';
import { backoffMs, countsAgainstProvider, decide, outcomeUnknown } from '../../src/registry/retry.js';

const err = (code: TransportErrorCode, options: ConstructorParameters<typeof TransportError>[2] = {}) => new TransportError(code, `failed: ${code}`, options);

describe('decide: the routing decision table (README "Routing, retries and delivery status")', () => {
  it('maps every code, with its default retryability, to stop, next or retry', () => {
    const table = Object.fromEntries(ERROR_CODES.map((code) => [code, decide(err(code))]));
    expect(table).toStrictEqual({
      CONFIG_INVALID: 'next',
      MESSAGE_INVALID: 'stop',
      INVALID_RECIPIENT: 'next',
      AUTH_FAILED: 'next',
      INSUFFICIENT_CREDIT: 'next',
      RATE_LIMITED: 'retry',
      UNAVAILABLE: 'retry',
      TIMEOUT: 'stop',
      NOT_FOUND: 'next',
      PROVIDER_IN_USE: 'next',
      // Retryable by default, yet a provider fault: the table moves on rather than retrying.
      CONFLICT: 'next',
      SECRET_UNREADABLE: 'next',
      // Neither a provider fault nor retryable: the next provider may still deliver.
      STORAGE_FAILED: 'next',
      UNSUPPORTED: 'next',
      ABORTED: 'stop',
    });
  });

  it('a provider fault moves on even when marked retryable; another code follows its retryable flag', () => {
    const faults = ['INVALID_RECIPIENT', 'INSUFFICIENT_CREDIT', 'AUTH_FAILED', 'CONFIG_INVALID', 'SECRET_UNREADABLE', 'NOT_FOUND', 'UNSUPPORTED', 'PROVIDER_IN_USE', 'CONFLICT'] as const;
    expect(faults.map((code) => decide(err(code, { retryable: true })))).toStrictEqual(faults.map(() => 'next'));
    expect(decide(err('STORAGE_FAILED', { retryable: true }))).toBe('retry');
    expect(decide(err('UNAVAILABLE', { retryable: false }))).toBe('next');
  });

  it('stops on an unknown outcome; a TIMEOUT the provider knows was not sent is retried', () => {
    expect(decide(err('UNAVAILABLE', { details: { outcome: 'unknown' } }))).toBe('stop');
    expect(decide(err('TIMEOUT', { details: { outcome: 'not-sent' } }))).toBe('retry');
  });
});

describe('outcomeUnknown', () => {
  it('is true for TIMEOUT, ABORTED and details.outcome "unknown", false for the rest', () => {
    const unknown = ERROR_CODES.filter((code) => outcomeUnknown(err(code)));
    expect(unknown).toStrictEqual(['TIMEOUT', 'ABORTED']);
    expect(outcomeUnknown(err('UNAVAILABLE', { details: { outcome: 'unknown' } }))).toBe(true);
    expect(outcomeUnknown(err('UNAVAILABLE', { details: { outcome: 'sent' } }))).toBe(false);
  });

  it('details.outcome "not-sent" overrides TIMEOUT and ABORTED: the provider knows nothing went out', () => {
    expect(outcomeUnknown(err('TIMEOUT', { details: { outcome: 'not-sent' } }))).toBe(false);
    expect(outcomeUnknown(err('ABORTED', { details: { outcome: 'not-sent' } }))).toBe(false);
  });
});

describe('countsAgainstProvider', () => {
  it('every code counts against the circuit except the message, the recipient and the caller aborting', () => {
    const spared = ERROR_CODES.filter((code) => !countsAgainstProvider(err(code)));
    expect(spared).toStrictEqual(['MESSAGE_INVALID', 'INVALID_RECIPIENT', 'ABORTED']);
  });
});

describe('backoffMs', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 30_000 };
  const top = () => 1; // the top of the jitter range: the ceiling itself
  const none = err('UNAVAILABLE');

  it('full jitter over min(max, base · 2^n)', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, none, top))).toStrictEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffMs(2, policy, none, () => 0.25)).toBe(100);
    expect(backoffMs(2, policy, none, () => 0)).toBe(0);
  });

  it('waits at least a positive, finite Retry-After; ignores zero, negative, NaN and infinite ones', () => {
    const after = (retryAfterSeconds: number) => err('RATE_LIMITED', { upstream: { retryAfterSeconds } });
    expect(backoffMs(0, policy, after(2), () => 0.5)).toBe(2_000);
    // The jitter wins when it is the longer wait.
    expect(backoffMs(2, policy, after(0.1), () => 0.5)).toBe(200);
    expect([0, -3, Number.NaN, Number.POSITIVE_INFINITY].map((s) => backoffMs(2, policy, after(s), () => 0.5))).toStrictEqual([200, 200, 200, 200]);
    expect(backoffMs(2, policy, err('RATE_LIMITED', { upstream: { status: 429 } }), () => 0.5)).toBe(200);
  });
});

describe('parseRetryAfter', () => {
  // 36 hours before the dates below, so a date read in the wrong zone still lies ahead.
  const now = Date.parse('2026-11-28T00:00:00Z');
  const GMT_1201 = 129_660; // seconds to Sun Nov 29 12:01:00 2026 GMT

  it('no header is undefined', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('a value with no weekday or month name is not an HTTP-date, even when Date.parse reads it', () => {
    expect(Number.isNaN(Date.parse('2026-11-29T12:01:00Z'))).toBe(false);
    expect(parseRetryAfter('2026-11-29T12:01:00Z', now)).toBeUndefined();
  });

  it('a date in the past is 0 seconds', () => {
    expect(parseRetryAfter('Sat, 28 Nov 2026 00:00:00 GMT', Date.parse('2026-11-28T00:00:05Z'))).toBe(0);
  });

  it('reads the three HTTP-date forms as GMT, asctime too (its day space-padded or not)', () => {
    expect(parseRetryAfter('Sun, 29 Nov 2026 12:01:00 GMT', now)).toBe(GMT_1201);
    expect(parseRetryAfter('Sunday, 29-Nov-26 12:01:00 GMT', now)).toBe(GMT_1201);
    expect(parseRetryAfter('Sun Nov 29 12:01:00 2026', now)).toBe(GMT_1201);
    expect(parseRetryAfter('  Sun Nov 29 12:01:00 2026  ', now)).toBe(GMT_1201);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', Date.parse('1994-11-06T08:49:00Z'))).toBe(37);
    expect(parseRetryAfter('Sun Nov 6 08:49:37 1994', Date.parse('1994-11-06T08:49:00Z'))).toBe(37);
  });

  it('refuses a date that does not say GMT and is no asctime, rather than reading it in the local zone', () => {
    for (const value of [
      'Sun, 29 Nov 2026 12:01:00',
      'Sun Nov 29 12:01:00 2026 GMT+0100',
      'Sun, 29 Nov 2026 12:01:00 GMT+0100',
      'Sun, 29 Nov 2026 12:01:00 GMTX',
      'Sun, 29 Nov 2026 12:01:00 UTC',
      'x Sun Nov 29 12:01:00 2026',
      'sun Nov 29 12:01:00 2026',
      'SUN Nov 29 12:01:00 2026',
      'Sun NOV 29 12:01:00 2026',
      'Sun Nov 29 12:01 2026',
      'Sun Nov 29 12:01:00 26',
      'Sun Nov 129 12:01:00 2026',
      'Sun Nov   9 12:01:00 2026',
    ]) expect(parseRetryAfter(value, now), value).toBeUndefined();
  });

  it('an asctime-shaped value that is no date is undefined', () => {
    expect(parseRetryAfter('Abc Def 29 12:01:00 2026', now)).toBeUndefined();
  });
});
