import { describe, expect, it } from 'vitest';
import { normalizeOriginator, normalizePhone } from '../../src/providers/aspsms/index.js';

describe('normalizePhone pins', () => {
  it('gives the exact reason of each refusal', () => {
    const why = (input: unknown, cc?: string) => normalizePhone(input as string, cc);
    expect(why(undefined)).toStrictEqual({ ok: false, reason: 'empty phone number' });
    expect(why(' \t')).toStrictEqual({ ok: false, reason: 'empty phone number' });
    expect(why('+41 79 abc')).toStrictEqual({ ok: false, reason: 'a phone number may only contain digits, an optional leading + and separators' });
    expect(why('41+791234567').ok).toBe(false);
    expect(why('0791234567')).toStrictEqual({ ok: false, reason: 'national number: use the international form (+41...) or configure defaultCountryCode' });
    expect(why('+0791234567')).toStrictEqual({ ok: false, reason: 'not an international phone number (country code and 7-15 digits)' });
  });

  it('drops separators and the trunk prefix (0) of international numbers only', () => {
    expect(normalizePhone('+41 (0)79 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    expect(normalizePhone('0041 ( 0 ) 79 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    expect(normalizePhone('+41 (0)79 (0)123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    // In a national number "(0)" is a digit: the separators go, the 0 stays.
    expect(normalizePhone('(0)79 123 45 67', '41')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    expect(normalizePhone('+41/79.123-45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    expect(normalizePhone('  +41791234567  ')).toStrictEqual({ ok: true, normalized: '+41791234567' });
  });

  it('accepts 7 to 15 digits with a country code from 1 to 9', () => {
    expect(normalizePhone('+1234567')).toStrictEqual({ ok: true, normalized: '+1234567' });
    expect(normalizePhone('+123456').ok).toBe(false);
    expect(normalizePhone('+123456789012345')).toStrictEqual({ ok: true, normalized: '+123456789012345' });
    expect(normalizePhone('+1234567890123456').ok).toBe(false);
    expect(normalizePhone('001234567')).toStrictEqual({ ok: true, normalized: '+1234567' });
    expect(normalizePhone('1234567')).toStrictEqual({ ok: true, normalized: '+1234567' });
    expect(normalizePhone('079 123 45 67', '49')).toStrictEqual({ ok: true, normalized: '+49791234567' });
  });
});

describe('normalizeOriginator pins', () => {
  it('reads numeric originators as phone numbers, with the reason when they are not', () => {
    expect(normalizeOriginator('+41 (79) 123-45.67')).toStrictEqual({ ok: true, normalized: '+41791234567', numeric: true });
    expect(normalizeOriginator('+12')).toStrictEqual({ ok: false, reason: 'numeric originator: not an international phone number (country code and 7-15 digits)' });
    expect(normalizeOriginator('0791234567')).toStrictEqual({ ok: false, reason: 'numeric originator: national number: use the international form (+41...) or configure defaultCountryCode' });
  });

  it('accepts 1-11 of the allowed characters, refusing others with the reason', () => {
    const refusal = { ok: false, reason: 'an alphanumeric originator has 1-11 characters: letters, digits, space and . - _ ! @ &' };
    expect(normalizeOriginator('A')).toStrictEqual({ ok: true, normalized: 'A', numeric: false });
    expect(normalizeOriginator('Ab1 .-_!@&x')).toStrictEqual({ ok: true, normalized: 'Ab1 .-_!@&x', numeric: false });
    expect(normalizeOriginator('Ab1 .-_!@&xy')).toStrictEqual(refusal);
    expect(normalizeOriginator('   ')).toStrictEqual(refusal);
    expect(normalizeOriginator('Shop#1')).toStrictEqual(refusal);
    expect(normalizeOriginator('1Shop')).toStrictEqual({ ok: true, normalized: '1Shop', numeric: false });
  });
});
