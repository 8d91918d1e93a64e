/**
 * SMTP e-mail (`transportkit/smtp`): the provider type `smtp()` on nodemailer with pooled
 * connections, implicit TLS or STARTTLS, AUTH with a sealed password, a redacted SMTP transcript
 * at event level `debug`, and optional S/MIME signing (detached `multipart/signed`, SHA-256) with
 * a certificate from a PKCS#12 bundle or PEM, selected by serial number; `checkCertificate()`
 * tells whether a certificate is ready to sign for a sender. OAuth2 (SASL XOAUTH2) for Microsoft
 * 365 (client credentials) and Google (refresh token) or a host's token callback; DKIM signing
 * of the final (S/MIME-signed) message, with `checkDkim()` for the "DKIM ready" report.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { createRegistry } from 'transportkit';
 * import { smtp, checkCertificate } from 'transportkit/smtp';
 *
 * const pkcs12 = readFileSync('noreply.p12').toString('base64');
 * const ready = checkCertificate({ pkcs12, passphrase: process.env.SMIME_PASSPHRASE, from: 'noreply@example.org' });
 * if (!ready.ready) console.log(ready.checks.filter((c) => !c.ok));
 *
 * const registry = createRegistry({ types: [smtp()] });
 * const mail = await registry.create({
 *   type: 'smtp',
 *   name: 'Office relay',
 *   config: { host: 'smtp.example.org', username: 'app', from: 'noreply@example.org', smime: {} },
 *   secrets: { password: process.env.SMTP_PASSWORD!, smimePkcs12: pkcs12, smimePassphrase: process.env.SMIME_PASSPHRASE! },
 * });
 * await registry.send(mail.id, { to: 'anna@example.org', subject: 'Signed', text: 'Hello' });
 * ```
 *
 * @module transportkit/smtp
 */
import type { ProviderType } from '../../core/provider.js';
import { SMTP_SECRET_FIELDS, smtpConfigSchema, type SmtpConfig, type SmtpSecretField } from './config.js';
import { createSmtpProvider, defaultEhloName, type SmtpOptions, type SmtpProvider } from './provider.js';

export { smtpConfigSchema, SMTP_SECRET_FIELDS } from './config.js';
export type { SmtpConfig, SmimeConfig, SmtpSecretField, StartTlsMode, OAuth2Config, OAuth2Provider, DkimConfig, DkimCanonicalization } from './config.js';
export type { SmtpOptions, SmtpProvider } from './provider.js';
export type { OAuth2TokenCallback, OAuth2TokenRequest, OAuth2TokenResult } from './oauth2/flows.js';
export { checkDkim } from './dkim/readiness.js';
export type { DkimCheck, DkimCheckName, DkimCheckOptions, DkimReadiness, TxtResolver } from './dkim/readiness.js';
export type { FetchLike, FetchInit, FetchResponse } from '../http.js';
export { checkCertificate } from './smime/certificate.js';
export type { CertificateCheck, CertificateCheckName, CertificateCheckOptions, CertificateReadiness, CertificateSummary } from './smime/certificate.js';
export type { SmimeSource } from './smime/identity.js';

/** The SMTP provider type: what `smtp()` returns and `createRegistry({ types })` takes. */
export type SmtpProviderType = ProviderType<SmtpConfig, SmtpSecretField, SmtpProvider, 'smtp'>;

/**
 * The SMTP e-mail provider type. Register it with the registry; each record's `config` is
 * validated by {@link smtpConfigSchema} and its secrets (`password`, `smimePkcs12`, `smimeKey`,
 * `smimePassphrase`, `oauth2ClientSecret`, `oauth2RefreshToken`, `oauth2CertificateKey`,
 * `dkimPrivateKey`) are stored sealed.
 *
 * @param options - host-side options (extra TLS settings, pool idle timeout, the OAuth2 token
 *   callback and HTTP client, the DNS resolver of the DKIM check).
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { smtp } from 'transportkit/smtp';
 *
 * const registry = createRegistry({ types: [smtp()] });
 * const mail = await registry.create({
 *   type: 'smtp',
 *   name: 'Office relay',
 *   config: { host: 'smtp.example.org', port: 587, username: 'app', from: 'noreply@example.org' },
 *   secrets: { password: process.env.SMTP_PASSWORD! },
 * });
 * await registry.send(mail.id, { to: 'a@example.org', subject: 'Hi', text: 'Hello' });
 * ```
 */
export function smtp(options: SmtpOptions = {}): SmtpProviderType {
  return {
    type: 'smtp',
    kind: 'delivery',
    channel: 'email',
    configSchema: smtpConfigSchema,
    secretFields: SMTP_SECRET_FIELDS,
    create: async (config, secrets, context) => createSmtpProvider(config, secrets, context, options, config.ehloName ?? (await defaultEhloName())),
  };
}

/**
 * Internal: exported for this repository's own tests, hidden from the typings and the docs, not
 * part of the public API (may change in any release).
 *
 * @internal
 */
export { effectivePort } from './config.js';
/** @internal */
export { mapSmtpError } from './errors.js';
/** @internal */
export { normalizeSerial, formatSerial } from './smime/identity.js';
/** @internal */
export { derSetOrder } from './smime/cms.js';
/** @internal */
export { redactClientLine } from './transcript.js';
