/**
 * SMS length rules (GSM 03.38): a text is sent in the GSM 7-bit alphabet when every character is
 * in its basic or extension table, otherwise as UCS-2. Counting is done here, before any request,
 * so an over-long text is refused instead of being billed as many parts.
 */

/** The GSM 03.38 basic character set (one septet each). */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** The GSM 03.38 extension table: escape + character, so two septets each. */
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

/** The alphabet a text is sent in. */
export type SmsEncoding = 'gsm7' | 'ucs2';

/** Length analysis of one SMS text. */
export interface SmsLength {
  readonly encoding: SmsEncoding;
  /** Septets (GSM 7-bit) or UTF-16 code units (UCS-2) of the whole text. */
  readonly units: number;
  /** Number of SMS parts the text needs. */
  readonly segments: number;
  /** Units one part holds for this text (160/153 or 70/67). */
  readonly perSegment: number;
}

/** Capacity of a single SMS and of each part of a concatenated one. */
export const SEGMENT_LIMITS: Readonly<Record<SmsEncoding, { readonly single: number; readonly multi: number }>> = {
  gsm7: { single: 160, multi: 153 },
  ucs2: { single: 70, multi: 67 },
};

/** True when every character of `text` is in the GSM 7-bit alphabet (basic or extension table). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  return true;
}

/**
 * Counts the encoding, units and parts of a text. Parts are packed character by character, so an
 * extension character (two septets) or a surrogate pair (two UTF-16 units) is never split across
 * two parts, as real handsets and gateways do.
 *
 * @param encoding - forces an alphabet (a gateway told to send 7-bit); default: GSM 7-bit when possible.
 */
export function smsLength(text: string, encoding: SmsEncoding = isGsm7(text) ? 'gsm7' : 'ucs2'): SmsLength {
  const sizes = [...text].map((ch) => (encoding === 'gsm7' ? (GSM7_EXTENSION.has(ch) ? 2 : 1) : ch.length));
  const units = sizes.reduce((a, b) => a + b, 0);
  const limits = SEGMENT_LIMITS[encoding];
  if (units <= limits.single) return { encoding, units, segments: units === 0 ? 0 : 1, perSegment: limits.single };
  let segments = 1;
  let used = 0;
  for (const size of sizes) {
    if (used + size > limits.multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding, units, segments, perSegment: limits.multi };
}

/** The longest text, in units, that fits into `segments` parts of `encoding`. */
export function maxUnits(encoding: SmsEncoding, segments: number): number {
  const limits = SEGMENT_LIMITS[encoding];
  return segments <= 1 ? limits.single : segments * limits.multi;
}

/**
 * Close GSM 7-bit equivalents of characters outside the GSM alphabet: accented letters without
 * a GSM form lose the accent (`ê` → `e`, `ç` → `Ç` as handsets show it), typographic quotes,
 * dashes, ellipsis and spaces become their ASCII forms, invisible characters are dropped.
 * Characters with no close equivalent (emoji, Cyrillic, CJK) are not listed.
 */
const GSM7_EQUIVALENTS: Readonly<Record<string, string>> = (() => {
  const map: Record<string, string> = {};
  const add = (targets: string, chars: string) => {
    for (const ch of chars) map[ch] = targets;
  };
  add('a', 'áâãāăąǎ');
  add('A', 'ÀÁÂÃĀĂĄǍ');
  add('Ç', 'ç');
  add('c', 'ćĉċč');
  add('C', 'ĆĈĊČ');
  add('d', 'ďđð');
  add('D', 'ĎĐÐ');
  add('e', 'êëēĕėęě');
  add('E', 'ÈÊËĒĔĖĘĚ');
  add('g', 'ĝğġģ');
  add('G', 'ĜĞĠĢ');
  add('h', 'ĥħ');
  add('H', 'ĤĦ');
  add('i', 'íîïĩīĭįı');
  add('I', 'ÌÍÎÏĨĪĬĮİ');
  add('j', 'ĵ');
  add('J', 'Ĵ');
  add('k', 'ķ');
  add('K', 'Ķ');
  add('l', 'ĺļľŀł');
  add('L', 'ĹĻĽĿŁ');
  add('n', 'ńņňŉ');
  add('N', 'ŃŅŇ');
  add('o', 'óôõōŏőǒ');
  add('O', 'ÒÓÔÕŌŎŐǑ');
  add('r', 'ŕŗř');
  add('R', 'ŔŖŘ');
  add('s', 'śŝşšș');
  add('S', 'ŚŜŞŠȘ');
  add('t', 'ţťŧț');
  add('T', 'ŢŤŦȚ');
  add('u', 'úûũūŭůűųǔ');
  add('U', 'ÙÚÛŨŪŬŮŰŲǓ');
  add('w', 'ŵ');
  add('W', 'Ŵ');
  add('y', 'ýÿŷ');
  add('Y', 'ÝŸŶ');
  add('z', 'źżž');
  add('Z', 'ŹŻŽ');
  add('oe', 'œ');
  add('OE', 'Œ');
  add('th', 'þ');
  add('TH', 'Þ');
  add("'", '‘’‚‛′´`');
  add('"', '“”„‟″«»');
  add('<', '‹');
  add('>', '›');
  add('-', '‐‑‒–—―−');
  add('...', '…');
  add(' ', '\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000');
  add('', '\u00ad\u200b\u200c\u200d\u2060\ufeff');
  add('x', '×');
  add('(c)', '©');
  add('(R)', '®');
  add('TM', '™');
  return map;
})();

/** What {@link transliterateToGsm7} did. */
export interface Gsm7Transliteration {
  /** The text with every character that has a close GSM 7-bit equivalent replaced by it. */
  readonly text: string;
  /** The distinct characters that were replaced, in order of first appearance. */
  readonly replaced: readonly string[];
  /** The distinct characters left outside the GSM alphabet (no close equivalent), in order. */
  readonly remaining: readonly string[];
}

/**
 * Replaces the characters of `text` that are outside the GSM 7-bit alphabet but have a close
 * equivalent in it (`ç ê á`, a tab, smart quotes, dashes, non-breaking spaces). The result is
 * GSM 7-bit exactly when `remaining` is empty.
 */
export function transliterateToGsm7(text: string): Gsm7Transliteration {
  let out = '';
  const replaced = new Set<string>();
  const remaining = new Set<string>();
  for (const ch of text) {
    if (GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch)) {
      out += ch;
      continue;
    }
    const equivalent = GSM7_EQUIVALENTS[ch];
    if (equivalent === undefined) {
      remaining.add(ch);
      out += ch;
    } else {
      replaced.add(ch);
      out += equivalent;
    }
  }
  return { text: out, replaced: [...replaced], remaining: [...remaining] };
}

