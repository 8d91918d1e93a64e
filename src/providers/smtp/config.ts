import { z } from 'zod';
import { emailMessageSchema, type EmailAddress } from '../../core/messages.js';
import { normalizeSerial, serialProblem } from './smime/identity.js';

/** Secret fields of the SMTP type, stored sealed and set with `registry.setSecret`. */
export const SMTP_SECRET_FIELDS = [
  'password',
  'smimePassphrase',
  'smimeKey',
  'smimePkcs12',
  'oauth2ClientSecret',
  'oauth2RefreshToken',
  'oauth2CertificateKey',
  'dkimPrivateKey',
] as const;

/**
 * A secret field of the SMTP type:
 * - `password`: the SMTP AUTH password;
 * - `smimePkcs12`: the S/MIME PKCS#12 bundle (`.p12`/`.pfx`), base64;
 * - `smimeKey`: the S/MIME private key as PEM (used with `smime.certificate`);
 * - `smimePassphrase`: the passphrase of the PKCS#12 bundle or of an encrypted PEM key;
 * - `oauth2ClientSecret`: the OAuth2 client secret (Microsoft 365 client credentials, Google);
 * - `oauth2RefreshToken`: the OAuth2 refresh token (Google);
 * - `oauth2CertificateKey`: the private key (PEM) of `oauth2.clientCertificate` (Microsoft 365 certificate credential);
 * - `dkimPrivateKey`: the DKIM signing key (RSA, PEM).
 */
export type SmtpSecretField = (typeof SMTP_SECRET_FIELDS)[number];

/** How STARTTLS is used on a connection that does not start with TLS (`secure: false`). */
export type StartTlsMode = 'required' | 'opportunistic' | 'off';

const CRLF = /[\r\n]/;
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?)$/;
const PEM_CERT = /-----BEGIN CERTIFICATE-----/;

const hostName = (what: string) => z.string().trim().min(1).max(253).regex(HOST, `${what} must be a host name or IP address`);
const pemCertificates = z.string().max(200_000).regex(PEM_CERT, 'must contain a PEM certificate (-----BEGIN CERTIFICATE-----)');
const millis = (fallback: number) => z.number().int().min(100).max(600_000).default(fallback);

/** The S/MIME part of the configuration; the key material itself is secret. */
const smimeSchema = z.object({
  /** Signing on or off, so the certificate settings can stay while signing is paused. */
  enabled: z.boolean().default(true),
  /** Signer certificate as PEM (may hold the chain too); optional when a PKCS#12 bundle is set. */
  certificate: pemCertificates.optional(),
  /** Extra chain certificates (PEM) sent with every signature. */
  chain: pemCertificates.optional(),
  /**
   * Root or intermediate certificates (PEM) the recipients' clients trust, for a chain that ends
   * at one of them (a company root); Node's bundled roots count anyway.
   */
  trustAnchors: pemCertificates.optional(),
  /**
   * Serial number of the certificate to sign with when the bundle holds several, as a certificate
   * dialog or OpenSSL shows it: hex in any case, with or without `0x`, colons or spaces
   * (`8f 01 02`, `8F:01:02`, also with the invisible mark Windows copies), or `4097 (0x1001)`.
   * Stored in the form OpenSSL prints (`8F0102`).
   */
  serialNumber: z
    .string()
    .max(200)
    .superRefine((value, ctx) => {
      if (normalizeSerial(value) === undefined) ctx.addIssue({ code: 'custom', message: serialProblem(value) });
    })
    .transform((value) => normalizeSerial(value)?.toString(16).toUpperCase() ?? value)
    .optional(),
});

/** Where an OAuth2 access token comes from. */
export type OAuth2Provider = 'microsoft' | 'google' | 'callback';

/** A token endpoint: https, or http on the loopback interface (tests, local proxies). */
const tokenUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && /^(?:localhost|127\.0\.0\.1|\[::1\])$/.test(url.hostname));
    } catch {
      return false;
    }
  }, 'tokenUrl must be an https:// URL (http:// only on localhost)');

