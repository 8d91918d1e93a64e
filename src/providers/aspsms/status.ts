import { TransportError, type TransportErrorCode } from '../../core/errors.js';

/** ASPSMS StatusCode texts (codes 26 and 27 are not documented anywhere). */
export const STATUS_DESCRIPTIONS: Readonly<Record<number, string>> = {
  1: 'OK',
  2: 'Connect failed',
  3: 'Authorization failed (wrong userkey and/or password)',
  4: 'Binary file not found',
  5: 'Not enough credits available',
  6: 'Time out error',
  7: 'Transmission error, try again',
  8: 'Invalid UserKey',
  9: 'Invalid Password',
  10: 'Invalid originator (max 11 chars for alphanumeric originators)',
  11: 'Invalid message data',
  12: 'Invalid binary data',
  13: 'Invalid binary file',
  14: 'Invalid MCC',
  15: 'Invalid MNC',
  16: 'Invalid XSer',
  17: 'Invalid URL buffered message notification string',
  18: 'Invalid URL delivery notification string',
  19: 'Invalid URL non delivery notification string',
  20: 'Missing a recipient',
  21: 'Missing binary data',
  22: 'Invalid deferred delivery time',
  23: 'Missing transaction reference number',
  24: 'Service temporarily not available',
  25: 'User access denied',
  28: 'No originator restrictions',
  29: 'Originator authorization pending',
  30: 'Originator not authorized',
  31: 'Originator already authorized',
  32: 'No notification recipient restrictions',
  33: 'Notification recipient authorization pending',
  34: 'Notification recipient not authorized',
  35: 'Notification recipient already authorized',
  36: 'Security token authorization pending',
  37: 'Security token not authorized',
  38: 'Security token not found',
  39: 'Security token already authorized',
};

/** StatusCode 1: the request was accepted. */
export const STATUS_OK = 1;

interface Mapping {
  readonly code: TransportErrorCode;
  readonly field?: string;
  readonly retryable?: boolean;
}

/** How each StatusCode becomes a TransportError; codes not listed become UNAVAILABLE. */
const MAPPING: Readonly<Record<number, Mapping>> = {
  2: { code: 'UNAVAILABLE' },
  3: { code: 'AUTH_FAILED' },
  5: { code: 'INSUFFICIENT_CREDIT' },
  6: { code: 'TIMEOUT' },
  7: { code: 'UNAVAILABLE' },
  8: { code: 'AUTH_FAILED', field: 'config.userKey' },
  9: { code: 'AUTH_FAILED', field: 'secrets.password' },
  10: { code: 'CONFIG_INVALID', field: 'config.originator' },
  11: { code: 'MESSAGE_INVALID', field: 'message.text' },
  17: { code: 'CONFIG_INVALID', field: 'config.bufferedNotificationUrl' },
  18: { code: 'CONFIG_INVALID', field: 'config.deliveryNotificationUrl' },
  19: { code: 'CONFIG_INVALID', field: 'config.nonDeliveryNotificationUrl' },
  20: { code: 'INVALID_RECIPIENT', field: 'message.to' },
  22: { code: 'MESSAGE_INVALID', field: 'deferUntil' },
  23: { code: 'MESSAGE_INVALID', field: 'references' },
  24: { code: 'UNAVAILABLE' },
  25: { code: 'AUTH_FAILED' },
  29: { code: 'CONFIG_INVALID', field: 'config.originator' },
  30: { code: 'CONFIG_INVALID', field: 'config.originator' },
};

/** The StatusCode of a `StatusCode:<n>` result, or undefined for any other text. */
export function parseStatusCode(result: string): number | undefined {
  const match = /^\s*StatusCode:\s*(\d+)\s*$/.exec(result);
  return match ? Number(match[1]) : undefined;
}

/**
 * The amount of a `Credits:<amount>` result. Credits may be fractional and written with a
 * decimal comma (`Credits:12,5`), so both separators are accepted.
 */
export function parseCredits(result: string): number | undefined {
  const match = /^\s*Credits:\s*(-?\d+(?:[.,]\d+)?)\s*$/.exec(result);
  if (!match) return undefined;
  const amount = Number(match[1]!.replace(',', '.'));
  return Number.isFinite(amount) ? amount : undefined;
}

