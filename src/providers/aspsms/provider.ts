import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type https from 'node:https';
import { z } from 'zod';
import { TransportError } from '../../core/errors.js';
import { textMessageSchema, toArray, type Balance, type RecipientRejection, type SendResult, type TestStep, type TextMessage } from '../../core/messages.js';
import type { AddressCheck, DeliveryProvider, ProviderContext, SecretValues, SendOptions, VerifyInfo } from '../../core/provider.js';
import { parseWith } from '../../core/validation.js';
import { AspsmsSoapClient } from './client.js';
import type { AspsmsConfig } from './config.js';
import { estimateSms, maxUnits, type SmsEstimate } from './encoding.js';
import { rejectionOf } from '../rejections.js';
import { normalizePhone } from './phone.js';
import {
  formatAspsmsTime,
  parseCredits,
  parseDeliveryNotifications,
  parseStatusCode,
  statusError,
  STATUS_OK,
  type DeliveryNotification,
} from './status.js';
import type { AspsmsOperation } from './wsdl.js';

/** Most recipients (and references) ASPSMS takes in one request; larger sends are split. */
export const MAX_RECIPIENTS_PER_REQUEST = 1000;

/** Options of one ASPSMS send, beyond the common abort signal. */
export interface AspsmsSendOptions extends SendOptions {
  /** Deliver at this time instead of now (sent to ASPSMS in CET, the zone it assumes). */
  readonly deferUntil?: Date;
  /** Overrides the configured flash setting for this send. */
  readonly flash?: boolean;
  /** Overrides the configured `transliterate` setting for this send. */
  readonly transliterate?: boolean;
}

/** What {@link AspsmsProvider.estimate} tells about a text, before it is sent. */
export interface AspsmsEstimate extends SmsEstimate {
  /** The SOAP operation the text would go out with. */
  readonly operation: 'SendTextSMS' | 'SendUnicodeSMS';
  /** The configured limit of parts. */
  readonly maxSegments: number;
  /** False when the text needs more than `maxSegments` parts (`send` refuses it with MESSAGE_INVALID). */
  readonly fits: boolean;
}

/** The live ASPSMS provider: a text delivery provider plus delivery-status inquiry. */
export interface AspsmsProvider extends DeliveryProvider<TextMessage> {
  readonly type: 'aspsms';
  /**
   * Sends one text to one or more phone numbers: `SendTextSMS` when the text is GSM 7-bit,
   * `SendUnicodeSMS` otherwise, in batches of at most 1000 recipients (duplicates, also in other
   * spellings of the same number, are sent once). The result carries the
   * part count (`segments`) and the transaction reference per recipient (`details.references`).
   */
  send(message: TextMessage, options?: AspsmsSendOptions): Promise<SendResult>;
  /**
   * The encoding and part count a text would be sent with, without sending it: GSM 7-bit or
   * UCS-2 (and which characters force UCS-2), transliterated or not (config `transliterate`,
   * or the option), the parts per recipient and whether it fits `maxSegments`. No I/O.
   */
  estimate(text: string, options?: { readonly transliterate?: boolean }): AspsmsEstimate;
  /** `VersionInfo` (reachability, no authentication) followed by `CheckCredits` (credentials). */
  verify(options?: SendOptions): Promise<VerifyInfo>;
  /** The account's credits from `CheckCredits`; fractional amounts and decimal commas are read. */
  getBalance(options?: SendOptions): Promise<Balance>;
  /**
   * Delivery state of earlier messages by their transaction references (`details.references` of a
   * SendResult). Each inquiry may cost credits at ASPSMS: prefer notification URLs to polling.
   */
  deliveryStatus(references: readonly string[], options?: SendOptions): Promise<DeliveryNotification[]>;
  /** The IANA time zone of ASPSMS times (config `timeZone`), to read notification dates. */
  readonly timeZone: string;
  /**
   * True when `token` is this provider's notification token for the message and its recipient
   * count (the `t`, `m` and `n` of a notification URL); compared in constant time. The key is
   * derived from the UserKey and password and never leaves the provider, so a token of a
   * message sent before the password changed no longer verifies.
   */
  verifyNotificationToken(input: { readonly messageId: string; readonly recipients: number; readonly token: string }): boolean;
}

/** Host-injected I/O of the ASPSMS provider type. */
export interface AspsmsOptions {
  /** Agent for an `http:` web service address (e.g. a proxy agent). */
  readonly httpAgent?: http.Agent;
  /** Agent for an `https:` web service address (e.g. with an extra CA). */
  readonly httpsAgent?: https.Agent;
}