/** The OAuth2 (SASL XOAUTH2) part of the configuration; client secrets and refresh tokens are secret. */
const oauth2Schema = z.object({
  /** `microsoft`: client credentials of an Entra ID app; `google`: a refresh token; `callback`: the host's `SmtpOptions.oauth2Token`. */
  provider: z.enum(['microsoft', 'google', 'callback']),
  /** Microsoft: the directory (tenant) id or domain, for the default token endpoint. */
  tenantId: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$/, 'tenantId must be a tenant GUID or domain').optional(),
  /** Microsoft and Google: the application (client) id. */
  clientId: z.string().trim().min(1).max(300).optional(),
  /** The token endpoint instead of the provider's default (sovereign clouds, a proxy, tests). */
  tokenUrl: tokenUrl.optional(),
  /** The scope asked for; default `https://outlook.office365.com/.default` (Microsoft), none (Google: the refresh token's own). */
  scope: z.string().trim().min(1).max(1000).optional(),
  /** Microsoft: the certificate (PEM) registered with the app, for a certificate credential instead of a client secret; its key is the secret `oauth2CertificateKey`. */
  clientCertificate: pemCertificates.optional(),
  /** Bound of one token request in milliseconds. */
  timeoutMs: millis(10_000),
});

/** DKIM canonicalization, header/body (RFC 6376 3.4). */
export type DkimCanonicalization = 'relaxed/relaxed' | 'relaxed/simple' | 'simple/relaxed' | 'simple/simple';

const HEADER_NAME = /^[!-9;-~]+$/;

/** The DKIM part of the configuration; the private key is the secret `dkimPrivateKey`. */
const dkimSchema = z.object({
  /** Signing on or off, so the settings can stay while signing is paused. */
  enabled: z.boolean().default(true),
  /** The signing domain (`d=`), usually the domain of the from address. */
  domain: hostName('dkim.domain'),
  /** The selector (`s=`): the key is published at `<selector>._domainkey.<domain>`. */
  selector: z
    .string()
    .trim()
    .max(253)
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?)*$/, 'dkim.selector must be a DNS label (letters, digits, hyphens; dots between labels)'),
  /** Header fields to sign, separated by colons (as in `h=`); `from` is always signed. Default: the fields RFC 6376 5.4.1 recommends. */
  headerFields: z
    .string()
    .max(2000)
    .refine((v) => v.split(':').every((name) => HEADER_NAME.test(name.trim())), 'dkim.headerFields must be header names separated by colons')
    .optional(),
  /** Header/body canonicalization (`c=`). */
  canonicalization: z.enum(['relaxed/relaxed', 'relaxed/simple', 'simple/relaxed', 'simple/simple']).default('relaxed/relaxed'),
});

/**
 * zod schema of the SMTP configuration (the non-secret fields). Defaults are applied by the
 * schema, so a stored record always shows the effective values.
 */
