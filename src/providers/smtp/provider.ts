import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { rootCertificates, type ConnectionOptions } from 'node:tls';
import { createTransport, type SendMailOptions } from 'nodemailer';
import type { Dispatcher } from 'undici';
import type { PluginFunction } from 'nodemailer/lib/mailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { TransportError } from '../../core/errors.js';
import { addressOf, isEmailAddress, type EmailMessage, type RecipientRejection, type SendResult } from '../../core/messages.js';
import type { AddressCheck, DeliveryProvider, ProviderContext, SecretValues, SendOptions } from '../../core/provider.js';
import { fetchTransport, undiciTransport, type FetchLike } from '../http.js';
import { effectivePort, type SmtpConfig, type SmtpSecretField } from './config.js';
import { dkimSignPlugin } from './dkim/plugin.js';
import { checkDkim, keyChecks, readDkimKey, type DkimReadiness, type TxtResolver } from './dkim/readiness.js';
import { DEFAULT_DKIM_HEADERS } from './dkim/sign.js';
import { mapSmtpError, rcptRejections } from './errors.js';
import { headerLinePlugin } from './lines.js';
import { parseEmailMessage, senderOf, toMailOptions } from './message.js';
import { tokenFetcher, type OAuth2TokenCallback } from './oauth2/flows.js';
import { TokenCache } from './oauth2/token.js';
import { xoauth2Handler } from './oauth2/xoauth2.js';
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
  /** undici dispatcher for the OAuth2 token requests (proxy, TLS pinning, `MockAgent`). */
  readonly dispatcher?: Dispatcher;
  /** A `fetch` for the OAuth2 token requests instead of undici `request` (takes precedence over `dispatcher`). */
  readonly fetch?: FetchLike;
  /** The access-token source of records with `oauth2.provider: 'callback'`. */
  readonly oauth2Token?: OAuth2TokenCallback;
  /**
   * Allows the DNS check of the "DKIM ready" report: the published `<selector>._domainkey`
   * record is compared with the key. Pass `dns.promises.resolveTxt` (or your own resolver);
   * without it no DNS lookup is made and the check says so.
   */
  readonly resolveTxt?: TxtResolver;
}

/** The live SMTP provider: a {@link DeliveryProvider} for e-mail, plus its certificate report. */
export interface SmtpProvider extends DeliveryProvider<EmailMessage> {
  /** The "certificate ready" indicator for the default from address, or undefined when S/MIME is off. */
  certificateReadiness(): CertificateReadiness | undefined;
  /** The "DKIM ready" indicator (with the DNS check when `SmtpOptions.resolveTxt` allows it), or undefined when DKIM is off. */
  dkimReadiness(): Promise<DkimReadiness | undefined>;
}

function checkSecrets(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>, providerId: string): void {
  if (config.oauth2 !== undefined) {
    if (secrets.password !== undefined) {
      throw new TransportError('CONFIG_INVALID', 'a password is set, but OAuth2 authenticates with an access token (remove the secret "password")', { providerId, field: 'secrets.password' });
    }
    return;
  }
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

/** PEM certificates of `NODE_EXTRA_CA_CERTS`, which Node adds to its default store (read once). */
let extraCaCertificates: string | undefined;
function nodeExtraCaCertificates(): string {
  if (extraCaCertificates === undefined) {
    const file = process.env.NODE_EXTRA_CA_CERTS;
    try {
      extraCaCertificates = file ? readFileSync(file, 'utf8') : '';
    } catch {
      extraCaCertificates = '';
    }
  }
  return extraCaCertificates;
}

/**
 * The CA certificates to trust: undefined (Node's default store) without `caCertificates`; the
 * default store plus `caCertificates` when `trustDefaultCAs` (Node's `ca` option would replace
 * the store, so it is rebuilt: the bundled roots and `NODE_EXTRA_CA_CERTS`); only
 * `caCertificates` otherwise.
 */
export function trustedCas(config: Pick<SmtpConfig, 'caCertificates' | 'trustDefaultCAs'>): string[] | undefined {
  if (config.caCertificates === undefined) return undefined;
  if (!config.trustDefaultCAs) return [config.caCertificates];
  const extra = nodeExtraCaCertificates();
  return [...rootCertificates, ...(extra ? [extra] : []), config.caCertificates];
}

const LDH_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const defaultNames = new Map<string, Promise<string>>();

/**
 * This host's name for EHLO when none is configured: `os.hostname()` when it is fully qualified,
 * else the qualified name the resolver gives for it (as `socket.getfqdn()` does), else the plain
 * host name. nodemailer would send `[127.0.0.1]` for an unqualified name, which is not this
 * host's address as the relay sees it. Looked up at most once per host name and process, bounded
 * to one second.
 */
export function defaultEhloName(): Promise<string> {
  let hostname: string;
  try {
    hostname = os.hostname();
  } catch {
    hostname = '';
  }
  let pending = defaultNames.get(hostname);
  if (!pending) {
    pending = (async () => {
      if (hostname.includes('.') && LDH_NAME.test(hostname)) return hostname;
      const qualified = await Promise.race([
        (async () => {
          const { address } = await dns.promises.lookup(hostname);
          const { hostname: name } = await dns.promises.lookupService(address, 0);
          return name.includes('.') && LDH_NAME.test(name) && name.toLowerCase().startsWith(`${hostname.toLowerCase()}.`) ? name : undefined;
        })().catch(() => undefined),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000).unref()),
      ]);
      if (qualified) return qualified;
      return LDH_NAME.test(hostname) ? hostname : 'localhost';
    })();
    defaultNames.set(hostname, pending);
  }
  return pending;
}

