/**
 * The SMTP e-mail provider type (`transportkit/smtp`): nodemailer with pooled connections,
 * implicit TLS or STARTTLS, AUTH with a sealed password, a redacted SMTP transcript at event
 * level `debug`, and optional S/MIME signing (detached `multipart/signed`, SHA-256) with a
 * certificate from a PKCS#12 bundle or PEM, selected by serial number.
 *
 * @packageDocumentation
 */
import type { ProviderType } from '../../core/provider.js';
import { SMTP_SECRET_FIELDS, smtpConfigSchema, type SmtpConfig, type SmtpSecretField } from './config.js';
import { createSmtpProvider, type SmtpOptions, type SmtpProvider } from './provider.js';

export { SMTP_SECRET_FIELDS, smtpConfigSchema, effectivePort } from './config.js';
export type { SmtpConfig, SmimeConfig, SmtpSecretField, StartTlsMode } from './config.js';
export type { SmtpOptions, SmtpProvider } from './provider.js';
export { mapSmtpError } from './errors.js';
export { checkCertificate, evaluateIdentity, certificateEmails } from './smime/certificate.js';
export type { CertificateCheck, CertificateCheckName, CertificateCheckOptions, CertificateReadiness, CertificateSummary } from './smime/certificate.js';
export { loadSmimeIdentity, normalizeSerial, formatSerial } from './smime/identity.js';
export type { SmimeIdentity, SmimeSource } from './smime/identity.js';
export { createDetachedSigner, derSetOrder } from './smime/cms.js';
export type { DetachedSigner } from './smime/cms.js';
export { smimeSignPlugin } from './smime/plugin.js';
export { redactClientLine } from './transcript.js';

/** The SMTP provider type: what `smtp()` returns and `createRegistry({ types })` takes. */
export type SmtpProviderType = ProviderType<SmtpConfig, SmtpSecretField, SmtpProvider>;

/**
 * The SMTP e-mail provider type. Register it with the registry; each record's `config` is
 * validated by {@link smtpConfigSchema} and its secrets (`password`, `smimePkcs12`, `smimeKey`,
 * `smimePassphrase`) are stored sealed.
 *
 * @param options - host-side options (extra TLS settings, pool idle timeout).
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
    create: (config, secrets, context) => createSmtpProvider(config, secrets, context, options),
  };
}
