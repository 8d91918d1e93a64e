import { z } from 'zod';
import { emailMessageSchema, type EmailAddress } from '../../core/messages.js';
import { normalizeSerial, serialProblem } from './smime/identity.js';

/** Secret fields of the SMTP type, stored sealed and set with `registry.setSecret`. */
export const SMTP_SECRET_FIELDS = ['password', 'smimePassphrase', 'smimeKey', 'smimePkcs12'] as const;

/**
 * A secret field of the SMTP type:
 * - `password`: the SMTP AUTH password;
 * - `smimePkcs12`: the S/MIME PKCS#12 bundle (`.p12`/`.pfx`), base64;
 * - `smimeKey`: the S/MIME private key as PEM (used with `smime.certificate`);
 * - `smimePassphrase`: the passphrase of the PKCS#12 bundle or of an encrypted PEM key.
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
  })
  .superRefine((c, ctx) => {
    if (!c.trustDefaultCAs && c.caCertificates === undefined && !c.ignoreCertificateErrors) {
      ctx.addIssue({ code: 'custom', path: ['trustDefaultCAs'], message: 'trustDefaultCAs: false needs caCertificates (else no server certificate could be trusted)' });
    }
    if (c.smime?.enabled && c.from === undefined) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'a default from address is required for S/MIME signing (it must match the certificate)' });
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