/**
 * The TransportError of a non-OK StatusCode, keeping the numeric code and its description as the
 * upstream detail. Unknown codes become UNAVAILABLE with the code.
 */
export function statusError(status: number, operation: string, providerId?: string): TransportError {
  const description = STATUS_DESCRIPTIONS[status] ?? 'unknown status code';
  const mapping = MAPPING[status] ?? { code: 'UNAVAILABLE', retryable: false };
  return new TransportError(mapping.code, `ASPSMS ${operation} failed: StatusCode ${status} (${description})`, {
    providerId,
    upstream: { status, description },
    ...(mapping.field === undefined ? {} : { field: mapping.field }),
    ...(mapping.retryable === undefined ? {} : { retryable: mapping.retryable }),
  });
}

/**
 * ASPSMS delivery reason codes (the `<RSN>` of a notification, `ReasonCode` of an inquiry), from
 * the XML interface specification, appendix IV b. Codes 1-8 all mean "service temporarily not
 * available".
 */
export const REASON_DESCRIPTIONS: Readonly<Record<number, string>> = {
  0: 'unknown subscriber',
  ...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((code) => [code, 'service temporarily not available'])),
  9: 'illegal error code',
  10: 'network time-out',
  30: 'originator not authorized',
  31: 'originator already authorized',
  100: 'facility not supported',
  101: 'unknown subscriber',
  102: 'facility not provided',
  103: 'call barred',
  104: 'operation barred',
  105: 'SC congestion',
  106: 'facility not supported',
  107: 'absent subscriber',
  108: 'delivery fail',
  109: 'SC congestion',
  110: 'protocol error',
  111: 'MS not equipped',
  112: 'unknown SC',
  113: 'SC congestion',
  114: 'illegal MS',
  115: 'MS not a subscriber',
  116: 'error in MS',
  117: 'SMS lower layer not provisioned',
  118: 'system fail',
  119: 'PLMN system failure',
  120: 'HLR system failure',
  121: 'VLR system failure',
  122: 'previous VLR system failure',
  123: 'controlling MSC system failure',
  124: 'VMSC system failure',
  125: 'EIR system failure',
  126: 'system failure',
  127: 'unexpected data value',
  200: 'error in address service centre',
  201: 'invalid absolute validity period',
  202: 'short message exceeds maximum',
  203: 'unable to unpack GSM message',
  204: 'unable to convert to IA5 alphabet',
  205: 'invalid validity period format',
  206: 'invalid destination address',
  207: 'duplicate message submit',
  208: 'invalid message type indicator',
};

/**
 * The reason of a failed delivery as text: the 3-digit code and its description
 * (`101 unknown subscriber`), or just the code when it is not documented.
 */
export function describeReason(reasonCode: string | undefined): string | undefined {
  if (reasonCode === undefined || !/^\d{1,4}$/.test(reasonCode)) return undefined;
  const code = reasonCode.padStart(3, '0');
  const description = REASON_DESCRIPTIONS[Number(reasonCode)];
  return description === undefined ? code : `${code} ${description}`;
}

/** Delivery state of one message to one recipient, from `InquireDeliveryNotifications`. */
export type DeliveryState = 'pending' | 'delivered' | 'buffered' | 'failed' | 'unknown';

/** One delivery notification record. */
export interface DeliveryNotification {
  /** The transaction reference number given at send time. */
  readonly reference: string;
  readonly state: DeliveryState;
  /** The raw DeliveryStatus (`-1` not yet submitted, `0` delivered, `1` buffered, `2` not delivered). */
  readonly status: number;
  /** Submission time (ISO 8601 UTC; ASPSMS reports Swiss local time, CET/CEST), when reported. */
  readonly submittedAt?: string;
  /** Notification time (ISO 8601 UTC; ASPSMS reports Swiss local time, CET/CEST), when reported. */
  readonly notifiedAt?: string;
  /** The 3-digit reason code (`000` ok, `101` unknown subscriber, `206` invalid destination, ...). */
  readonly reasonCode?: string;
}