/** The mail-options key under which a send passes its {@link Transmission} to the plugin. */
const TRANSMISSION = 'transportkitTransmission';

/** Whether the whole message was handed to the connection (after DATA), for one send. */
interface Transmission {
  transmitted: boolean;
}

/** A stream plugin that marks a send's {@link Transmission} once the message was read to its end. */
function transmissionPlugin(): PluginFunction {
  return (mail, done) => {
    const state = (mail.data as Record<string, unknown>)[TRANSMISSION] as Transmission | undefined;
    // A listener on the end of the message stream, not a stream stage (a stage costs every message a pipeline step).
    if (state) mail.message.processFunc((output) => output.once('end', () => (state.transmitted = true)));
    done();
  };
}

/**
 * A failure once the message was transmitted, without a reply of the server to it (a timeout, a
 * dropped connection): the server may have taken the message, so the outcome is unknown.
 */
function markUnknown(error: TransportError, state: Transmission): TransportError {
  if (!state.transmitted || error.upstream?.status !== undefined || (error.code !== 'TIMEOUT' && error.code !== 'UNAVAILABLE')) return error;
  return new TransportError(error.code, `${error.message} (after the message was transmitted: it may have been delivered)`, {
    cause: error,
    ...(error.providerId === undefined ? {} : { providerId: error.providerId }),
    ...(error.upstream ? { upstream: error.upstream } : {}),
    retryable: error.retryable,
    details: { ...error.details, outcome: 'unknown' },
  });
}

/**
 * True when opportunistic STARTTLS must not fall back to plaintext: a password would be sent in
 * clear, and the configuration does not allow it (`allowPlaintextAuth`).
 */
function tlsBeforeAuth(config: SmtpConfig): boolean {
  return !config.secure && config.starttls === 'opportunistic' && config.username !== undefined && !config.allowPlaintextAuth;
}

/** A failed STARTTLS, said in the configuration's terms when opportunistic TLS was made strict for AUTH. */
function explainTls(error: TransportError, config: SmtpConfig): TransportError {
  if (!tlsBeforeAuth(config) || error.upstream?.command !== 'STARTTLS') return error;
  return new TransportError(
    'UNAVAILABLE',
    `${config.host} offers no working STARTTLS, and AUTH is not sent without TLS (set allowPlaintextAuth: true to allow it): ${error.message}`,
    { cause: error, ...(error.providerId === undefined ? {} : { providerId: error.providerId }), field: 'config.allowPlaintextAuth', retryable: false, ...(error.upstream ? { upstream: error.upstream } : {}), details: { ...error.details, outcome: 'not-sent' } },
  );
}

/** AUTH of the pool: the password, or XOAUTH2 with tokens from the cache (nodemailer's own OAuth2 client stays unused). */
function authOptions(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>, tokens: TokenCache | undefined): Partial<SMTPPoolOptions> {
  if (config.username === undefined) return {};
  if (tokens === undefined) return { auth: { user: config.username, pass: secrets.password ?? '' } };
  return { auth: { type: 'OAuth2', user: config.username, method: 'XOAUTH2' }, customAuth: { XOAUTH2: xoauth2Handler(config.username, tokens) } };
}

