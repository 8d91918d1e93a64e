import type { X509Certificate } from 'node:crypto';
import { defaultTrustAnchors, formatSerial, issuedBy, loadSmimeIdentity, type SmimeIdentity, type SmimeSource } from './identity.js';

/** The items of the "certificate ready" indicator, each reported separately. */
export type CertificateCheckName = 'found' | 'privateKey' | 'validity' | 'address' | 'usage' | 'chain' | 'keyStrength';

/** One item of {@link CertificateReadiness}. */
export interface CertificateCheck {
  readonly name: CertificateCheckName;
  readonly ok: boolean;
  /** What was checked, or what is wrong. */
  readonly detail: string;
}

/** What the selected certificate is, for display next to the indicator. */
export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  /** Upper-case hex without leading zeros, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** E-mail addresses of the certificate (subjectAltName rfc822Name and subject emailAddress). */
  readonly emails: readonly string[];
  /** ISO 8601. */
  readonly validFrom: string;
  /** ISO 8601. */
  readonly validTo: string;
}

/** The "certificate ready" indicator: ready only when every check passes. */
export interface CertificateReadiness {
  readonly ready: boolean;
  readonly checks: readonly CertificateCheck[];
  readonly certificate?: CertificateSummary;
}

/** Options of {@link checkCertificate} on top of the {@link SmimeSource}. */
export interface CertificateCheckOptions {
  /** The sender address the certificate must name. Without it the address check fails. */
  readonly from?: string | undefined;
  /** The time validity is checked at (default now). */
  readonly at?: Date | number | undefined;
}

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';

/** E-mail addresses a certificate is issued for, lower-cased. */
export function certificateEmails(certificate: X509Certificate): string[] {
  const out = new Set<string>();
  for (const m of (certificate.subjectAltName ?? '').matchAll(/(?:^|,\s*)email:([^,\s]+)/g)) out.add(m[1]!.toLowerCase());
  for (const m of certificate.subject.matchAll(/^emailAddress=(.+)$/gm)) out.add(m[1]!.trim().toLowerCase());
  return [...out];
}

function summary(certificate: X509Certificate): CertificateSummary {
  return {
    subject: certificate.subject.replace(/\n/g, ', '),
    issuer: certificate.issuer.replace(/\n/g, ', '),
    serialNumber: formatSerial(certificate.serialNumber) ?? certificate.serialNumber,
    emails: certificateEmails(certificate),
    validFrom: new Date(certificate.validFrom).toISOString(),
    validTo: new Date(certificate.validTo).toISOString(),
  };
}

function validity({ validFrom: from, validTo: to }: { readonly validFrom: number; readonly validTo: number }, at: number): CertificateCheck {
  if (at < from) return { name: 'validity', ok: false, detail: `not yet valid: valid from ${new Date(from).toISOString()}` };
  if (at > to) return { name: 'validity', ok: false, detail: `expired on ${new Date(to).toISOString()}` };
  return { name: 'validity', ok: true, detail: `valid until ${new Date(to).toISOString()}` };
}

function address(emails: readonly string[], from: string | undefined): CertificateCheck {
  const listed = emails.join(', ') || 'none';
  if (from === undefined) return { name: 'address', ok: false, detail: `no from address to compare with (certificate names: ${listed})` };
  const ok = emails.includes(from.toLowerCase());
  return {
    name: 'address',
    ok,
    detail: ok ? `certificate is issued for ${from}` : `certificate is issued for ${listed}, not for the from address ${from}`,
  };
}

function usage(certificate: X509Certificate): CertificateCheck {
  const eku = certificate.keyUsage;
  if (eku === undefined || eku.length === 0) return { name: 'usage', ok: true, detail: 'no extended key usage restriction (any purpose)' };
  const ok = eku.includes(EMAIL_PROTECTION) || eku.includes(ANY_EXTENDED_KEY_USAGE);
  return {
    name: 'usage',
    ok,
    detail: ok ? 'extended key usage includes emailProtection' : `extended key usage lacks emailProtection (has ${eku.join(', ')})`,
  };
}

