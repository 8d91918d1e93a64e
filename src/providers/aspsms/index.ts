/**
 * SMS through ASPSMS (`transportkit/aspsms`): the provider type `aspsms()` on the ASPSMSX2 SOAP
 * web service of VADIAN.NET AG, with a WSDL built into the package, GSM 7-bit / Unicode
 * selection and part counting (`smsLength()`), recipients normalised to one international form,
 * credit balance and delivery status: notification URLs with an unguessable token and their
 * handler (`createAspsmsNotificationHandler`), or polling (`pollAspsmsDeliveryStatus`). The
 * `soap` client is loaded on the first request, so importing this subpath costs little.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { aspsms, aspsmsSendDetails, isAspsmsProvider, smsLength } from 'transportkit/aspsms';
 *
 * const registry = createRegistry({ types: [aspsms()] });
 * const sms = await registry.create({
 *   type: 'aspsms',
 *   name: 'SMS',
 *   config: { userKey: 'ABCDEFGHIJKL', originator: 'MyShop' },
 *   secrets: { password: process.env.ASPSMS_PASSWORD! },
 * });
 * smsLength('Grüezi!');   // { encoding: 'gsm7', units: 7, segments: 1, ... }
 * const result = await registry.send(sms.id, { to: '+41 79 123 45 67', text: 'Grüezi!' });
 * const references = Object.values(aspsmsSendDetails(result)?.references ?? {});
 * const provider = await registry.resolve(sms.id);
 * if (isAspsmsProvider(provider)) console.log(await provider.deliveryStatus(references));
 * ```
 *
 * @module transportkit/aspsms
 */
import type { SendResult } from '../../core/messages.js';
import type { ProviderType } from '../../core/provider.js';
import { aspsmsConfigSchema, type AspsmsConfig } from './config.js';
import type { SmsEncoding } from './encoding.js';
import { createAspsmsProvider, type AspsmsOptions, type AspsmsProvider } from './provider.js';

export { isAspsmsProvider } from './notifications.js';

/** The ASPSMS provider type: its id, config schema and secret fields. */
export type AspsmsProviderType = ProviderType<AspsmsConfig, 'password', AspsmsProvider, 'aspsms'>;

/**
 * Creates the ASPSMS provider type to register with `createRegistry({ types: [aspsms()] })`.
 * The configuration holds the UserKey, originator, web service address, timeout and limits; the
 * API password is the secret field `password`, stored sealed.
 *
 * @param options - host-injected I/O (HTTP agents for a proxy or a private CA).
 */
export function aspsms(options: AspsmsOptions = {}): AspsmsProviderType {
  return {
    type: 'aspsms',
    kind: 'delivery',
    channel: 'sms',
    configSchema: aspsmsConfigSchema,
    secretFields: ['password'],
    create: (config, secrets, context) => createAspsmsProvider(config, secrets, context, options),
  };
}


/** What an ASPSMS send puts in `SendResult.details`. */
export interface AspsmsSendDetails {
  /** The SOAP operation used: `SendTextSMS` (GSM 7-bit) or `SendUnicodeSMS`. */
  readonly operation: 'SendTextSMS' | 'SendUnicodeSMS';
  readonly encoding: SmsEncoding;
  /** True when the text was transliterated to GSM 7-bit (config or option `transliterate`). */
  readonly transliterated: boolean;
  /** The characters replaced by their GSM 7-bit equivalent, when transliterated. */
  readonly replaced?: readonly string[];
  /** The characters that made the text UCS-2, when it was sent with `SendUnicodeSMS`. */
  readonly unicodeCharacters?: readonly string[];
  /** The transaction reference per accepted recipient (international form), for `deliveryStatus()`. */
  readonly references: Readonly<Record<string, string>>;
  /** Requests made (at most 1000 recipients each). */
  readonly batches: number;
  /** Batches that failed after an earlier one was sent; their recipients are in `rejected` and `rejections`. */
  readonly failures?: readonly { readonly recipients: number; readonly code: string; readonly status?: unknown; readonly message: string }[];
  /** The deferred delivery time, when `deferUntil` was given (ISO). */
  readonly deferredUntil?: string;
}

/**
 * The ASPSMS details of a send result, typed: the transaction references to pass to
 * `deliveryStatus()`, the encoding and the batches. `undefined` for a result of another provider.
 */
export function aspsmsSendDetails(result: SendResult): AspsmsSendDetails | undefined {
  const details = result.details as Partial<AspsmsSendDetails> | undefined;
  const ok =
    (details?.operation === 'SendTextSMS' || details?.operation === 'SendUnicodeSMS') &&
    typeof details.references === 'object' &&
    details.references !== null &&
    Object.values(details.references).every((r) => typeof r === 'string');
  return ok ? (details as AspsmsSendDetails) : undefined;
}

export { aspsmsConfigSchema } from './config.js';
export type { AspsmsConfig, AspsmsConfigInput } from './config.js';
export type { AspsmsOptions, AspsmsProvider, AspsmsSendOptions, AspsmsEstimate } from './provider.js';
export { isGsm7, smsLength, estimateSms, transliterateToGsm7 } from './encoding.js';
export type { SmsEncoding, SmsLength, SmsEstimate, Gsm7Transliteration } from './encoding.js';
export { ASPSMS_TIME_ZONE } from './status.js';
export type { DeliveryNotification, DeliveryState } from './status.js';
export { createAspsmsNotificationHandler, createAspsmsNotificationListener, pollAspsmsDeliveryStatus } from './notifications.js';
export type {
  AspsmsNotificationRegistry,
  AspsmsNotificationHandlerOptions,
  AspsmsPollResult,
  AspsmsPolledRecipient,
} from './notifications.js';

/**
 * Internal: exported for this repository's own tests, hidden from the typings and the docs, not
 * part of the public API (may change in any release).
 *
 * @internal
 */
export { maxUnits } from './encoding.js';
/** @internal */
export { normalizePhone, normalizeOriginator } from './phone.js';
/** @internal */
export { STATUS_DESCRIPTIONS, REASON_DESCRIPTIONS, describeReason, parseStatusCode, parseCredits, parseDeliveryNotifications, statusError, formatAspsmsTime, parseAspsmsTime } from './status.js';
/** @internal */
export { ASPSMS_WSDL, ASPSMS_NAMESPACE, ASPSMS_OPERATIONS } from './wsdl.js';
