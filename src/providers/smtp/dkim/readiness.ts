import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** The items of the "DKIM ready" indicator, each reported separately. */
export type DkimCheckName = 'key' | 'keySize' | 'alignment' | 'dns';

/** One item of the "DKIM ready" indicator. */
export interface DkimCheck {
  readonly name: DkimCheckName;
  readonly ok: boolean;
  readonly detail: string;
}

/** The "DKIM ready" indicator: ready only when every check passes. */
export interface DkimReadiness {
  readonly ready: boolean;
  readonly checks: readonly DkimCheck[];
  /** Where the public key must be published: `<selector>._domainkey.<domain>`. */
  readonly recordName: string;
  /** The TXT record to publish there (`v=DKIM1; k=rsa; p=...`), when the key is readable. */
  readonly record?: string;
}

/** Looks up the TXT records of a name, as `dns.promises.resolveTxt` does (each record as its strings). */
export type TxtResolver = (name: string) => Promise<string[][]>;

/** Options of {@link checkDkim}. */
export interface DkimCheckOptions {
  /** The private key (PEM), as the secret `dkimPrivateKey` holds it. */
  readonly privateKey: string | undefined;
  readonly domain: string;
  readonly selector: string;
  /** The sender address, for the alignment check (DMARC: its domain is `domain` or below it). */
  readonly from?: string | undefined;
  /**
   * Checks the published record when given (pass `dns.promises.resolveTxt`, or a resolver of
   * your own): the host decides whether a DNS lookup is allowed. Without it, `dns` is reported
   * as not checked.
   */
  readonly resolveTxt?: TxtResolver | undefined;
  /** Bound of the DNS lookup in milliseconds (default 5000). */
  readonly dnsTimeoutMs?: number;
}

/** RFC 8301: verifiers must not accept keys below 1024 bits; 2048 is what to use. */
const MIN_BITS = 1024;
const RECOMMENDED_BITS = 2048;

/** A readable DKIM key, or why it is not. */
export type DkimKey = { readonly key: KeyObject; readonly bits: number; readonly problem?: undefined } | { readonly key?: undefined; readonly problem: string };

/** Reads the DKIM private key: an unencrypted RSA key in PEM (PKCS#1 or PKCS#8). Never throws. */
export function readDkimKey(pem: string | undefined): DkimKey {
  if (pem === undefined || pem.trim() === '') return { problem: 'the secret dkimPrivateKey is not set' };
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    return { problem: 'dkimPrivateKey is not a readable, unencrypted PEM private key' };
  }
  if (key.asymmetricKeyType !== 'rsa') return { problem: `dkimPrivateKey is a ${key.asymmetricKeyType ?? 'non-RSA'} key; DKIM signing here takes RSA keys (rsa-sha256)` };
  return { key, bits: key.asymmetricKeyDetails?.modulusLength ?? 0 };
}

/** The key checks, without I/O: `key` and `keySize` (what sending needs). */
export function keyChecks(read: DkimKey): DkimCheck[] {
  if (read.key === undefined) return [{ name: 'key', ok: false, detail: read.problem }];
  const size: DkimCheck =
    read.bits < MIN_BITS
      ? { name: 'keySize', ok: false, detail: `RSA ${read.bits} bits: receivers ignore DKIM keys below ${MIN_BITS} bits (RFC 8301); use ${RECOMMENDED_BITS}` }
      : { name: 'keySize', ok: true, detail: read.bits < RECOMMENDED_BITS ? `RSA ${read.bits} bits: accepted, RSA ${RECOMMENDED_BITS} bits recommended` : `RSA ${read.bits} bits` };
  return [{ name: 'key', ok: true, detail: 'RSA private key readable' }, size];
}

/** The TXT record that publishes the public key of `key`. */
export function dkimRecord(key: KeyObject): string {
  const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return `v=DKIM1; k=rsa; p=${spki.toString('base64')}`;
}

/** The tags of a DKIM key record (`v=DKIM1; k=rsa; p=...`). */
function tagsOf(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) tags.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).replace(/\s+/g, ''));
  }
  return tags;
}