/** What an SMS text costs before it is sent: the alphabet, the parts and why. */
export interface SmsEstimate extends SmsLength {
  /** The text as it would be sent: transliterated when that made it GSM 7-bit, else as given. */
  readonly text: string;
  /** True when the text was transliterated to GSM 7-bit. */
  readonly transliterated: boolean;
  /** Characters replaced by their GSM 7-bit equivalent (empty unless `transliterated`). */
  readonly replaced: readonly string[];
  /**
   * The characters that make the text UCS-2 (70 / 67 units per part instead of 160 / 153):
   * without transliteration every non-GSM character, with it those that have no equivalent.
   */
  readonly unicodeCharacters: readonly string[];
}

/**
 * The encoding and part count of an SMS text, without sending it. With `transliterate` a text
 * whose non-GSM characters all have a close GSM 7-bit equivalent is counted (and would be sent)
 * transliterated; a text with any character without one (an emoji) stays as it is, in UCS-2.
 *
 * @example
 * ```ts
 * estimateSms('Ça coûte 5 €');                          // ucs2, 1 part, unicodeCharacters ['û']
 * estimateSms('Ça coûte 5 €', { transliterate: true }); // gsm7, text 'Ça coute 5 €'
 * ```
 */
export function estimateSms(text: string, options: { readonly transliterate?: boolean } = {}): SmsEstimate {
  const t = transliterateToGsm7(text);
  if (t.remaining.length === 0 && t.replaced.length > 0 && options.transliterate === true) {
    return { ...smsLength(t.text, 'gsm7'), text: t.text, transliterated: true, replaced: t.replaced, unicodeCharacters: [] };
  }
  const nonGsm = [...new Set([...text].filter((ch) => !GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)))];
  return { ...smsLength(text), text, transliterated: false, replaced: [], unicodeCharacters: options.transliterate === true ? t.remaining : nonGsm };
}
