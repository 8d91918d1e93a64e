/**
 * The ASPSMS SMS provider type (`transportkit/aspsms`): SMS through the ASPSMSX2 SOAP web service of
 * VADIAN.NET AG, with a WSDL built into the package, GSM 7-bit / Unicode selection and part
 * counting, recipients normalised to one international form, credit balance and delivery status.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { aspsms } from 'transportkit/aspsms';
 *
 * const registry = createRegistry({ types: [aspsms()] });
 * const sms = await registry.create({
 *   type: 'aspsms',
 *   name: 'SMS',
 *   config: { userKey: 'ABCDEFGHIJKL', originator: 'MyShop' },
 *   secrets: { password: process.env.ASPSMS_PASSWORD! },
 * });
 * await registry.send(sms.id, { to: '+41 79 123 45 67', text: 'Grüezi!' });
 * ```
 *
 * @packageDocumentation
 */
import type { ProviderType } from '../../core/provider.js';
import { aspsmsConfigSchema, type AspsmsConfig } from './config.js';
import { createAspsmsProvider, type AspsmsOptions, type AspsmsProvider } from './provider.js';

/** The ASPSMS provider type: its id, config schema and secret fields. */
export type AspsmsProviderType = ProviderType<AspsmsConfig, 'password', AspsmsProvider>;

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

/** True when a live provider is an ASPSMS provider (to reach `deliveryStatus`). */
export function isAspsmsProvider(provider: { readonly type: string }): provider is AspsmsProvider {
  return provider.type === 'aspsms';
}

export { aspsmsConfigSchema, MAX_SEGMENTS_LIMIT } from './config.js';
export type { AspsmsConfig, AspsmsConfigInput } from './config.js';
export { MAX_RECIPIENTS_PER_REQUEST } from './provider.js';
export type { AspsmsOptions, AspsmsProvider, AspsmsSendOptions } from './provider.js';
export { isGsm7, smsLength, maxUnits, SEGMENT_LIMITS } from './encoding.js';
export type { SmsEncoding, SmsLength } from './encoding.js';
export { normalizePhone, normalizeOriginator } from './phone.js';
export { STATUS_DESCRIPTIONS, parseStatusCode, parseCredits, parseDeliveryNotifications, statusError } from './status.js';
export type { DeliveryNotification, DeliveryState } from './status.js';
export { ASPSMS_WSDL, ASPSMS_NAMESPACE, ASPSMS_DEFAULT_ENDPOINT, ASPSMS_OPERATIONS } from './wsdl.js';
export type { AspsmsOperation } from './wsdl.js';
