import type { ConnectionOptions } from 'node:tls';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { TransportError } from '../../core/errors.js';
import { addressOf, isEmailAddress, type EmailMessage, type SendResult } from '../../core/messages.js';
import type { AddressCheck, DeliveryProvider, ProviderContext, SecretValues, SendOptions } from '../../core/provider.js';
import { effectivePort, type SmtpConfig, type SmtpSecretField } from './config.js';
import { mapSmtpError } from './errors.js';
import { parseEmailMessage, senderOf, toMailOptions } from './message.js';
import { evaluateIdentity, type CertificateReadiness } from './smime/certificate.js';
import { createDetachedSigner } from './smime/cms.js';
import { loadSmimeIdentity, type SmimeIdentity } from './smime/identity.js';
import { smimeSignPlugin } from './smime/plugin.js';
import { transcriptLogger, type ConnectionInfo } from './transcript.js';

/** Host-side options of the SMTP provider type (not stored in records). */
export interface SmtpOptions {
  /** Extra TLS options for every connection (e.g. `minVersion`, `ciphers`); the config's TLS fields win. */
  readonly tls?: Readonly<ConnectionOptions>;
  /** Milliseconds an idle pooled connection stays open (default 4 minutes). */
  readonly idleTimeoutMs?: number;
}

/** The live SMTP provider: a {@link DeliveryProvider} for e-mail, plus its certificate report. */
export interface SmtpProvider extends DeliveryProvider<EmailMessage> {
  /** The "certificate ready" indicator for the default from address, or undefined when S/MIME is off. */
  certificateReadiness(): CertificateReadiness | undefined;
}

function checkSecrets(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>, providerId: string): void {
  if (config.username !== undefined && secrets.password === undefined) {
    throw new TransportError('CONFIG_INVALID', 'username is set but the password is not (set the secret "password")', {
      providerId,
      field: 'secrets.password',
    });
  }
  if (config.username === undefined && secrets.password !== undefined) {
    throw new TransportError('CONFIG_INVALID', 'a password is set but no username', { providerId, field: 'config.username' });
  }
}

function transportOptions(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>, options: SmtpOptions, context: ProviderContext): SMTPPoolOptions {
  const onConnection = (info: ConnectionInfo) => {
    if (!config.ignoreCertificateErrors) return;
    context.events.warn('smtp.tls.unverified', `certificate errors are ignored on this connection to ${config.host}:${effectivePort(config)}`, {
      host: config.host,
      remoteAddress: info.remoteAddress,
      remotePort: info.remotePort,
      connection: info.connection,
    });
  };
  return {
    pool: true,
    host: config.host,
    port: effectivePort(config),
    secure: config.secure,
    requireTLS: !config.secure && config.starttls === 'required',
    opportunisticTLS: config.starttls === 'opportunistic',
    ignoreTLS: config.starttls === 'off',
    tls: {
      ...options.tls,
      rejectUnauthorized: !config.ignoreCertificateErrors,
      ...(config.targetName === undefined ? {} : { servername: config.targetName }),
      ...(config.caCertificates === undefined ? {} : { ca: config.caCertificates }),
    },
    ...(config.ehloName === undefined ? {} : { name: config.ehloName }),
    ...(config.localAddress === undefined ? {} : { localAddress: config.localAddress }),
    ...(config.username === undefined ? {} : { auth: { user: config.username, pass: secrets.password ?? '' } }),
    maxConnections: config.pool.maxConnections,
    maxMessages: config.pool.maxMessages,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeout: options.idleTimeoutMs }),
    connectionTimeout: config.timeouts.connectMs,
    greetingTimeout: config.timeouts.greetingMs,
    socketTimeout: config.timeouts.socketMs,
    logger: transcriptLogger(context.events, onConnection),
    debug: context.events.enabled('debug'),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function smimeIdentity(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>): SmimeIdentity | undefined {
  if (!config.smime?.enabled) return undefined;
  return loadSmimeIdentity({
    pkcs12: secrets.smimePkcs12,
    passphrase: secrets.smimePassphrase,
    certificate: config.smime.certificate,
    key: secrets.smimeKey,
    chain: config.smime.chain,
    serialNumber: config.smime.serialNumber,
  });
}