const STATES: Readonly<Record<string, DeliveryState>> = { '-1': 'pending', '0': 'delivered', '1': 'buffered', '2': 'failed' };

/**
 * The time zone of ASPSMS times (`DeferredDeliveryTime`, the dates of delivery notifications):
 * Swiss local time, CET in winter and CEST in summer. ASPSMS (VADIAN.NET AG, St. Gallen) runs an
 * ASP.NET service whose documents say it assumes "GMT+1" when no `TimeZone` is given, which is
 * the Windows name of the Central European zone *with* daylight saving time ("(GMT+01:00)
 * Amsterdam, Berlin, Bern, ..."); its examples (January) are UTC+1. A provider's `timeZone`
 * config overrides it (`Etc/GMT-1` is a fixed UTC+1).
 */
export const ASPSMS_TIME_ZONE = 'Europe/Zurich';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock fields of an instant in a time zone, as if they were UTC (milliseconds). */
function wallClock(ms: number, timeZone: string): number {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
}

/** True when `timeZone` is an IANA time zone this runtime knows (`Europe/Zurich`, `Etc/GMT-1`, `UTC`). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant of a wall-clock time in a time zone. A time that occurs twice (the hour the clocks
 * go back) is the earlier one; a time that does not exist (the hour they go forward) is read with
 * the offset before the change, so it lands after it.
 */
function instantOf(wall: number, timeZone: string): number {
  const hour = 3_600_000;
  const before = wall - (wallClock(wall - 3 * hour, timeZone) - (wall - 3 * hour));
  const after = wall - (wallClock(wall + 3 * hour, timeZone) - (wall + 3 * hour));
  const exact = [before, after].filter((t) => wallClock(t, timeZone) === wall);
  return exact.length > 0 ? Math.min(...exact) : before;
}

/** Parses an ASPSMS `ddmmyyyyhhmmss` time (Swiss local time by default, see {@link ASPSMS_TIME_ZONE}) to ISO 8601. */
export function parseAspsmsTime(value: string | undefined, timeZone: string = ASPSMS_TIME_ZONE): string | undefined {
  const m = value === undefined ? null : /^(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(value.trim());
  if (!m) return undefined;
  const [, dd, mo, yyyy, hh, mi, ss] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || dd < 1 || dd > 31 || hh > 23 || mi > 59 || ss > 59) return undefined;
  const wall = Date.UTC(yyyy, mo - 1, dd, hh, mi, ss);
  return Number.isFinite(wall) ? new Date(instantOf(wall, timeZone)).toISOString() : undefined;
}

/** Formats an instant as ASPSMS `ddmmyyyyhhmmss` in Swiss local time (or `timeZone`), the time ASPSMS reads. */
export function formatAspsmsTime(date: Date, timeZone: string = ASPSMS_TIME_ZONE): string {
  const d = new Date(wallClock(date.getTime() - (date.getTime() % 1000), timeZone));
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())}${p(d.getUTCMonth() + 1)}${p(d.getUTCFullYear(), 4)}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/**
 * Parses an `InquireDeliveryNotifications` result: one record per line,
 * `TRN;DeliveryStatus;SubmissionDate;NotificationDate;ReasonCode;;`. Records of status `-1` may
 * stop after the status. When a reference appears twice the last record wins.
 */
export function parseDeliveryNotifications(text: string, timeZone: string = ASPSMS_TIME_ZONE): DeliveryNotification[] {
  const byReference = new Map<string, DeliveryNotification>();
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().replace(/;+$/, '').split(';');
    const [reference, status, submitted, notified, reason] = fields.map((f) => f.trim());
    if (!reference || status === undefined || !/^-?\d+$/.test(status)) continue;
    const submittedAt = parseAspsmsTime(submitted, timeZone);
    const notifiedAt = parseAspsmsTime(notified, timeZone);
    byReference.set(reference, {
      reference,
      status: Number(status),
      state: STATES[String(Number(status))] ?? 'unknown',
      ...(submittedAt === undefined ? {} : { submittedAt }),
      ...(notifiedAt === undefined ? {} : { notifiedAt }),
      ...(reason ? { reasonCode: reason } : {}),
    });
  }
  return [...byReference.values()];
}