const cn = (certificate: X509Certificate) => /^CN=(.+)$/m.exec(certificate.subject)?.[1] ?? certificate.subject.replace(/\n/g, ', ');
const issuerCn = (certificate: X509Certificate) => /^CN=(.+)$/m.exec(certificate.issuer)?.[1] ?? certificate.issuer.replace(/\n/g, ', ');

/**
 * The chain sent with each signature must let a client that does not know the intermediates
 * verify it: it has to reach a self-signed root, or end at a certificate issued by a trust
 * anchor (Node's bundled roots or `smime.trustAnchors`). Every certificate of it must be valid.
 * The path itself does not change with time: only the validity is checked per call.
 */
function chainCheck(identity: SmimeIdentity, memo: IdentityMemo, at: number): CertificateCheck {
  const expired = memo.chainValidity.find((c) => at < c.from || at > c.to);
  if (expired) return { name: 'chain', ok: false, detail: `the chain certificate ${cn(expired.certificate)} is not valid now (valid ${new Date(expired.from).toISOString()} to ${new Date(expired.to).toISOString()})` };
  return (memo.chainPath ??= Object.freeze(chainPath(identity, identity.certificate!)));
}

function chainPath(identity: SmimeIdentity, certificate: X509Certificate): CertificateCheck {
  const path = [certificate, ...identity.chain];
  const names = path.map(cn).join(' → ');
  const last = path.at(-1)!;
  if (issuedBy(last, last)) return { name: 'chain', ok: true, detail: `complete: ${names} (self-signed root)` };
  const anchor = [...identity.trustAnchors, ...defaultTrustAnchors()].find((a) => issuedBy(last, a));
  if (anchor) return { name: 'chain', ok: true, detail: `complete: ${names} → ${cn(anchor)} (trust anchor)` };
  return {
    name: 'chain',
    ok: false,
    detail:
      `incomplete: ${names}; the issuer of ${cn(last)} ("${issuerCn(last)}") is missing, so clients that do not have it cannot verify the signature ` +
      '(add it to smime.chain or the PKCS#12 bundle, or its root to smime.trustAnchors)',
  };
}

const STRONG_CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

/** The signer key must be RSA of at least 2048 bits or EC on P-256, P-384 or P-521. */
function keyStrength(certificate: X509Certificate): CertificateCheck {
  const key = certificate.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    return bits >= 2048
      ? { name: 'keyStrength', ok: true, detail: `RSA ${bits} bits` }
      : { name: 'keyStrength', ok: false, detail: `RSA ${bits} bits is too weak: at least 2048 bits are required` };
  }
  if (key.asymmetricKeyType === 'ec') {
    const curve = STRONG_CURVES[details.namedCurve ?? ''];
    return curve
      ? { name: 'keyStrength', ok: true, detail: `EC ${curve}` }
      : { name: 'keyStrength', ok: false, detail: `EC curve ${details.namedCurve ?? 'unknown'} is too weak or unsupported: P-256, P-384 or P-521 is required` };
  }
  return { name: 'keyStrength', ok: false, detail: `${key.asymmetricKeyType ?? 'unknown'} keys are not supported: RSA (2048 bits and more) or EC (P-256 and up) is required` };
}

/**
 * What {@link evaluateIdentity} derives from an identity alone, once per identity: a send checks
 * readiness every time, and the chain path costs signature verifications.
 */
interface IdentityMemo {
  readonly info: CertificateSummary;
  readonly validFrom: number;
  readonly validTo: number;
  readonly privateKey: CertificateCheck;
  readonly usage: CertificateCheck;
  readonly keyStrength: CertificateCheck;
  /** The validity item while the certificate is valid (its text names only the end date). */
  readonly valid: CertificateCheck;
  readonly chainValidity: readonly { readonly certificate: X509Certificate; readonly from: number; readonly to: number }[];
  /** Computed on the first call whose chain certificates are all valid. */
  chainPath?: CertificateCheck;
}