const sendOptionsSchema = z.object({
  deferUntil: z.date().refine((d) => Number.isFinite(d.getTime()), 'must be a valid date').optional(),
  flash: z.boolean().optional(),
  transliterate: z.boolean().optional(),
});
const referencesSchema = z
  .array(z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a reference has 1-64 letters and digits'))
  .min(1, 'at least one reference is required');
/** Characters XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF). */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Domain separation of the notification key: it is used for nothing else. */
const NOTIFICATION_KEY_INFO = 'transportkit/aspsms notification token v1';
/** Token bytes: 192 bits, 32 base64url characters. */
const TOKEN_BYTES = 24;

/** A fresh transaction reference base: 16 characters of [A-Z2-7], so per-recipient suffixes stay unique. */
function newReference(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return [...randomBytes(16)].map((b) => alphabet[b & 31]).join('');
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Builds the live provider; the password is required. */
export async function createAspsmsProvider(
  config: AspsmsConfig,
  secrets: SecretValues<'password'>,
  context: ProviderContext,
  options: AspsmsOptions,
): Promise<AspsmsProvider> {
  const { providerId, events, clock } = context;
  const password = secrets.password;
  if (password === undefined || password === '') {
    throw new TransportError('CONFIG_INVALID', 'the ASPSMS API password is not set', { providerId, field: 'secrets.password' });
  }
  const client = await AspsmsSoapClient.create({
    endpoint: config.serviceUrl,
    timeoutMs: config.timeoutMs,
    providerId,
    events,
    // The UserKey is half of the credential: redacted like the password.
    secrets: [password, config.userKey],
    ...(options.httpAgent === undefined ? {} : { httpAgent: options.httpAgent }),
    ...(options.httpsAgent === undefined ? {} : { httpsAgent: options.httpsAgent }),
  });
  const auth = { UserKey: config.userKey, Password: password };
  // Only in this closure (never a property): a printout of the provider shows no key. HKDF with
  // the UserKey as salt and a label of its own, so the key says nothing about the password.
  const notificationKey = Buffer.from(hkdfSync('sha256', password, config.userKey, NOTIFICATION_KEY_INFO, 32));
  const notificationToken = (messageId: string, recipients: number): Buffer =>
    createHmac('sha256', notificationKey).update(`${providerId}\u0000${messageId}\u0000${recipients}`).digest().subarray(0, TOKEN_BYTES);
  /** The notification URLs of a send: configured ones win, the rest are built from `notificationUrl`. */
  const notificationUrls = (messageId: string, recipients: number): { delivered: string; failed: string; buffered: string } => {
    const built = (state: string): string | undefined => {
      const base = config.notificationUrl;
      if (base === undefined) return undefined;
      const separator = !base.includes('?') ? '?' : /[?&]$/.test(base) ? '' : '&';
      const token = notificationToken(messageId, recipients).toString('base64url');
      // The <...> placeholders stay literal: ASPSMS replaces them per recipient.
      return `${base}${separator}p=${encodeURIComponent(providerId)}&m=${messageId}&n=${recipients}&t=${token}&s=${state}&trn=<TRN>&dst=<DST>&rsn=<RSN>&at=<DSCTS>`;
    };
    return {
      delivered: config.deliveryNotificationUrl ?? built('delivered') ?? '',
      failed: config.nonDeliveryNotificationUrl ?? built('failed') ?? '',
      buffered: config.bufferedNotificationUrl ?? built('buffered') ?? '',
    };
  };
  const maxLength = maxUnits('gsm7', config.maxSegments);
  let closed = false;

  const call = async (operation: AspsmsOperation, args: Record<string, string>, signal?: AbortSignal): Promise<string> => {
    if (closed) throw new TransportError('UNAVAILABLE', 'the ASPSMS provider is closed', { providerId, retryable: false });
    return client.call(operation, args, signal);
  };
  /** Throws the mapped error for a `StatusCode:<n>` other than 1, or for an answer that is no status at all. */
  const expectOk = (operation: string, result: string): void => {
    const status = parseStatusCode(result);
    if (status === STATUS_OK) return;
    if (status !== undefined) throw statusError(status, operation, providerId);
    throw new TransportError('UNAVAILABLE', `ASPSMS ${operation} returned an unexpected answer`, { providerId, details: { operation } });
  };
  const validateAddress = (address: string): AddressCheck => normalizePhone(address, config.defaultCountryCode);

  const estimate = (text: string, transliterate: boolean = config.transliterate): AspsmsEstimate => {
    const e = estimateSms(text, { transliterate });
    return { ...e, operation: e.encoding === 'gsm7' ? 'SendTextSMS' : 'SendUnicodeSMS', maxSegments: config.maxSegments, fits: e.segments <= config.maxSegments };
  };

  const checkText = (text: string, transliterate: boolean | undefined): AspsmsEstimate => {
    if (NOT_XML.test(text)) {
      throw new TransportError('MESSAGE_INVALID', 'invalid message: message.text contains control characters an SMS cannot carry', { providerId, field: 'message.text' });
    }
    const length = estimate(text, transliterate);
    if (!length.fits) {
      const limit = maxUnits(length.encoding, config.maxSegments);
      const alphabet = length.encoding === 'gsm7' ? 'GSM 7-bit' : `Unicode (UCS-2, because of ${length.unicodeCharacters.slice(0, 5).join(' ')})`;
      throw new TransportError(
        'MESSAGE_INVALID',
        `invalid message: message.text needs ${length.segments} SMS parts (${length.units} ${alphabet} units); at most ${config.maxSegments} parts (${limit} units) are allowed`,
        {
          providerId,
          field: 'message.text',
          details: { encoding: length.encoding, units: length.units, segments: length.segments, perSegment: length.perSegment, unicodeCharacters: length.unicodeCharacters, maxSegments: config.maxSegments },
        },
      );
    }
    return length;
  };

  const checkRecipients = (to: TextMessage['to']): string[] => {
    const raw = toArray(to);
    const rejected: string[] = [];
    const normalized = new Set<string>();
    raw.forEach((address) => {
      const check = validateAddress(address);
      if (check.ok) normalized.add(check.normalized);
      else rejected.push(String(address));
    });
    if (rejected.length > 0) {
      const index = raw.findIndex((a) => rejected.includes(String(a)));
      const rejections: RecipientRejection[] = rejected.map((recipient) => {
        const check = validateAddress(recipient);
        return { recipient, temporary: false, code: 'INVALID_RECIPIENT', ...(check.ok ? {} : { description: check.reason }) };
      });
      throw new TransportError('INVALID_RECIPIENT', `invalid phone number(s): ${rejected.join(', ')}`, {
        providerId,
        field: Array.isArray(to) ? `message.to[${index}]` : 'message.to',
        upstream: { rejected },
        details: { rejections },
      });
    }
    return [...normalized];
  };

  const provider: AspsmsProvider = {
    kind: 'delivery',
    id: providerId,
    type: 'aspsms',
    channel: 'sms',
    capabilities: {
      message: 'text',
      balance: true,
      maxLength,
      unicode: true,
      attachments: false,
      deliveryReceipts: true,
      multipleRecipients: true,
    },
    validateAddress,
    timeZone: config.timeZone,

    verifyNotificationToken(input) {
      const { messageId, recipients, token } = input ?? ({} as typeof input);
      if (typeof messageId !== 'string' || typeof token !== 'string' || !Number.isSafeInteger(recipients) || recipients < 1) return false;
      if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) return false;
      const given = Buffer.from(token, 'base64url');
      const expected = notificationToken(messageId, recipients);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },

    estimate(text, o = {}) {
      const parsed = parseWith(textMessageSchema.shape.text, text, 'MESSAGE_INVALID', 'text', providerId);
      return estimate(parsed, o.transliterate ?? config.transliterate);
    },

    async send(message: TextMessage, sendOptions: AspsmsSendOptions = {}): Promise<SendResult> {
      const parsed = parseWith(textMessageSchema, message, 'MESSAGE_INVALID', 'message', providerId) as TextMessage;
      const extra = parseWith(
        sendOptionsSchema,
        { deferUntil: sendOptions.deferUntil, flash: sendOptions.flash, transliterate: sendOptions.transliterate },
        'MESSAGE_INVALID',
        'options',
        providerId,
      );
      const recipients = checkRecipients(parsed.to);
      const { encoding, segments, operation, text, transliterated, replaced, unicodeCharacters } = checkText(parsed.text, extra.transliterate ?? config.transliterate);
      const messageId = newReference();
      const references: Record<string, string> = {};
      recipients.forEach((r, i) => (references[r] = `${messageId}${i}`));
      const urls = notificationUrls(messageId, recipients.length);
      const common = {
        ...auth,
        Originator: config.originator,
        MessageText: text,
        DeferredDeliveryTime: extra.deferUntil === undefined ? '' : formatAspsmsTime(extra.deferUntil, config.timeZone),
        FlashingSMS: (extra.flash ?? config.flash) ? 'True' : '',
        TimeZone: '',
        URLBufferedMessageNotification: urls.buffered,
        URLDeliveryNotification: urls.delivered,
        URLNonDeliveryNotification: urls.failed,
        AffiliateId: config.affiliateId ?? '',
      };
      const accepted: string[] = [];
      const rejected: string[] = [];
      const rejections: RecipientRejection[] = [];
      const failures: { recipients: number; code: string; status?: unknown; message: string }[] = [];
      const batches = chunks(recipients, MAX_RECIPIENTS_PER_REQUEST);
      for (const batch of batches) {
        try {
          const result = await call(operation, { ...common, Recipients: batch.map((r) => `${r}:${references[r]}`).join(';') }, sendOptions.signal);
          expectOk(operation, result);
          accepted.push(...batch);
          events.debug('aspsms.batch', `${operation} accepted ${batch.length} recipient(s)`, { operation, recipients: batch.length, segments });
        } catch (error) {
          // Nothing was sent yet: fail the whole send. Later batches cannot be undone, so report them as rejected.
          if (accepted.length === 0 || !(error instanceof TransportError)) throw error;
          rejected.push(...batch);
          rejections.push(...batch.map((recipient) => rejectionOf(recipient, error)));
          failures.push({ recipients: batch.length, code: error.code, status: error.upstream?.status, message: error.message });
          events.warn('aspsms.batch.failed', `a batch of ${batch.length} recipient(s) failed after earlier batches were sent: ${error.message}`, {
            code: error.code,
            upstream: error.upstream,
          });
        }
      }
      return {
        providerId,
        messageId,
        accepted,
        rejected,
        ...(rejections.length === 0 ? {} : { rejections }),
        segments,
        details: {
          operation,
          encoding,
          transliterated,
          ...(transliterated ? { replaced } : {}),
          ...(unicodeCharacters.length === 0 ? {} : { unicodeCharacters }),
          references: Object.fromEntries(accepted.map((r) => [r, references[r]])),
          batches: batches.length,
          ...(failures.length === 0 ? {} : { failures }),
          ...(extra.deferUntil === undefined ? {} : { deferredUntil: extra.deferUntil.toISOString() }),
        },
      };
    },

    async getBalance(opts: SendOptions = {}): Promise<Balance> {
      const result = await call('CheckCredits', auth, opts.signal);
      const amount = parseCredits(result);
      if (amount === undefined) {
        expectOk('CheckCredits', result);
        throw new TransportError('UNAVAILABLE', 'ASPSMS CheckCredits returned no credit amount', { providerId });
      }
      events.debug('aspsms.credits', `${amount} credits`, { amount });
      return { amount, unit: 'credits', checkedAt: new Date(clock.now()).toISOString() };
    },

    /**
     * Reachability and credentials: `VersionInfo` needs no authentication, so it only proves the
     * endpoint speaks ASPSMSX2; `CheckCredits` then proves the UserKey and password (and sends nothing).
     */
    async verify(opts: SendOptions = {}): Promise<VerifyInfo> {
      const version = (await call('VersionInfo', {}, opts.signal)).trim();
      const balance = await provider.getBalance(opts);
      return { detail: `ASPSMS ${version || '(no version reported)'}; credentials accepted (${balance.amount} credits)` };
    },

    async deliveryStatus(refs: readonly string[], opts: SendOptions = {}): Promise<DeliveryNotification[]> {
      const list = parseWith(referencesSchema, [...refs], 'MESSAGE_INVALID', 'references', providerId);
      const out: DeliveryNotification[] = [];
      for (const batch of chunks([...new Set(list)], MAX_RECIPIENTS_PER_REQUEST)) {
        const result = await call('InquireDeliveryNotifications', { ...auth, TransactionReferenceNumbers: batch.join(';') }, opts.signal);
        if (parseStatusCode(result) !== undefined) {
          expectOk('InquireDeliveryNotifications', result);
          continue;
        }
        out.push(...parseDeliveryNotifications(result, config.timeZone));
      }
      return out;
    },

    async diagnostics(): Promise<Omit<TestStep, 'durationMs'>[]> {
      if (!/^\+\d+$/.test(config.originator)) {
        return [{ name: 'originator', ok: true, detail: `alphanumeric originator "${config.originator}" (no unlock needed)` }];
      }
      try {
        const status = parseStatusCode(await call('CheckOriginatorAuthorization', { ...auth, Originator: config.originator }));
        if (status === 31) return [{ name: 'originator', ok: true, detail: `numeric originator ${config.originator} is authorized` }];
        if (status === 30) {
          return [{ name: 'originator', ok: false, code: 'CONFIG_INVALID', detail: `numeric originator ${config.originator} is not unlocked for this account` }];
        }
        const error = status === undefined ? undefined : statusError(status, 'CheckOriginatorAuthorization', providerId);
        return [{ name: 'originator', ok: false, code: error?.code ?? 'UNAVAILABLE', detail: error?.message ?? 'unexpected answer to CheckOriginatorAuthorization' }];
      } catch (error) {
        const e = error instanceof TransportError ? error : new TransportError('UNAVAILABLE', String(error));
        return [{ name: 'originator', ok: false, code: e.code, detail: e.message }];
      }
    },

    async close(): Promise<void> {
      closed = true;
      client.close();
    },
  };
  return provider;
}
