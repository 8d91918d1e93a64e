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