export const smtpConfigSchema = z
  .object({
    /** SMTP server or relay. */
    host: hostName('host'),
    /** Port; defaults to 465 with `secure`, else 587. */
    port: z.number().int().min(1).max(65_535).optional(),
    /** "Use SSL": implicit TLS from the first byte (SMTPS, usually port 465). */
    secure: z.boolean().default(false),
    /** STARTTLS on a plain connection: `required` fails without it, `opportunistic` upgrades when offered, `off` never upgrades. */
    starttls: z.enum(['required', 'opportunistic', 'off']).default('required'),
    /**
     * Send AUTH over a connection that is not encrypted. Off by default: with `starttls:
     * 'opportunistic'` and a `username`, a server that offers no STARTTLS (or whose upgrade
     * fails) is refused before AUTH. `starttls: 'off'` with a username sends AUTH in clear anyway.
     */
    allowPlaintextAuth: z.boolean().default(false),
    /** Accept an invalid server certificate (self-signed, expired, wrong name). Every connection then records a warning event. */
    ignoreCertificateErrors: z.boolean().default(false),
    /** Extra trusted CA certificates (PEM) for a relay with a private CA, trusted next to the default ones. */
    caCertificates: pemCertificates.optional(),
    /**
     * Trust Node's bundled root certificates (Mozilla's list, plus `NODE_EXTRA_CA_CERTS`) next to
     * `caCertificates`. `false` trusts only `caCertificates`: the relay must present a certificate
     * of that CA (pinning a private CA).
     */
    trustDefaultCAs: z.boolean().default(true),
    /** "Target name": the name the relay's certificate is checked against (and sent as SNI) instead of `host`. */
    targetName: hostName('targetName').optional(),
    /** Name sent in EHLO/HELO instead of this machine's host name (its fully qualified name when it can be found). */
    ehloName: hostName('ehloName').optional(),
    /** SMTP AUTH user name; the password is the secret field `password`. */
    username: z.string().min(1).max(256).refine((v) => !CRLF.test(v), 'username must not contain CR or LF').optional(),
    /** Source IP address for hosts with several network interfaces. */
    localAddress: z.union([z.ipv4(), z.ipv6()], { error: 'localAddress must be an IPv4 or IPv6 address' }).optional(),
    /** Default sender when a message has no `from`. */
    from: emailMessageSchema.shape.from,
    /** Default Reply-To; a message's own `replyTo` overrides it. */
    replyTo: emailMessageSchema.shape.replyTo,
    /** Connection pool. */
    pool: z
      .object({
        maxConnections: z.number().int().min(1).max(50).default(5),
        maxMessages: z.number().int().min(1).max(100_000).default(100),
      })
      .default({ maxConnections: 5, maxMessages: 100 }),
    /** Timeouts in milliseconds. */
    timeouts: z
      .object({
        connectMs: millis(10_000),
        greetingMs: millis(10_000),
        socketMs: millis(60_000),
      })
      .default({ connectMs: 10_000, greetingMs: 10_000, socketMs: 60_000 }),
    /** S/MIME signing; off when absent. */
    smime: smimeSchema.optional(),
    /** OAuth2 (XOAUTH2) instead of a password; `username` is the mailbox it authenticates as. */
    oauth2: oauth2Schema.optional(),
    /** DKIM signing of every message (after S/MIME, so it covers the signed message); off when absent. */
    dkim: dkimSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (!c.trustDefaultCAs && c.caCertificates === undefined && !c.ignoreCertificateErrors) {
      ctx.addIssue({ code: 'custom', path: ['trustDefaultCAs'], message: 'trustDefaultCAs: false needs caCertificates (else no server certificate could be trusted)' });
    }
    if (c.smime?.enabled && c.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a default from address is required for S/MIME signing (it must match the certificate)' });
    }
    const oauth2 = c.oauth2;
    if (oauth2 === undefined) return;
    if (c.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'OAuth2 needs a username: the mailbox the token is for (user= of XOAUTH2)' });
    }
    if (oauth2.provider !== 'callback' && oauth2.clientId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['oauth2', 'clientId'], message: `oauth2.clientId is required for ${oauth2.provider}` });
    }
    if (oauth2.provider === 'microsoft' && oauth2.tenantId === undefined && oauth2.tokenUrl === undefined) {
      ctx.addIssue({ code: 'custom', path: ['oauth2', 'tenantId'], message: 'oauth2.tenantId (or oauth2.tokenUrl) is required for microsoft' });
    }
    if (oauth2.provider !== 'microsoft' && oauth2.clientCertificate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['oauth2', 'clientCertificate'], message: 'oauth2.clientCertificate is for the microsoft provider only' });
    }
  });

/** The validated SMTP configuration. */
export interface SmtpConfig {
  readonly host: string;
  readonly port?: number | undefined;
  readonly secure: boolean;
  readonly starttls: StartTlsMode;
  readonly allowPlaintextAuth: boolean;
  readonly ignoreCertificateErrors: boolean;
  readonly caCertificates?: string | undefined;
  readonly trustDefaultCAs: boolean;
  readonly targetName?: string | undefined;
  readonly ehloName?: string | undefined;
  readonly username?: string | undefined;
  readonly localAddress?: string | undefined;
  readonly from?: EmailAddress | undefined;
  readonly replyTo?: EmailAddress | undefined;
  readonly pool: { readonly maxConnections: number; readonly maxMessages: number };
  readonly timeouts: { readonly connectMs: number; readonly greetingMs: number; readonly socketMs: number };
  readonly smime?: SmimeConfig | undefined;
  readonly oauth2?: OAuth2Config | undefined;
  readonly dkim?: DkimConfig | undefined;
}

/** The OAuth2 settings of {@link SmtpConfig}. */
export interface OAuth2Config {
  readonly provider: OAuth2Provider;
  readonly tenantId?: string | undefined;
  readonly clientId?: string | undefined;
  readonly tokenUrl?: string | undefined;
  readonly scope?: string | undefined;
  readonly clientCertificate?: string | undefined;
  readonly timeoutMs: number;
}

/** The DKIM settings of {@link SmtpConfig}. */
export interface DkimConfig {
  readonly enabled: boolean;
  readonly domain: string;
  readonly selector: string;
  readonly headerFields?: string | undefined;
  readonly canonicalization: DkimCanonicalization;
}

/** The S/MIME settings of {@link SmtpConfig}. */
export interface SmimeConfig {
  readonly enabled: boolean;
  readonly certificate?: string | undefined;
  readonly chain?: string | undefined;
  readonly trustAnchors?: string | undefined;
  readonly serialNumber?: string | undefined;
}

/** The port actually used: the configured one, else 465 for implicit TLS and 587 otherwise. */
export function effectivePort(config: SmtpConfig): number {
  return config.port ?? (config.secure ? 465 : 587);
}
