import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGsm7, maxUnits, smsLength } from '../../src/providers/aspsms/index.js';

describe('GSM 7-bit / UCS-2 part counting', () => {
  it('keeps GSM 7-bit texts (also Swiss umlauts of the GSM table) at 160 / 153 septets', () => {
    expect(smsLength('a'.repeat(160))).toMatchObject({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(161))).toMatchObject({ encoding: 'gsm7', segments: 2, perSegment: 153 });
    expect(smsLength('a'.repeat(306)).segments).toBe(2);
    expect(smsLength('a'.repeat(307)).segments).toBe(3);
    expect(smsLength('Grüezi Zäme, Öl für Ü').encoding).toBe('gsm7');
  });

  it('counts extension characters (€ [ ] { } ^ ~ | \\) as two septets and never splits them', () => {
    expect(smsLength('€'.repeat(80))).toMatchObject({ encoding: 'gsm7', units: 160, segments: 1 });
    expect(smsLength('€'.repeat(81)).segments).toBe(2);
    // 152 plain septets then an escape pair: the pair does not fit into part one (153) and moves on.
    expect(smsLength(`${'a'.repeat(152)}€${'a'.repeat(152)}`)).toMatchObject({ units: 306, segments: 3 });
    expect(smsLength('[]{}^~|\\').units).toBe(16);
  });

  it('switches to UCS-2 for characters outside the GSM table, 70 / 67 units, surrogate pairs kept whole', () => {
    expect(isGsm7('ç')).toBe(false);
    expect(isGsm7('Ç')).toBe(true);
    expect(smsLength('Привет')).toMatchObject({ encoding: 'ucs2', units: 6, segments: 1 });
    expect(smsLength('ж'.repeat(70)).segments).toBe(1);
    expect(smsLength('ж'.repeat(71))).toMatchObject({ segments: 2, perSegment: 67 });
    expect(smsLength('😀'.repeat(35))).toMatchObject({ units: 70, segments: 1 });
    // 66 units + an emoji (2 units) would split the pair: it starts part two.
    expect(smsLength(`${'ж'.repeat(66)}😀${'ж'.repeat(10)}`)).toMatchObject({ units: 78, segments: 2 });
    expect(smsLength(`${'ж'.repeat(66)}😀${'ж'.repeat(66)}`).segments).toBe(3);
  });

  it('reports the longest text per number of parts', () => {
    expect(maxUnits('gsm7', 1)).toBe(160);
    expect(maxUnits('gsm7', 9)).toBe(1377);
    expect(maxUnits('ucs2', 1)).toBe(70);
    expect(maxUnits('ucs2', 9)).toBe(603);
  });

  it('never needs fewer parts than units / capacity, and a text of max units fits into its parts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 800, unit: 'grapheme' }), (text) => {
        const { encoding, units, segments } = smsLength(text);
        expect(units).toBeGreaterThanOrEqual(text.length === 0 ? 0 : 1);
        if (units > 0) expect(units).toBeLessThanOrEqual(segments === 1 ? maxUnits(encoding, 1) : segments * maxUnits(encoding, 1));
        if (segments > 1) expect(segments).toBeGreaterThanOrEqual(Math.ceil(units / (encoding === 'gsm7' ? 153 : 67)));
      }),
      { numRuns: 300 },
    );
  });
});
