import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { readPkcs12, Pkcs12Error } from './pkcs12.js';

/**
 * Where the S/MIME signer comes from: a PKCS#12 bundle and/or PEM certificate and key. Every
 * field is optional so a half-configured provider can still report what is missing.
 */
export interface SmimeSource {
  /** PKCS#12 bundle (`.p12`/`.pfx`): base64 text or the raw bytes. */
  readonly pkcs12?: string | Uint8Array | undefined;
  /** Passphrase of the PKCS#12 bundle or of an encrypted PEM key. */
  readonly passphrase?: string | undefined;
  /** Certificate(s) as PEM; the signer and possibly its chain. */
  readonly certificate?: string | undefined;
  /** Private key as PEM (PKCS#1, PKCS#8 or SEC1, optionally encrypted). */
  readonly key?: string | undefined;
  /** Extra chain certificates as PEM. */
  readonly chain?: string | undefined;
  /**
   * Serial number of the certificate to use when there are several: hex in any spelling
   * (`8F:01:02`, `8f 01 02`, `0x8f0102`, as copied from a certificate dialog) or as
   * `openssl x509 -text` prints small serials (`4097 (0x1001)`).
   */
  readonly serialNumber?: string | undefined;
  /**
   * Extra trust anchors (PEM): root or intermediate certificates the recipients' clients trust,
   * so a chain that ends at one of them counts as complete. Node's bundled roots count anyway.
   */
  readonly trustAnchors?: string | undefined;
}

/** The signer selected from a {@link SmimeSource}, with what went wrong while selecting it. */
export interface SmimeIdentity {
  /** The signer certificate, when one was found. */
  readonly certificate: X509Certificate | undefined;
  /** Its private key, when one was given and matches the certificate. */
  readonly key: KeyObject | undefined;
  /** The issuer chain sent along with each signature (intermediates and root found in the material). */
  readonly chain: readonly X509Certificate[];
  /** Certificates trusted as the end of a chain: the configured `trustAnchors`. */
  readonly trustAnchors: readonly X509Certificate[];
  /** Why no certificate was selected. */
  readonly certificateProblem?: string;
  /** Why there is no usable key. */
  readonly keyProblem?: string;
}

/** Key types the signer supports (RSA PKCS#1 v1.5 and ECDSA, both with SHA-256). */
export const SUPPORTED_KEY_TYPES: readonly string[] = ['rsa', 'ec'];

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * A serial number as a number, whatever its spelling: forge prints `008f01...` (with the DER
 * sign byte), OpenSSL `8F01...` or `8f:01:...`, the Windows certificate dialog `‎8f 01 ...` with
 * an invisible left-to-right mark in front, `openssl x509 -text` `4097 (0x1001)` for small
 * serials; a `Serial Number:` or `serial=` label is allowed. Bare digits are hexadecimal, as
 * every tool prints serials. Undefined when it is none of these.
 */
export function normalizeSerial(serial: string): bigint | undefined {
  if (typeof serial !== 'string') return undefined;
  const text = serial
    .replace(/\p{Cf}/gu, '') // bidi marks, zero-width spaces, BOM
    .replace(/[\p{Zs}\t]/gu, ' ')
    .trim()
    .replace(/^serial(?:\s*number)?\s*[:=]?\s*/i, '');
  const both = /^(\d+)\s*\(\s*0x([0-9a-f]+)\s*\)$/i.exec(text);
  if (both) {
    const value = BigInt(`0x${both[2]}`);
    return BigInt(both[1]!) === value ? value : undefined;
  }
  const hex = text.replace(/^0x/i, '').replace(/[\s:.-]/g, '');
  return /^[0-9a-f]+$/i.test(hex) && hex.length <= 64 ? BigInt(`0x${hex}`) : undefined;
}

/** A serial number in the form OpenSSL prints it (upper-case hex, no leading zeros); undefined when it cannot be read. */
export function formatSerial(serial: string): string | undefined {
  return normalizeSerial(serial)?.toString(16).toUpperCase();
}

/** Why {@link normalizeSerial} cannot read an input, naming the input (without invisible characters). */
export function serialProblem(serial: string): string {
  const shown = String(serial).replace(/\p{Cf}/gu, '').trim().slice(0, 80);
  return `serial number "${shown}" cannot be read: give it in hex as a certificate shows it (8F:01:02, 8f 01 02) or as openssl prints it (4097 (0x1001))`;
}

interface Material {
  readonly certificates: X509Certificate[];
  readonly keys: KeyObject[];
  readonly problems: string[];
}

function pemCertificates(pem: string | undefined, what: string, into: Material): void {
  if (pem === undefined) return;
  const blocks = pem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) into.problems.push(`${what} holds no PEM certificate`);
  for (const block of blocks) {
    try {
      into.certificates.push(new X509Certificate(block));
    } catch {
      into.problems.push(`${what} holds a certificate that cannot be parsed`);
    }
  }
}