function transportOptions(config: SmtpConfig, auth: Partial<SMTPPoolOptions>, options: SmtpOptions, context: ProviderContext, ehloName: string): SMTPPoolOptions {
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
    requireTLS: !config.secure && (config.starttls === 'required' || tlsBeforeAuth(config)),
    opportunisticTLS: config.starttls === 'opportunistic' && !tlsBeforeAuth(config),
    ignoreTLS: config.starttls === 'off',
    tls: {
      ...options.tls,
      rejectUnauthorized: !config.ignoreCertificateErrors,
      ...(config.targetName === undefined ? {} : { servername: config.targetName }),
      ...(config.caCertificates === undefined ? {} : { ca: trustedCas(config) }),
    },
    name: ehloName,
    ...(config.localAddress === undefined ? {} : { localAddress: config.localAddress }),
    ...auth,
    maxConnections: config.pool.maxConnections,
    maxMessages: config.pool.maxMessages,
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeout: options.idleTimeoutMs }),
    connectionTimeout: config.timeouts.connectMs,
    greetingTimeout: config.timeouts.greetingMs,
    socketTimeout: config.timeouts.socketMs,
    // Without debug events or the unverified-TLS warning nothing reads the log: nodemailer then skips its per-line work.
    logger: context.events.enabled('debug') || config.ignoreCertificateErrors ? transcriptLogger(context.events, onConnection) : false,
    debug: context.events.enabled('debug'),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The token cache of an OAuth2 configuration (checked at once), or undefined without OAuth2. */
function oauth2Tokens(config: SmtpConfig, secrets: SecretValues<SmtpSecretField>, options: SmtpOptions, context: ProviderContext): TokenCache | undefined {
  if (config.oauth2 === undefined || config.username === undefined) return undefined;
  const fetcher = tokenFetcher(config.oauth2, secrets, {
    providerId: context.providerId,
    user: config.username,
    http: options.fetch ? fetchTransport(options.fetch) : undiciTransport(options.dispatcher),
    callback: options.oauth2Token,
    now: () => context.clock.now(),
    redact: (text) => context.events.redact(text),
  });
  return new TokenCache(fetcher, context.clock, context.events);
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
    trustAnchors: config.smime.trustAnchors,
  });
}

function plainAddress(value: string): AddressCheck {
  const trimmed = typeof value === 'string' ? value.trim() : '';
  if (!isEmailAddress(trimmed)) return { ok: false, reason: 'not an e-mail address' };
  const at = trimmed.lastIndexOf('@');
  return { ok: true, normalized: `${trimmed.slice(0, at)}@${trimmed.slice(at + 1).toLowerCase()}` };
}

