import { createDecipheriv, createHmac, createPrivateKey, pbkdf2Sync, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';

/**
 * A PKCS#12 (`.p12`/`.pfx`) reader on node:crypto, with node-forge for the ASN.1 and the legacy
 * PKCS#12 key derivation only. node-forge's own reader feeds a passphrase to PBKDF2 as Latin-1
 * characters, so a bundle made by OpenSSL 3 with its defaults (PBES2: PBKDF2 + AES) and a
 * non-ASCII passphrase (`Grüezi-Pässwort-1`) does not open there; OpenSSL and GnuTLS use the
 * UTF-8 bytes, as RFC 8018 expects, and so does this reader. It also reads EC keys, which forge
 * cannot.
 */

type Asn1 = forge.asn1.Asn1;

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  safeContentsBag: '1.2.840.113549.1.12.10.1.6',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

/** MAC digest algorithms (DigestInfo of MacData) and their node:crypto and forge names. */
const DIGESTS: Readonly<Record<string, { readonly node: string; readonly forge: () => forge.md.MessageDigest; readonly bytes: number }>> = {
  '1.3.14.3.2.26': { node: 'sha1', forge: () => forge.md.sha1.create(), bytes: 20 },
  '2.16.840.1.101.3.4.2.1': { node: 'sha256', forge: () => forge.md.sha256.create(), bytes: 32 },
  '2.16.840.1.101.3.4.2.2': { node: 'sha384', forge: () => forge.md.sha384.create(), bytes: 48 },
  '2.16.840.1.101.3.4.2.3': { node: 'sha512', forge: () => forge.md.sha512.create(), bytes: 64 },
};

/** PBKDF2 pseudo-random functions. */
const PRFS: Readonly<Record<string, string>> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** PBES2 encryption schemes and their node:crypto cipher and key length. */
const CIPHERS: Readonly<Record<string, { readonly name: string; readonly keyLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
  '1.2.840.113549.3.7': { name: 'des-ede3-cbc', keyLength: 24 },
};

/** node-forge's password-based-encryption helpers (not in its type declarations). */
const pbe = (forge.pki as unknown as { pbe: { getCipherForPKCS12PBE(oid: string, params: Asn1, password: string): forge.cipher.BlockCipher } }).pbe;

/** Legacy PKCS#12 password-based encryption that node-forge implements (RC2 is not in OpenSSL 3's default provider). */
const PKCS12_PBE = new Set(['1.2.840.113549.1.12.1.3', '1.2.840.113549.1.12.1.6']);

/** Why a bundle could not be read; `wrong-passphrase` only when its MAC refused every spelling tried. */
export type Pkcs12Failure = 'not-pkcs12' | 'wrong-passphrase' | 'decryption-failed' | 'unsupported';

/** A PKCS#12 bundle that could not be read, with the reason. Never carries the passphrase. */
export class Pkcs12Error extends Error {
  constructor(
    readonly reason: Pkcs12Failure,
    message: string,
  ) {
    super(message);
    this.name = 'Pkcs12Error';
  }
}

/** What a bundle holds. */
export interface Pkcs12Contents {
  readonly certificates: X509Certificate[];
  readonly keys: KeyObject[];
  /** Bags that were skipped (unreadable certificate or key), described without secrets. */
  readonly problems: string[];
}

const bytes = (node: Asn1 | undefined): string => {
  if (!node) throw new Pkcs12Error('not-pkcs12', 'the structure is not PKCS#12');
  // A constructed OCTET STRING (BER) is the concatenation of its parts.
  if (Array.isArray(node.value)) return node.value.map((part) => bytes(part)).join('');
  return node.value;
};
const children = (node: Asn1 | undefined): Asn1[] => {
  if (!node || !Array.isArray(node.value)) throw new Pkcs12Error('not-pkcs12', 'the structure is not PKCS#12');
  return node.value;
};
const oidOf = (node: Asn1 | undefined): string => forge.asn1.derToOid(bytes(node));
const integer = (node: Asn1 | undefined, fallback: number): number => (node ? Number.parseInt(forge.util.bytesToHex(bytes(node)), 16) : fallback);
const buffer = (binary: string): Buffer => Buffer.from(binary, 'binary');

/**
 * The spellings of a passphrase worth trying: as given, then its NFC and NFD forms (a `ü` typed
 * on one system and pasted from another may differ), each once.
 */
function spellings(passphrase: string): string[] {
  return [...new Set([passphrase, passphrase.normalize('NFC'), passphrase.normalize('NFD')])];
}

/**
 * Verifies the MacData (RFC 7292 appendix B key derivation, HMAC) with a passphrase. OpenSSL 3
 * derives the MAC key from the passphrase as UTF-16 (BMPString); OpenSSL 1.x took each UTF-8 byte
 * as a character, so a bundle it made with a non-ASCII passphrase is tried that way too.
 * Returns which form verified, or undefined.
 */
function verifyMac(macData: Asn1, authSafe: string, passphrase: string): 'utf16' | 'legacy' | undefined {
  const [digestInfo, salt, iterations] = children(macData);
  const [algorithm, digest] = children(digestInfo);
  const hash = DIGESTS[oidOf(children(algorithm)[0])];
  if (!hash) throw new Pkcs12Error('unsupported', 'the PKCS#12 bundle uses a MAC digest that is not supported');
  const expected = buffer(bytes(digest));
  for (const [form, password] of [['utf16', passphrase], ['legacy', forge.util.encodeUtf8(passphrase)]] as const) {
    const key = forge.pkcs12.generateKey(password, forge.util.createBuffer(bytes(salt)), 3, integer(iterations, 1), hash.bytes, hash.forge());
    const mac = createHmac(hash.node, buffer(key.getBytes())).update(buffer(authSafe)).digest();
    if (mac.length === expected.length && timingSafeEqual(mac, expected)) return form;
  }
  return undefined;
}

/** Decrypts data encrypted under an AlgorithmIdentifier (PBES2 or legacy PKCS#12 PBE) with the passphrase. */
function decrypt(algorithm: Asn1, encrypted: string, passphrase: string, legacyMac: boolean): Buffer {
  const [oidNode, params] = children(algorithm);
  const oid = oidOf(oidNode);
  if (oid === OID.pbes2) {
    const [kdf, scheme] = children(params);
    const [kdfOid, kdfParams] = children(kdf);
    if (oidOf(kdfOid) !== OID.pbkdf2) throw new Pkcs12Error('unsupported', 'the PKCS#12 bundle uses a key derivation other than PBKDF2');
    const [salt, iterations, ...rest] = children(kdfParams);
    const prfNode = rest.find((n) => Array.isArray(n.value));
    const prf = prfNode ? PRFS[oidOf(children(prfNode)[0])] : 'sha1';
    const [cipherOid, iv] = children(scheme);
    const cipher = CIPHERS[oidOf(cipherOid)];
    if (!cipher || !prf) throw new Pkcs12Error('unsupported', 'the PKCS#12 bundle uses an encryption that is not supported (AES-CBC and 3DES are)');
    // RFC 8018: the password is an octet string; OpenSSL and GnuTLS use its UTF-8 bytes.
    const key = pbkdf2Sync(Buffer.from(passphrase, 'utf8'), buffer(bytes(salt)), integer(iterations, 1), cipher.keyLength, prf);
    const decipher = createDecipheriv(cipher.name, key, buffer(bytes(iv)));
    try {
      return Buffer.concat([decipher.update(buffer(encrypted)), decipher.final()]);
    } catch {
      throw new Pkcs12Error('decryption-failed', 'the PKCS#12 bundle could not be decrypted with the passphrase that verified its integrity (MAC)');
    }
  }
  if (PKCS12_PBE.has(oid)) {
    const password = legacyMac ? forge.util.encodeUtf8(passphrase) : passphrase;
    const cipher = pbe.getCipherForPKCS12PBE(oid, params!, password);
    cipher.update(forge.util.createBuffer(encrypted));
    if (!cipher.finish()) throw new Pkcs12Error('decryption-failed', 'the PKCS#12 bundle could not be decrypted with the passphrase that verified its integrity (MAC)');
    return buffer(cipher.output.getBytes());
  }
  throw new Pkcs12Error('unsupported', `the PKCS#12 bundle uses an encryption that is not supported (${oid}); export it again with AES (OpenSSL 3's default)`);
}

/** Reads the bags of a SafeContents, recursing into nested ones. */
function readBags(safeContents: Asn1, passphrase: string, legacyMac: boolean, into: Pkcs12Contents): void {
  for (const bag of children(safeContents)) {
    const [bagId, wrapped] = children(bag);
    const id = oidOf(bagId);
    const value = children(wrapped)[0];
    try {
      if (id === OID.certBag) {
        const [certId, certValue] = children(value);
        if (oidOf(certId) !== OID.x509Certificate) continue;
        into.certificates.push(new X509Certificate(buffer(bytes(children(certValue)[0]))));
      } else if (id === OID.keyBag) {
        into.keys.push(createPrivateKey({ key: buffer(forge.asn1.toDer(value!).getBytes()), format: 'der', type: 'pkcs8' }));
      } else if (id === OID.shroudedKeyBag) {
        const [algorithm, encrypted] = children(value);
        const der = decrypt(algorithm!, bytes(encrypted), passphrase, legacyMac);
        into.keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
      } else if (id === OID.safeContentsBag) {
        readBags(value!, passphrase, legacyMac, into);
      }
    } catch (cause) {
      if (cause instanceof Pkcs12Error) throw cause;
      into.problems.push(`the PKCS#12 bundle holds a ${id === OID.certBag ? 'certificate' : 'private key'} that cannot be read`);
    }
  }
}

/**
 * Opens a PKCS#12 bundle: verifies its MAC (when it has one) with the passphrase, decrypts its
 * contents and returns the certificates and private keys. Throws a {@link Pkcs12Error} saying
 * whether the file is no PKCS#12 at all, the passphrase is wrong, or the encryption is not
 * supported or could not be undone.
 */
export function readPkcs12(der: Uint8Array, passphrase: string): Pkcs12Contents {
  let pfx: Asn1[];
  let authSafe: string;
  try {
    pfx = children(forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(der).toString('binary')), false));
    const [contentType, content] = children(pfx[1]);
    if (oidOf(contentType) !== OID.data) throw new Error('not password integrity mode');
    authSafe = bytes(children(content)[0]);
  } catch {
    throw new Pkcs12Error('not-pkcs12', 'the PKCS#12 bundle could not be read: not a .p12/.pfx file (give the DER file, or its base64)');
  }
  let passwords = spellings(passphrase);
  let legacyMac = false;
  if (pfx[2]) {
    const verified = passwords.map((p) => [p, verifyMac(pfx[2]!, authSafe, p)] as const).find(([, form]) => form !== undefined);
    if (!verified) throw new Pkcs12Error('wrong-passphrase', 'the PKCS#12 bundle could not be opened: wrong passphrase');
    passwords = [verified[0]];
    legacyMac = verified[1] === 'legacy';
  }
  const contents: Pkcs12Contents = { certificates: [], keys: [], problems: [] };
  const password = passwords[0]!;
  let safes: Asn1[];
  try {
    safes = children(forge.asn1.fromDer(forge.util.createBuffer(authSafe), false));
  } catch {
    throw new Pkcs12Error('not-pkcs12', 'the PKCS#12 bundle could not be read: its contents are not PKCS#12');
  }
  for (const info of safes) {
    const [contentType, content] = children(info);
    const type = oidOf(contentType);
    if (type === OID.data) {
      readBags(forge.asn1.fromDer(forge.util.createBuffer(bytes(children(content)[0])), false), password, legacyMac, contents);
    } else if (type === OID.encryptedData) {
      const [, encryptedContentInfo] = children(children(content)[0]);
      const [, algorithm, encrypted] = children(encryptedContentInfo);
      const plain = decrypt(algorithm!, bytes(encrypted), password, legacyMac);
      readBags(forge.asn1.fromDer(forge.util.createBuffer(plain.toString('binary')), false), password, legacyMac, contents);
    }
  }
  return contents;
}
