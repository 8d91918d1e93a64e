import { createHash, sign as cryptoSign, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
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

/** DER tags used here (X.690). */
const TAG = { integer: 0x02, octetString: 0x04, null: 0x05, oid: 0x06, utcTime: 0x17, generalizedTime: 0x18, sequence: 0x30, set: 0x31, context0: 0xa0 } as const;

/** The DER length octets of a content of `length` bytes (definite form). */
function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.of(length);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  return Buffer.of(0x80 | bytes.length, ...bytes);
}

/** One DER element: tag, length, the concatenated contents. */
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  let length = 0;
  for (const c of contents) length += c.length;
  return Buffer.concat([Buffer.of(tag), derLength(length), ...contents]);
}

const oid = (id: string): Buffer => tlv(TAG.oid, Buffer.from(asn1.oidToDer(id).getBytes(), 'binary'));
const ascii = (tag: number, text: string): Buffer => tlv(tag, Buffer.from(text, 'latin1'));

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

/** A DER `SET OF` of the given encodings, in {@link derSetOrder}. */
function setOf(elements: readonly Buffer[], tag: number = TAG.set): Buffer {
  return tlv(tag, ...derSetOrder(elements.map((bytes) => ({ bytes, der: bytes.toString('latin1') }))).map((e) => e.bytes));
}

const two = (n: number) => String(n).padStart(2, '0');

/** RFC 5652: signingTime is UTCTime for 1950-2049, GeneralizedTime otherwise; whole seconds, `Z`. */
function timeDer(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return year >= 1950 && year < 2050 ? ascii(TAG.utcTime, `${two(year % 100)}${rest}`) : ascii(TAG.generalizedTime, `${String(year).padStart(4, '0')}${rest}`);
}

/** Issuer and serial number of a certificate, as its DER carries them. */
function issuerAndSerial(certificate: X509Certificate): Buffer {
  const tbs = ((asn1.fromDer(certificate.raw.toString('binary')).value as Asn1[])[0]!.value as Asn1[]);
  const offset = tbs[0]!.tagClass === CONTEXT ? 1 : 0;
  const der = (node: Asn1) => Buffer.from(asn1.toDer(node).getBytes(), 'binary');
  return tlv(TAG.sequence, der(tbs[offset + 2]!), der(tbs[offset]!));
}

/** Signs detached content: returns the DER `ContentInfo` of a CMS SignedData. */
export type DetachedSigner = (content: Buffer, signingTime: Date) => Buffer;

/**
 * Prepares a detached CMS/PKCS#7 signer (RFC 5652, SHA-256) for one certificate and key. All
 * that is the same for every message (the DER-sorted certificate set, issuer and serial, the
 * algorithm identifiers, the contentType attribute) is encoded once here; a message only adds
 * its digest, signing time and signature, so the RSA/ECDSA operation of node:crypto is nearly
 * all a signature costs. The signed attributes (contentType, signingTime, messageDigest) are
 * DER-sorted.
 */
export function createDetachedSigner(certificate: X509Certificate, key: KeyObject, chain: readonly X509Certificate[]): DetachedSigner {
  const version = tlv(TAG.integer, Buffer.of(1));
  const digestAlgorithm = tlv(TAG.sequence, oid(OID.sha256), tlv(TAG.null));
  const signatureAlgorithm = key.asymmetricKeyType === 'ec' ? tlv(TAG.sequence, oid(OID.ecdsaWithSha256)) : tlv(TAG.sequence, oid(OID.rsaEncryption), tlv(TAG.null));
  // The certificates are sent as they were issued (their own DER, never re-encoded).
  const certificates = setOf([certificate.raw, ...chain.map((c) => c.raw)], TAG.context0);
  const signerHead = Buffer.concat([version, issuerAndSerial(certificate), digestAlgorithm]);
  const signedDataHead = Buffer.concat([version, tlv(TAG.set, digestAlgorithm), tlv(TAG.sequence, oid(OID.data)), certificates]);
  const attribute = (type: string, value: Buffer) => tlv(TAG.sequence, oid(type), tlv(TAG.set, value));
  const contentType = attribute(OID.contentType, oid(OID.data));
  const signedDataOid = oid(OID.signedData);
  // Messages signed within one second share the signingTime attribute.
  let lastSecond = Number.NaN;
  let lastTime: Buffer = Buffer.alloc(0);

  return (content, signingTime) => {
    const second = Math.floor(signingTime.getTime() / 1000);
    if (second !== lastSecond) {
      lastTime = attribute(OID.signingTime, timeDer(signingTime));
      lastSecond = second;
    }
    const digest = createHash('sha256').update(content).digest();
    const attributes = derSetOrder([contentType, lastTime, attribute(OID.messageDigest, tlv(TAG.octetString, digest))].map((bytes) => ({ bytes, der: bytes.toString('latin1') }))).map((e) => e.bytes);
    // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] of SignerInfo.
    const signature = cryptoSign('sha256', tlv(TAG.set, ...attributes), key);
    const signerInfo = tlv(TAG.sequence, signerHead, tlv(TAG.context0, ...attributes), signatureAlgorithm, tlv(TAG.octetString, signature));
    const signedData = tlv(TAG.sequence, signedDataHead, tlv(TAG.set, signerInfo));
    return tlv(TAG.sequence, signedDataOid, tlv(TAG.context0, signedData));
  };
}