/** Builds the live provider; see {@link smtp}. `ehloName` is the EHLO name when the config names none. */
export function createSmtpProvider(
  config: SmtpConfig,
  secrets: SecretValues<SmtpSecretField>,
  context: ProviderContext,
  options: SmtpOptions = {},
  defaultName = 'localhost',
): SmtpProvider {
  const { providerId, events, clock } = context;
  checkSecrets(config, secrets, providerId);
  const redact = (text: string) => context.events.redact(text);
  const identity = smimeIdentity(config, secrets);
  const ehloName = config.ehloName ?? defaultName;
  const tokens = oauth2Tokens(config, secrets, options, context);
  const dkim = config.dkim?.enabled ? config.dkim : undefined;
  const dkimKey = dkim === undefined ? undefined : readDkimKey(secrets.dkimPrivateKey);
  const transporter = createTransport(transportOptions(config, authOptions(config, secrets, tokens), options, context, ehloName));
  // Plugins run after the message is compiled and before any connection: an over-long header
  // line is refused before I/O, then the message is signed.
  transporter.use('stream', headerLinePlugin(providerId));
  if (identity?.certificate && identity.key) {
    transporter.use('stream', smimeSignPlugin(createDetachedSigner(identity.certificate, identity.key, identity.chain), () => clock.now(), providerId));
  }
  // DKIM after S/MIME: the signature covers the final multipart/signed message.
  if (dkim !== undefined && dkimKey?.key !== undefined) {
    const headerFields = dkim.headerFields === undefined ? DEFAULT_DKIM_HEADERS : dkim.headerFields.split(':');
    transporter.use('stream', dkimSignPlugin({ domain: dkim.domain, selector: dkim.selector, headerFields, canonicalization: dkim.canonicalization, key: dkimKey.key }, () => clock.now()));
  }
  // Last, so it sees the message as sent (signed).
  transporter.use('stream', transmissionPlugin());
  const readiness = (from: string | undefined) => (identity ? evaluateIdentity(identity, { from, at: clock.now() }) : undefined);
  const defaultFrom = config.from === undefined ? undefined : addressOf(config.from);
  const dkimReadiness = async () =>
    dkim === undefined
      ? undefined
      : checkDkim({ privateKey: secrets.dkimPrivateKey, domain: dkim.domain, selector: dkim.selector, from: defaultFrom, resolveTxt: options.resolveTxt });
  // Only the key decides whether a message can be signed; alignment and DNS are reported, not enforced.
  const dkimProblems = dkimKey === undefined ? [] : keyChecks(dkimKey).filter((c) => !c.ok);
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new TransportError('UNAVAILABLE', 'the provider is closed', { providerId, retryable: false });
  };
  const assertDkim = () => {
    if (dkimProblems.length === 0) return;
    throw new TransportError('CONFIG_INVALID', `DKIM key not ready: ${dkimProblems.map((c) => `${c.name}: ${c.detail}`).join('; ')}`, {
      providerId,
      field: dkimProblems[0]!.name === 'key' && secrets.dkimPrivateKey === undefined ? 'secrets.dkimPrivateKey' : 'dkim',
      details: { checks: dkimProblems },
    });
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
    dkimReadiness,

    async send(input: EmailMessage, sendOptions: SendOptions = {}): Promise<SendResult> {
      assertOpen();
      const message = parseEmailMessage(input, providerId);
      const from = senderOf(message, config, providerId);
      assertSignable(addressOf(from));
      assertDkim();
      if (sendOptions.signal?.aborted) throw new TransportError('ABORTED', 'the operation was aborted', { providerId, retryable: false });
      const transmission: Transmission = { transmitted: false };
      const mail: SendMailOptions = {
        ...toMailOptions(message, from, config),
        ...{ [TRANSMISSION]: transmission },
        ...(sendOptions.signal === undefined ? {} : { signal: sendOptions.signal }),
      };
      try {
        const info = await transporter.sendMail(mail);
        const accepted = info.accepted.map(String);
        const rejected = info.rejected.map(String);
        const rejections: RecipientRejection[] = rcptRejections((info as { rejectedErrors?: unknown }).rejectedErrors, rejected, redact);
        events.debug('smtp.sent', `message ${info.messageId} accepted: ${info.response}`, { accepted, rejected, signed: identity !== undefined, dkim: dkim !== undefined });
        return {
          providerId,
          messageId: info.messageId,
          accepted,
          rejected,
          ...(rejections.length === 0 ? {} : { rejections }),
          details: { response: redact(info.response), signed: identity !== undefined, dkim: dkim !== undefined, ehloName },
        };
      } catch (cause) {
        throw markUnknown(explainTls(mapSmtpError(cause, providerId, redact), config), transmission);
      }
    },

    async verify() {
      assertOpen();
      try {
        await transporter.verify();
      } catch (cause) {
        throw explainTls(mapSmtpError(cause, providerId, redact), config);
      }
      const tls = config.secure ? 'implicit TLS' : config.starttls === 'off' ? 'no TLS' : `STARTTLS ${config.starttls}`;
      const auth = config.username === undefined ? 'no authentication' : `authenticated as ${config.username}${tokens === undefined ? '' : ` with OAuth2 (${config.oauth2?.provider})`}`;
      return { detail: `connected to ${config.host}:${effectivePort(config)} (${tls}), ${auth}, EHLO ${ehloName}` };
    },

    async diagnostics() {
      const smime = readiness(defaultFrom)?.checks ?? [];
      const dkimChecks = (await dkimReadiness())?.checks ?? [];
      return [
        ...smime.map((c) => ({ name: `smime.${c.name}`, ok: c.ok, detail: c.detail, ...(c.ok ? {} : { code: 'CONFIG_INVALID' }) })),
        ...dkimChecks.map((c) => ({ name: `dkim.${c.name}`, ok: c.ok, detail: c.detail, ...(c.ok ? {} : { code: 'CONFIG_INVALID' }) })),
      ];
    },

    async close() {
      if (closed) return;
      closed = true;
      transporter.close();
    },
  };
}
