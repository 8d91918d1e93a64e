import { TransportError } from '../core/errors.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', calendar: 'iso8601', numberingSystem: 'latn' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks that `timeZone` is an IANA time zone the runtime knows (`UTC`, `Europe/Zurich`, ...) and
 * returns its canonical spelling; `CONFIG_INVALID` naming `field` otherwise. Checked once up front
 * so a typo fails at construction, not at the first low balance.
 */
export function checkTimeZone(timeZone: unknown, field = 'timeZone'): string {
  if (typeof timeZone === 'string' && timeZone.length > 0 && timeZone.length <= 100) {
    try {
      return formatterFor(timeZone).resolvedOptions().timeZone;
    } catch {
      // RangeError: not a time zone; reported below.
    }
  }
  throw new TransportError('CONFIG_INVALID', `${field} must be an IANA time zone such as "UTC" or "Europe/Zurich"`, { field });
}

/**
 * The calendar day (`YYYY-MM-DD`) that the instant `epochMs` falls on in `timeZone`. The daily
 * warning claim is keyed by this day, so "one warning a day" follows the host's local midnight,
 * including days of 23 or 25 hours at daylight-saving changes.
 */
export function calendarDay(epochMs: number, timeZone: string): string {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}
