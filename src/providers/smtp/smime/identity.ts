import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

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
  /** Serial number (hex) of the certificate to use when there are several. */
  readonly serialNumber?: string | undefined;
}

/** The signer selected from a {@link SmimeSource}, with what went wrong while selecting it. */
export interface SmimeIdentity {
  /** The signer certificate, when one was found. */
  readonly certificate: X509Certificate | undefined;
  /** Its private key, when one was given and matches the certificate. */
  readonly key: KeyObject | undefined;
  /** The issuer chain sent along with each signature (intermediates and root found in the material). */
  readonly chain: readonly X509Certificate[];
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
 * sign byte), OpenSSL `8F01...`, Windows `8f 01 ...`. Undefined when it is not hexadecimal.
 */
export function normalizeSerial(serial: string): bigint | undefined {
  const hex = serial.trim().replace(/^0x/i, '').replace(/[\s:]/g, '');
  return /^[0-9A-Fa-f]+$/.test(hex) ? BigInt(`0x${hex}`) : undefined;
}

/** A serial number in the form OpenSSL prints it (upper-case hex, no leading zeros). */
export function formatSerial(serial: string): string {
  return (normalizeSerial(serial) ?? 0n).toString(16).toUpperCase();
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

function derOf(obj: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(obj).getBytes(), 'binary');
}

function bagsOf(p12: forge.pkcs12.Pkcs12Pfx, type: string): forge.pkcs12.Bag[] {
  return p12.getBags({ bagType: type })[type] ?? [];
}

/** Reads a PKCS#12 bundle with node-forge; certificates and keys are handed to node:crypto as DER. */
function pkcs12Material(bundle: string | Uint8Array, passphrase: string, into: Material): void {
  const der = typeof bundle === 'string' ? Buffer.from(bundle.replace(/\s+/g, ''), 'base64') : Buffer.from(bundle);
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(der.toString('binary')), true, passphrase);
  } catch (cause) {
    const wrongPass = /MAC could not be verified|wrong password|Invalid password/i.test(String((cause as Error)?.message));
    into.problems.push(wrongPass ? 'the PKCS#12 bundle could not be opened: wrong passphrase' : 'the PKCS#12 bundle could not be read (not a valid .p12/.pfx in base64)');
    return;
  }
  for (const bag of bagsOf(p12, forge.pki.oids.certBag!)) {
    // forge parses RSA certificates only; for others it keeps the ASN.1 (bag.asn1).
    const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    if (!asn1) continue;
    try {
      into.certificates.push(new X509Certificate(derOf(asn1)));
    } catch {
      into.problems.push('the PKCS#12 bundle holds a certificate that cannot be parsed');
    }
  }
  for (const bag of [...bagsOf(p12, forge.pki.oids.pkcs8ShroudedKeyBag!), ...bagsOf(p12, forge.pki.oids.keyBag!)]) {
    try {
      if (bag.key) into.keys.push(createPrivateKey(forge.pki.privateKeyToPem(bag.key)));
      else if (bag.asn1) into.keys.push(createPrivateKey({ key: derOf(bag.asn1), format: 'der', type: 'pkcs8' }));
    } catch {
      into.problems.push('the PKCS#12 bundle holds a private key that cannot be read');
    }
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

function issuedBy(subject: X509Certificate, issuer: X509Certificate): boolean {
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

  const candidates = unique(material.certificates);
  const problem = material.problems.length > 0 ? `; ${material.problems.join('; ')}` : '';
  let certificate: X509Certificate | undefined;
  let certificateProblem: string | undefined;
  if (source.serialNumber !== undefined) {
    const wanted = normalizeSerial(source.serialNumber);
    certificate = candidates.find((c) => normalizeSerial(c.serialNumber) === wanted);
    if (!certificate) {
      const available = candidates.map((c) => formatSerial(c.serialNumber)).join(', ') || 'none';
      certificateProblem = `no certificate with serial number ${formatSerial(source.serialNumber)} (available: ${available})${problem}`;
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
    ...(certificateProblem === undefined ? {} : { certificateProblem }),
    ...(keyProblem === undefined ? {} : { keyProblem }),
  };
}
