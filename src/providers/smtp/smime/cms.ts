import { createHash, sign as cryptoSign, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const UNIVERSAL = asn1.Class.UNIVERSAL;
const CONTEXT = asn1.Class.CONTEXT_SPECIFIC;

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
} as const;

type Asn1 = forge.asn1.Asn1;

const seq = (value: Asn1[]): Asn1 => asn1.create(UNIVERSAL, asn1.Type.SEQUENCE, true, value);
const set = (value: Asn1[]): Asn1 => asn1.create(UNIVERSAL, asn1.Type.SET, true, value);
const oid = (id: string): Asn1 => asn1.create(UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(id).getBytes());
const nul = (): Asn1 => asn1.create(UNIVERSAL, asn1.Type.NULL, false, '');
const int = (n: number): Asn1 => asn1.create(UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(n).getBytes());
const octets = (bytes: Buffer): Asn1 => asn1.create(UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes.toString('binary'));
const der = (obj: Asn1): string => asn1.toDer(obj).getBytes();

/** RFC 5652: signingTime is UTCTime for 1950-2049, GeneralizedTime otherwise. */
function time(date: Date): Asn1 {
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? asn1.create(UNIVERSAL, asn1.Type.UTCTIME, false, asn1.dateToUtcTime(date))
    : asn1.create(UNIVERSAL, asn1.Type.GENERALIZEDTIME, false, asn1.dateToGeneralizedTime(date));
}

/**
 * Orders the elements of a DER `SET OF` (X.690 11.6): by their encodings as octet strings, the
 * shorter padded with zero octets. node-forge keeps the given order, which GnuTLS and Bouncy
 * Castle reject (forge#1013), so the signer sorts itself.
 */
export function derSetOrder<T extends { readonly der: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const n = Math.max(a.der.length, b.der.length);
    for (let i = 0; i < n; i++) {
      const x = i < a.der.length ? a.der.charCodeAt(i) : 0;
      const y = i < b.der.length ? b.der.charCodeAt(i) : 0;
      if (x !== y) return x - y;
    }
    return 0;
  });
}

function sorted(elements: readonly Asn1[]): Asn1[] {
  return derSetOrder(elements.map((node) => ({ node, der: der(node) }))).map((e) => e.node);
}

function attribute(type: string, value: Asn1): Asn1 {
  return seq([oid(type), set([value])]);
}

/** Issuer and serial number of a certificate, taken from its DER as is (not re-encoded). */
function issuerAndSerial(certificate: Asn1): Asn1 {
  const tbs = (certificate.value as Asn1[])[0]!;
  const fields = tbs.value as Asn1[];
  const offset = fields[0]!.tagClass === CONTEXT ? 1 : 0;
  return seq([fields[offset + 2]!, fields[offset]!]);
}

/** Signs detached content: returns the DER `ContentInfo` of a CMS SignedData. */
export type DetachedSigner = (content: Buffer, signingTime: Date) => Buffer;

/**
 * Prepares a detached CMS/PKCS#7 signer (RFC 5652, SHA-256) for one certificate and key. The
 * ASN.1 structure is built with node-forge; the digest and the RSA/ECDSA signature are computed
 * with node:crypto, which is much faster than forge's pure-JS RSA. The signed attributes
 * (contentType, signingTime, messageDigest) and the certificate set are DER-sorted.
 */
export function createDetachedSigner(certificate: X509Certificate, key: KeyObject, chain: readonly X509Certificate[]): DetachedSigner {
  const signerCert = asn1.fromDer(certificate.raw.toString('binary'));
  const certificates = sorted([signerCert, ...chain.map((c) => asn1.fromDer(c.raw.toString('binary')))]);
  const sid = issuerAndSerial(signerCert);
  const digestAlgorithm = (): Asn1 => seq([oid(OID.sha256), nul()]);
  const ec = key.asymmetricKeyType === 'ec';
  const signatureAlgorithm = (): Asn1 => (ec ? seq([oid(OID.ecdsaWithSha256)]) : seq([oid(OID.rsaEncryption), nul()]));

  return (content, signingTime) => {
    const digest = createHash('sha256').update(content).digest();
    const attributes = sorted([
      attribute(OID.contentType, oid(OID.data)),
      attribute(OID.signingTime, time(signingTime)),
      attribute(OID.messageDigest, octets(digest)),
    ]);
    // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] of SignerInfo.
    const signedBytes = Buffer.from(der(set(attributes)), 'binary');
    const signature = cryptoSign('sha256', signedBytes, key);
    const signerInfo = seq([
      int(1),
      sid,
      digestAlgorithm(),
      asn1.create(CONTEXT, 0, true, attributes),
      signatureAlgorithm(),
      octets(signature),
    ]);
    const signedData = seq([
      int(1),
      set([digestAlgorithm()]),
      seq([oid(OID.data)]),
      asn1.create(CONTEXT, 0, true, certificates),
      set([signerInfo]),
    ]);
    return Buffer.from(der(seq([oid(OID.signedData), asn1.create(CONTEXT, 0, true, [signedData])])), 'binary');
  };
}
