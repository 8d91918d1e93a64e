import { describe, expect, it } from 'vitest';
import {
  normalizeOriginator,
  normalizePhone,
  parseCredits,
  parseDeliveryNotifications,
  parseStatusCode,
  statusError,
  STATUS_DESCRIPTIONS,
} from '../../src/providers/aspsms/index.js';

describe('phone numbers', () => {
  it('normalises the usual international spellings to one form', () => {
    for (const input of ['+41 79 123 45 67', '0041791234567', '41791234567', '+41 79-123.45.67', '+41\u00a079 123 45 67']) {
      expect(normalizePhone(input)).toStrictEqual({ ok: true, normalized: '+41791234567' });
    }
  });

  it('reads national numbers only with a default country code', () => {
    expect(normalizePhone('079 123 45 67')).toMatchObject({ ok: false, reason: expect.stringContaining('defaultCountryCode') });
    expect(normalizePhone('079 123 45 67', '41')).toStrictEqual({ ok: true, normalized: '+41791234567' });
  });

  it('rejects what is not a phone number, with a reason', () => {
    // ';' and ':' separate recipients and references on the wire: they must never get through.
    for (const input of ['+41791234567;+41790000001', '+41791234567:REF1', '', '   ', 'hello', '+41 79 abc', '+0791234567', '123', '+1234567890123456', '++41791234567', 'a@example.org']) {
      const check = normalizePhone(input);
      expect(check.ok, input).toBe(false);
      if (!check.ok) expect(check.reason.length).toBeGreaterThan(0);
    }
  });

  it('accepts alphanumeric originators up to 11 characters and unlocked-style numeric originators', () => {
    expect(normalizeOriginator('MyShop')).toStrictEqual({ ok: true, normalized: 'MyShop', numeric: false });
    expect(normalizeOriginator(' Seq Server ')).toMatchObject({ ok: true, normalized: 'Seq Server' });
    expect(normalizeOriginator('aspsms.com')).toMatchObject({ ok: true });
    expect(normalizeOriginator('0041 79 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567', numeric: true });
    expect(normalizeOriginator('TwelveChars!').ok).toBe(false);
    expect(normalizeOriginator('Shop<script>').ok).toBe(false);
    expect(normalizeOriginator('').ok).toBe(false);
    expect(normalizeOriginator('+12').ok).toBe(false);
  });
});

describe('ASPSMS result strings', () => {
  it('parses StatusCode and Credits results, with a decimal point or comma', () => {
    expect(parseStatusCode('StatusCode:1')).toBe(1);
    expect(parseStatusCode('StatusCode:24')).toBe(24);
    expect(parseStatusCode('Credits:12')).toBeUndefined();
    expect(parseCredits('Credits:512.25')).toBe(512.25);
    expect(parseCredits('Credits:12,5')).toBe(12.5);
    expect(parseCredits('Credits:0')).toBe(0);
    expect(parseCredits('StatusCode:3')).toBeUndefined();
    expect(parseCredits('Credits:')).toBeUndefined();
  });

  it('maps every documented StatusCode to a stable error code keeping the code and its description', () => {
    const expected: Record<number, string> = {
      2: 'UNAVAILABLE', 3: 'AUTH_FAILED', 5: 'INSUFFICIENT_CREDIT', 6: 'TIMEOUT', 7: 'UNAVAILABLE', 8: 'AUTH_FAILED',
      9: 'AUTH_FAILED', 10: 'CONFIG_INVALID', 11: 'MESSAGE_INVALID', 17: 'CONFIG_INVALID', 18: 'CONFIG_INVALID',
      19: 'CONFIG_INVALID', 20: 'INVALID_RECIPIENT', 22: 'MESSAGE_INVALID', 24: 'UNAVAILABLE', 25: 'AUTH_FAILED', 30: 'CONFIG_INVALID',
    };
    for (const [status, code] of Object.entries(expected)) {
      const error = statusError(Number(status), 'SendTextSMS', 'p1');
      expect(error.code, status).toBe(code);
      expect(error.upstream).toEqual({ status: Number(status), description: STATUS_DESCRIPTIONS[Number(status)] });
      expect(error.message).toContain(`StatusCode ${status}`);
      expect(error.providerId).toBe('p1');
    }
    expect(statusError(10, 'SendTextSMS').field).toBe('config.originator');
    expect(statusError(24, 'SendTextSMS').retryable).toBe(true);
    expect(statusError(3, 'SendTextSMS').retryable).toBe(false);
  });

  it('turns unknown codes into UNAVAILABLE with the code', () => {
    const error = statusError(99, 'CheckCredits');
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.upstream).toEqual({ status: 99, description: 'unknown status code' });
    expect(error.message).toContain('99');
  });

  it('parses delivery notifications, incomplete pending records and repeated references', () => {
    const text = [
      '1359553540;0;30012013144546;30012013144555;000;;',
      '1359555046;2;30012013151053;30012013151053;206;;',
      '77;-1;;;;;',
      '78;1;30012013151053',
      '1359553540;2;30012013144546;30012013150000;108;;',
      'garbage',
      '',
    ].join('\r\n');
    const records = parseDeliveryNotifications(text);
    expect(records).toEqual([
      { reference: '1359553540', status: 2, state: 'failed', submittedAt: '2013-01-30T13:45:46.000Z', notifiedAt: '2013-01-30T14:00:00.000Z', reasonCode: '108' },
      { reference: '1359555046', status: 2, state: 'failed', submittedAt: '2013-01-30T14:10:53.000Z', notifiedAt: '2013-01-30T14:10:53.000Z', reasonCode: '206' },
      { reference: '77', status: -1, state: 'pending' },
      { reference: '78', status: 1, state: 'buffered', submittedAt: '2013-01-30T14:10:53.000Z' },
    ]);
    expect(parseDeliveryNotifications('')).toEqual([]);
  });
});