function plainAddress(value: string): AddressCheck {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!isEmailAddress(trimmed)) return { ok: false, reason: 'not an e-mail address' };
  const at = trimmed.lastIndexOf('@');
  return { ok: true, normalized: `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}` };
}

/** Builds the live provider; see {@link smtp}. */
export function createSmtpProvider(
  config: SmtpConfig,
  secrets: SecretValues<SmtpSecretField>,
  context: ProviderContext,
  options: SmtpOptions = {},
): SmtpProvider {
  const { providerId, events, clock } = context;
  checkSecrets(config, secrets, providerId);
  const redact = (text: string) => context.events.redact(text);
  const identity = smimeIdentity(config, secrets);
  const transporter = createTransport(transportOptions(config, secrets, options, context));
  if (identity?.certificate && identity.key) {
    transporter.use('stream', smimeSignPlugin(createDetachedSigner(identity.certificate, identity.key, identity.chain), () => clock.now()));
  }
  const readiness = (from: string | undefined) => (identity ? evaluateIdentity(identity, { from, at: clock.now() }) : undefined);
  const defaultFrom = config.from === undefined ? undefined : addressOf(config.from);
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new TransportError('UNAVAILABLE', 'the provider is closed', { providerId, retryable: false });
  };
  const assertSignable = (from: string) => {
    const report = readiness(from);
    if (!report || report.ready) return;
    const failing = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    throw new TransportError('CONFIG_INVALID', `S/MIME certificate not ready: ${failing.join('; ')}`, {
      providerId,
      field: 'smime',
      details: { checks: report.checks },
    });
  };

  return {
    kind: 'delivery',
    id: providerId,
    type: 'smtp',
    channel: 'email',
    capabilities: {
      message: 'email',
      balance: false,
      unicode: true,
      attachments: true,
      deliveryReceipts: false,
      multipleRecipients: true,
    },
    validateAddress: plainAddress,
    certificateReadiness: () => readiness(defaultFrom),

    async send(input: EmailMessage, sendOptions: SendOptions = {}): Promise<SendResult> {
      assertOpen();
      const message = parseEmailMessage(input, providerId);
      const from = senderOf(message, config, providerId);
      assertSignable(addressOf(from));
      if (sendOptions.signal?.aborted) throw new TransportError('ABORTED', 'the operation was aborted', { providerId, retryable: false });
      const mail: SendMailOptions = {
        ...toMailOptions(message, from, config),
        ...(sendOptions.signal === undefined ? {} : { signal: sendOptions.signal }),
      };
      try {
        const info = await transporter.sendMail(mail);
        const accepted = info.accepted.map(String);
        const rejected = info.rejected.map(String);
        events.debug('smtp.sent', `message ${info.messageId} accepted: ${info.response}`, { accepted, rejected, signed: identity !== undefined });
        return {
          providerId,
          messageId: info.messageId,
          accepted,
          rejected,
          details: { response: redact(info.response), signed: identity !== undefined },
        };
      } catch (cause) {
        throw mapSmtpError(cause, providerId, redact);
      }
    },

    async verify() {
      assertOpen();
      try {
        await transporter.verify();
      } catch (cause) {
        throw mapSmtpError(cause, providerId, redact);
      }
      const tls = config.secure ? 'implicit TLS' : config.starttls === 'off' ? 'no TLS' : `STARTTLS ${config.starttls}`;
      const auth = config.username === undefined ? 'no authentication' : `authenticated as ${config.username}`;
      return { detail: `connected to ${config.host}:${effectivePort(config)} (${tls}), ${auth}` };
    },

    async diagnostics() {
      const report = readiness(defaultFrom);
      if (!report) return [];
      return report.checks.map((c) => ({ name: `smime.${c.name}`, ok: c.ok, detail: c.detail, ...(c.ok ? {} : { code: 'CONFIG_INVALID' }) }));
    },

    async close() {
      if (closed) return;
      closed = true;
      transporter.close();
    },
  };
}
