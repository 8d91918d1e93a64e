import { z } from 'zod';
import { normalizeOriginator } from './phone.js';
import { ASPSMS_TIME_ZONE, isTimeZone } from './status.js';
import { ASPSMS_DEFAULT_ENDPOINT } from './wsdl.js';

/** The query parameters the provider adds to `notificationUrl` (the handler reads them). */
export const NOTIFICATION_PARAMETERS: readonly string[] = ['p', 'm', 'n', 't', 's', 'trn', 'dst', 'rsn', 'at'];

/** Most parts ASPSMS concatenates into one message in practice. */
export const MAX_SEGMENTS_LIMIT = 9;

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(2000)
    .superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `${what} must be an absolute http(s) URL` });
        return;
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `${what} must use http or https` });
      if (url.username !== '' || url.password !== '') ctx.addIssue({ code: 'custom', message: `${what} must not contain credentials` });
    });

/** zod schema of the ASPSMS configuration (the non-secret fields; the password is a secret). */
export const aspsmsConfigSchema = z.object({
  /** The account's API key ("UserKey"). */
  userKey: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9]{1,64}$/, 'the UserKey has 1-64 letters and digits'),
  /** What recipients see as the sender: at most 11 alphanumeric characters, or an unlocked phone number. */
  originator: z
    .string()
    .superRefine((value, ctx) => {
      const check = normalizeOriginator(value);
      if (!check.ok) ctx.addIssue({ code: 'custom', message: check.reason });
    })
    .transform((value) => {
      const check = normalizeOriginator(value);
      return check.ok ? check.normalized : value;
    }),
  /** The web service address (the SOAP endpoint); the WSDL is built in, never fetched. */
  serviceUrl: httpUrl('serviceUrl').default(ASPSMS_DEFAULT_ENDPOINT),
  /** Request timeout in milliseconds; a request that takes longer fails with TIMEOUT. */
  timeoutMs: z.number().int().min(50).max(300_000).default(30_000),
  /** Longest text accepted, in SMS parts (1-9); longer texts fail with MESSAGE_INVALID. */
  maxSegments: z.number().int().min(1).max(MAX_SEGMENTS_LIMIT).default(MAX_SEGMENTS_LIMIT),
  /** Send as flash SMS (shown at once, not stored) unless a send says otherwise. */
  flash: z.boolean().default(false),
  /**
   * The public http(s) URL of the host's notification handler (`createAspsmsNotificationHandler`).
   * When set, every send fills the three notification URLs itself (a URL configured below wins
   * for its kind): this URL plus the provider and message, an unguessable token bound to them
   * and the ASPSMS placeholders. The token is derived from the UserKey and password: changing
   * the password invalidates the links of messages sent before (poll those instead).
   */
  notificationUrl: httpUrl('notificationUrl')
    .refine((value) => !value.includes('#'), 'notificationUrl must not have a fragment (#)')
    .refine((value) => !/[<>]/.test(value), 'notificationUrl must not contain < or > (the provider adds the ASPSMS placeholders itself)')
    .refine((value) => {
      try {
        return ![...new URL(value).searchParams.keys()].some((key) => NOTIFICATION_PARAMETERS.includes(key));
      } catch {
        return true; // httpUrl reports it
      }
    }, 'the query of notificationUrl must not use the parameters the provider adds (p, m, n, t, s, trn, dst, rsn, at)')
    .optional(),
  /** URL ASPSMS calls when a message was delivered (`<TRN>`, `<RCPNT>`, ... placeholders or the TRN appended). */
  deliveryNotificationUrl: httpUrl('deliveryNotificationUrl').optional(),
  /** URL ASPSMS calls when a message finally failed. */
  nonDeliveryNotificationUrl: httpUrl('nonDeliveryNotificationUrl').optional(),
  /** URL ASPSMS calls when a message was buffered (recipient not reachable yet). */
  bufferedNotificationUrl: httpUrl('bufferedNotificationUrl').optional(),
  /** Affiliate partner id, sent as `AffiliateId`. */
  affiliateId: z
    .string()
    .regex(/^[A-Za-z0-9]{1,32}$/, 'the affiliate id has 1-32 letters and digits')
    .optional(),
  /**
   * Replace characters outside the GSM 7-bit alphabet by a close equivalent (`ç ê á`, tabs,
   * smart quotes, dashes) when that makes the whole text GSM 7-bit, instead of sending it as
   * UCS-2 at 2-3 times the parts. A text with a character without one (an emoji) is sent
   * unchanged in UCS-2. Off by default: it changes the text. A send can override it.
   */
  transliterate: z.boolean().default(false),
  /**
   * The IANA time zone of ASPSMS times (deferred delivery, delivery notification dates): Swiss
   * local time (`Europe/Zurich`, CET/CEST) by default; `Etc/GMT-1` is a fixed UTC+1.
   */
  timeZone: z
    .string()
    .refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Zurich')
    .default(ASPSMS_TIME_ZONE),
  /** Country calling code (e.g. `41`) used to read national numbers such as `079 123 45 67`. */
  defaultCountryCode: z
    .string()
    .regex(/^[1-9]\d{0,2}$/, 'a country calling code has 1-3 digits and does not start with 0')
    .optional(),
});

/** The validated ASPSMS configuration. */
export type AspsmsConfig = z.output<typeof aspsmsConfigSchema>;
/** The ASPSMS configuration as a host writes it (defaults optional). */
export type AspsmsConfigInput = z.input<typeof aspsmsConfigSchema>;
