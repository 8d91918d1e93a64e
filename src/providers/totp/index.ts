/**
 * Second factors (`transportkit/totp`): the TOTP authenticator (RFC 6238, otplib 13) as the
 * verifier kind of provider, with enrolment, one-time acceptance of each code and a lock-out
 * that holds across app instances; and `createSecondFactor()`, one API that sends a one-time
 * code through any delivery provider (SMS, e-mail, Threema) or delegates to the authenticator.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { createSecondFactor, resolveTotp, totp } from 'transportkit/totp';
 *
 * const registry = createRegistry({ types: [totp()] });
 * const { id } = await registry.create({ type: 'totp', name: 'Authenticator app', config: { issuer: 'ACME' } });
 * const auth = await resolveTotp(registry, id);
 * const { uri } = await auth.enroll('user-1', { label: 'alice@example.org' });   // show as a QR code
 *
 * const secondFactor = createSecondFactor({ registry });
 * await secondFactor.challenge('user-1', { providerId: id });   // the app: nothing is sent
 * const result = await secondFactor.verify('user-1', '123456');   // { ok: false, reason: 'not-confirmed' }
 * console.log(uri, result);
 * ```
 *
 * @module transportkit/totp
 */
import type { CryptoPlugin } from 'otplib';
import { TransportError } from '../../core/errors.js';
import type { ProviderType, TransportProvider } from '../../core/provider.js';
import type { ProviderRegistry } from '../../registry/registry.js';
import { totpConfigSchema, type TotpConfig } from './config.js';
import { OtpEngine } from './otp.js';
import { TOTP_BRAND, TotpAuthenticator, type TotpProvider } from './provider.js';

/** Options of the {@link totp} provider type factory (host-injected, not stored). */
export interface TotpTypeOptions {
  /**
   * otplib crypto plugin, e.g. `new NodeCryptoPlugin()` from `@otplib/plugin-crypto-node`;
   * default: otplib's built-in (noble) plugin.
   */
  readonly crypto?: CryptoPlugin;
}

/** The TOTP provider type: record type `totp`, channel `totp`, no record secrets. */
export type TotpProviderType = ProviderType<TotpConfig, never, TotpProvider, 'totp'>;

/**
 * The TOTP provider type for `createRegistry({ types: [...] })`. Its records hold only the
 * issuer and code parameters; per-user secrets are sealed in `storage.totp`.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ types: [totp()] });
 * const { id } = await registry.create({ type: 'totp', config: { issuer: 'ACME' } });
 * const auth = await resolveTotp(registry, id);
 * const { uri } = await auth.enroll('user-1', { label: 'alice@example.org' });
 * ```
 */
export function totp(options: TotpTypeOptions = {}): TotpProviderType {
  return {
    type: 'totp',
    kind: 'verifier',
    channel: 'totp',
    configSchema: totpConfigSchema,
    secretFields: [],
    create(config, _secrets, context) {
      return new TotpAuthenticator(config, context, new OtpEngine(config, options.crypto));
    },
  };
}

/** True when a live provider is a TOTP provider (works across package copies). */
export function isTotpProvider(provider: TransportProvider): provider is TotpProvider {
  return provider.kind === 'verifier' && (provider as unknown as Record<symbol, unknown>)[TOTP_BRAND] === true;
}

/** The live TOTP provider of a record, typed; `UNSUPPORTED` when the record is another type. */
export async function resolveTotp(registry: ProviderRegistry, id: string): Promise<TotpProvider> {
  const provider = await registry.resolve(id);
  if (!isTotpProvider(provider)) {
    throw new TransportError('UNSUPPORTED', `provider ${id} (${provider.type}) is not a TOTP provider`, { providerId: id });
  }
  return provider;
}

export { totpConfigSchema } from './config.js';
export type { TotpConfig, TotpAlgorithm } from './config.js';
export type { TotpProvider, TotpEnrollment, TotpStatus, EnrollOptions, ImportOptions } from './provider.js';
export { SecondFactor, createSecondFactor } from './second-factor.js';
export type { SecondFactorOptions, RecoveryCodeOptions, ChallengeOptions, ChallengeInfo, PendingChallenge } from './second-factor.js';
export { DEFAULT_TEMPLATES } from './templates.js';
export type { CodeTemplate, CodeTemplates, CodeTemplateOverrides } from './templates.js';