/** Whether a published `p=` (SubjectPublicKeyInfo, or a bare RSAPublicKey as some publish) is `key`'s public key. */
function samePublicKey(p: string, key: KeyObject): boolean {
  const der = Buffer.from(p, 'base64');
  const ours = createPublicKey(key).export({ format: 'der', type: 'spki' });
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      if (createPublicKey({ key: der, format: 'der', type }).export({ format: 'der', type: 'spki' }).equals(ours)) return true;
    } catch {
      // not this encoding
    }
  }
  return false;
}

async function dnsCheck(name: string, key: KeyObject, resolveTxt: TxtResolver, timeoutMs: number): Promise<DkimCheck> {
  let timer: NodeJS.Timeout | undefined;
  let records: string[][];
  try {
    records = await Promise.race([
      resolveTxt(name),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (cause) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (code === 'ENOTFOUND' || code === 'ENODATA') return { name: 'dns', ok: false, detail: `no TXT record at ${name}: publish ${dkimRecord(key)}` };
    return { name: 'dns', ok: false, detail: `DNS lookup of ${name} failed (${typeof code === 'string' ? code : (cause as Error).message})` };
  } finally {
    clearTimeout(timer);
  }
  const keys = records.map((strings) => tagsOf(strings.join(''))).filter((tags) => tags.has('p') && (tags.get('v') ?? 'DKIM1') === 'DKIM1');
  if (keys.length === 0) return { name: 'dns', ok: false, detail: `no DKIM key record at ${name}: publish ${dkimRecord(key)}` };
  if (keys.some((tags) => (tags.get('k') ?? 'rsa').toLowerCase() === 'rsa' && samePublicKey(tags.get('p')!, key))) {
    return { name: 'dns', ok: true, detail: `${name} publishes this key` };
  }
  const revoked = keys.every((tags) => tags.get('p') === '');
  return { name: 'dns', ok: false, detail: revoked ? `the key at ${name} is revoked (empty p=)` : `the key at ${name} is not this key: publish ${dkimRecord(key)}` };
}

/** DMARC relaxed alignment: the from domain is the signing domain or below it. */
function alignment(from: string, domain: string): DkimCheck {
  const fromDomain = from.slice(from.lastIndexOf('@') + 1).toLowerCase();
  const d = domain.toLowerCase();
  const ok = fromDomain === d || fromDomain.endsWith(`.${d}`);
  return { name: 'alignment', ok, detail: ok ? `${fromDomain} is aligned with d=${d}` : `the from domain ${fromDomain} is not ${d} or below it: DMARC will not count this signature` };
}

/**
 * The "DKIM ready" indicator: `key` (an unencrypted RSA key in PEM), `keySize` (at least 1024
 * bits; below 2048 it says 2048 is recommended), `alignment` (with a `from`: its domain is
 * `domain` or a subdomain, as DMARC wants) and `dns` (with `resolveTxt`: the record at
 * `<selector>._domainkey.<domain>` publishes this key; otherwise reported as not checked, with
 * the record to publish). Never throws.
 */
export async function checkDkim(options: DkimCheckOptions): Promise<DkimReadiness> {
  const recordName = `${options.selector}._domainkey.${options.domain}`;
  const read = readDkimKey(options.privateKey);
  const checks = keyChecks(read);
  if (options.from !== undefined) checks.push(alignment(options.from, options.domain));
  if (read.key !== undefined) {
    checks.push(
      options.resolveTxt === undefined
        ? { name: 'dns', ok: true, detail: `not checked (no DNS lookup allowed); publish at ${recordName}: ${dkimRecord(read.key)}` }
        : await dnsCheck(recordName, read.key, options.resolveTxt, options.dnsTimeoutMs ?? 5000),
    );
  }
  return {
    ready: checks.every((c) => c.ok),
    checks,
    recordName,
    ...(read.key === undefined ? {} : { record: dkimRecord(read.key) }),
  };
}