/** Reads a PKCS#12 bundle (base64 text or raw DER); problems name the step that failed, never the passphrase. */
function pkcs12Material(bundle: string | Uint8Array, passphrase: string, into: Material): void {
  const der = typeof bundle === 'string' ? Buffer.from(bundle.replace(/\s+/g, ''), 'base64') : Buffer.from(bundle);
  try {
    const contents = readPkcs12(der, passphrase);
    into.certificates.push(...contents.certificates);
    into.keys.push(...contents.keys);
    into.problems.push(...contents.problems);
  } catch (cause) {
    into.problems.push(cause instanceof Pkcs12Error ? cause.message : 'the PKCS#12 bundle could not be read');
  }
}

function pemKey(pem: string, passphrase: string | undefined, into: Material): void {
  try {
    into.keys.push(createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase }));
  } catch {
    into.problems.push('the private key (smimeKey) could not be read: not a PEM private key, or encrypted without the right passphrase');
  }
}

function matches(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false;
  }
}

function unique(certificates: readonly X509Certificate[]): X509Certificate[] {
  const seen = new Set<string>();
  return certificates.filter((c) => {
    if (seen.has(c.fingerprint256)) return false;
    seen.add(c.fingerprint256);
    return true;
  });
}

/** True when `issuer` issued (and signed) `subject`. */
export function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return subject.checkIssued(issuer) && subject.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * The issuers of `certificate` up to a self-signed root, taken from `pool`: only these are sent
 * with a signature, so other certificates of a bundle (someone else's) never leave.
 */
function issuerChain(certificate: X509Certificate, pool: readonly X509Certificate[]): X509Certificate[] {
  const chain: X509Certificate[] = [];
  let current = certificate;
  for (;;) {
    const issuer = pool.find(
      (c) => c.fingerprint256 !== current.fingerprint256 && !chain.includes(c) && c.fingerprint256 !== certificate.fingerprint256 && issuedBy(current, c),
    );
    if (!issuer) return chain;
    chain.push(issuer);
    current = issuer;
  }
}

/**
 * Loads and selects the signer: the certificate with the configured serial number, else the one
 * whose private key is present, else the first end-entity certificate. Never throws: problems
 * are reported on the result so the "certificate ready" indicator can show each of them.
 */
export function loadSmimeIdentity(source: SmimeSource): SmimeIdentity {
  const material: Material = { certificates: [], keys: [], problems: [] };
  if (source.pkcs12 !== undefined) pkcs12Material(source.pkcs12, source.passphrase ?? '', material);
  pemCertificates(source.certificate, 'the certificate', material);
  if (source.key !== undefined) pemKey(source.key, source.passphrase, material);
  const chainMaterial: Material = { certificates: [], keys: [], problems: material.problems };
  pemCertificates(source.chain, 'the chain', chainMaterial);
  const anchorMaterial: Material = { certificates: [], keys: [], problems: material.problems };
  pemCertificates(source.trustAnchors, 'smime.trustAnchors', anchorMaterial);

  const candidates = unique(material.certificates);
  const problem = material.problems.length > 0 ? `; ${material.problems.join('; ')}` : '';
  let certificate: X509Certificate | undefined;
  let certificateProblem: string | undefined;
  if (source.serialNumber !== undefined) {
    const wanted = normalizeSerial(source.serialNumber);
    const available = candidates.map((c) => formatSerial(c.serialNumber)).join(', ') || 'none';
    if (wanted === undefined) {
      certificateProblem = `${serialProblem(source.serialNumber)} (available: ${available})${problem}`;
    } else {
      certificate = candidates.find((c) => normalizeSerial(c.serialNumber) === wanted);
      if (!certificate) certificateProblem = `no certificate with serial number ${wanted.toString(16).toUpperCase()} (available: ${available})${problem}`;
    }
  } else {
    certificate =
      candidates.find((c) => material.keys.some((k) => matches(c, k))) ?? candidates.find((c) => !c.ca) ?? candidates[0];
    if (!certificate) certificateProblem = `no certificate was given (set the secret smimePkcs12 or config smime.certificate)${problem}`;
  }

  let key: KeyObject | undefined;
  let keyProblem: string | undefined;
  if (certificate) {
    key = material.keys.find((k) => matches(certificate, k));
    if (!key) {
      keyProblem =
        material.keys.length === 0
          ? `no private key for the certificate (set the secret smimePkcs12 or smimeKey)${problem}`
          : 'no private key matches the certificate';
    } else if (!SUPPORTED_KEY_TYPES.includes(key.asymmetricKeyType ?? '')) {
      keyProblem = `unsupported key type ${key.asymmetricKeyType ?? 'unknown'} (RSA or EC keys sign)`;
      key = undefined;
    }
  }
  const chain = certificate ? issuerChain(certificate, unique([...candidates, ...chainMaterial.certificates])) : [];
  return {
    certificate,
    key,
    chain,
    trustAnchors: unique(anchorMaterial.certificates),
    ...(certificateProblem === undefined ? {} : { certificateProblem }),
    ...(keyProblem === undefined ? {} : { keyProblem }),
  };
}

let bundledRoots: X509Certificate[] | undefined;

/** Node's bundled root certificates (Mozilla's list), parsed once: a chain ending at one is complete. */
export function defaultTrustAnchors(): readonly X509Certificate[] {
  bundledRoots ??= rootCertificates.flatMap((pem) => {
    try {
      return [new X509Certificate(pem)];
    } catch {
      return [];
    }
  });
  return bundledRoots;
}
