// An HTTP header, read by the providers that speak HTTP (Threema gateway, ASPSMS over SOAP).

/** asctime-date: `Sun Nov  6 08:49:37 1994` (weekday, month, space-padded day, time, year). */
const ASCTIME = /^([A-Z][a-z]{2}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}:\d{2}:\d{2}) (\d{4})$/;

/**
 * Seconds of an HTTP `Retry-After` value: `delay-seconds` or an HTTP-date (RFC 9110 §10.2.3),
 * `undefined` when it is neither. Digits are tested first: V8 parses "120" as a date.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  // All three HTTP-date forms are GMT (RFC 9110 §5.6.7), asctime without saying so: it is rewritten
  // with its zone, and a date without " GMT" is refused, so nothing is read in the local time zone.
  const asctime = ASCTIME.exec(text);
  const gmt = asctime ? `${asctime[1]}, ${asctime[3]} ${asctime[2]} ${asctime[5]} ${asctime[4]} GMT` : text;
  if (!gmt.endsWith(' GMT')) return undefined;
  const date = Date.parse(gmt);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}