const memos = new WeakMap<SmimeIdentity, IdentityMemo>();

function memoOf(identity: SmimeIdentity, certificate: X509Certificate): IdentityMemo {
  let memo = memos.get(identity);
  if (!memo) {
    // Frozen: every report shares these objects.
    const info = summary(certificate);
    Object.freeze(info.emails);
    memo = {
      info: Object.freeze(info),
      validFrom: Date.parse(certificate.validFrom),
      validTo: Date.parse(certificate.validTo),
      privateKey: Object.freeze(
        identity.key
          ? { name: 'privateKey', ok: true, detail: `${identity.key.asymmetricKeyType?.toUpperCase()} private key matches the certificate` }
          : { name: 'privateKey', ok: false, detail: identity.keyProblem ?? 'no private key' },
      ),
      usage: Object.freeze(usage(certificate)),
      keyStrength: Object.freeze(keyStrength(certificate)),
      valid: Object.freeze(validity({ validFrom: Number.NEGATIVE_INFINITY, validTo: Date.parse(certificate.validTo) }, Date.parse(certificate.validTo))),
      chainValidity: identity.chain.map((c) => ({ certificate: c, from: Date.parse(c.validFrom), to: Date.parse(c.validTo) })),
    };
    memos.set(identity, memo);
  }
  return memo;
}

/**
 * Evaluates an already loaded identity for a sender at a time. Each item is reported separately;
 * items that need a certificate fail with "no certificate" when none was found.
 */
export function evaluateIdentity(identity: SmimeIdentity, options: { readonly from?: string | undefined; readonly at: number }): CertificateReadiness {
  const { certificate } = identity;
  const checks: CertificateCheck[] = [];
  if (!certificate) {
    const missing = 'not checked: no certificate';
    checks.push(
      { name: 'found', ok: false, detail: identity.certificateProblem ?? 'no certificate' },
      { name: 'privateKey', ok: false, detail: identity.keyProblem ?? missing },
      { name: 'validity', ok: false, detail: missing },
      { name: 'address', ok: false, detail: missing },
      { name: 'usage', ok: false, detail: missing },
      { name: 'chain', ok: false, detail: missing },
      { name: 'keyStrength', ok: false, detail: missing },
    );
    return { ready: false, checks };
  }
  const memo = memoOf(identity, certificate);
  const { info } = memo;
  checks.push(
    { name: 'found', ok: true, detail: `serial ${info.serialNumber}, subject ${info.subject}` },
    memo.privateKey,
    options.at >= memo.validFrom && options.at <= memo.validTo ? memo.valid : validity(memo, options.at),
    address(info.emails, options.from),
    memo.usage,
    chainCheck(identity, memo, options.at),
    memo.keyStrength,
  );
  return { ready: checks.every((c) => c.ok), checks, certificate: info };
}

/**
 * The "certificate ready" indicator for an S/MIME signer: found (by serial number when given),
 * has its private key, valid now, issued for the from address, usable for e-mail protection,
 * its chain complete up to a self-signed root or a trust anchor, its key strong enough.
 * Never throws: an unreadable bundle or wrong passphrase is a failing `found` item.
 *
 * @example
 * ```ts
 * const report = checkCertificate({ pkcs12: p12Base64, passphrase, serialNumber: '1001', from: 'noreply@example.org' });
 * if (!report.ready) console.log(report.checks.filter((c) => !c.ok));
 * ```
 */
export function checkCertificate(source: SmimeSource & CertificateCheckOptions): CertificateReadiness {
  const at = source.at === undefined ? Date.now() : typeof source.at === 'number' ? source.at : source.at.getTime();
  return evaluateIdentity(loadSmimeIdentity(source), { from: source.from, at });
}
