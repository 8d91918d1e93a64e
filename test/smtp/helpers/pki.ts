import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One leaf certificate made by {@link createTestPki}. */
export interface TestLeaf {
  readonly cert: string;
  readonly key: string;
  readonly certPath: string;
  /** Serial as given to openssl (hex, no prefix). */
  readonly serial: string;
}

/** A throw-away S/MIME and TLS PKI, made with the openssl CLI (reference 1.7 / 3.1). */
export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly caPath: string;
  /** alice@example.test, emailProtection; serial with a high bit (forge prints a leading 00). */
  readonly alice: TestLeaf;
  /** bob@example.test, emailProtection. */
  readonly bob: TestLeaf;
  /** alice@example.test but EKU serverAuth only. */
  readonly serverOnly: TestLeaf;
  /** alice@example.test, expired yesterday (openssl `-days -1`). */
  readonly expired: TestLeaf;
  /** alice@example.test with an EC P-256 key. */
  readonly aliceEc: TestLeaf;
  /** An intermediate CA issued by the root (`Test S-MIME Issuing CA`). */
  readonly intermediate: TestLeaf;
  /** carol@example.test, issued by the intermediate, serial 0x1001 (`4097 (0x1001)` in `openssl x509 -text`). */
  readonly carol: TestLeaf;
  /** alice@example.test with a 1024-bit RSA key (too weak). */
  readonly weak: TestLeaf;
  /** PKCS#12 (base64): alice's key + cert, bob's cert and the CA, passphrase {@link P12_PASSPHRASE}. */
  readonly bundle: string;
  /** Self-signed TLS server certificate/key for `localhost` only (connecting to 127.0.0.1 needs the target name). */
  readonly tls: { readonly cert: string; readonly key: string };
  /** Removes the directory. */
  cleanup(): void;
}

export const P12_PASSPHRASE = 'p12-Pass!phrase-9d1c';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function leaf(dir: string, name: string, serial: string, ext: string, keyArgs: string[], days = '30', issuer = 'ca'): TestLeaf {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-new', ...keyArgs, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${issuer}.crt`, '-CAkey', `${issuer}.key`, '-set_serial', `0x${serial}`,
    '-out', `${name}.crt`, '-days', days, '-sha256', '-extfile', `${name}.ext`,
  ]);
  return {
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    certPath: join(dir, `${name}.crt`),
    serial,
  };
}

const smimeExt = (email: string, eku = 'emailProtection') => `basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage=${eku}
subjectAltName=email:${email}
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid,issuer
`;

/** Makes the test CA, leaves, PKCS#12 bundle and TLS certificate in a fresh temp directory. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tk-smime-'));
  const rsa = ['-newkey', 'rsa:2048'];
  openssl(dir, [
    'req', '-x509', ...rsa, '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '60', '-sha256',
    '-subj', '/CN=Test S-MIME Root CA/O=Example Test',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash',
  ]);
  const alice = leaf(dir, 'alice', '8F0102030405060708', smimeExt('alice@example.test'), rsa);
  const bob = leaf(dir, 'bob', '1002', smimeExt('bob@example.test'), rsa);
  const serverOnly = leaf(dir, 'server-only', '1003', smimeExt('alice@example.test', 'serverAuth'), rsa);
  const expired = leaf(dir, 'expired', '1005', smimeExt('alice@example.test'), rsa, '-1');
  const aliceEc = leaf(dir, 'alice-ec', '1004', smimeExt('alice@example.test'), ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const intermediate = leaf(
    dir,
    'Test S-MIME Issuing CA',
    '2001',
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n',
    rsa,
  );
  const carol = leaf(dir, 'carol', '1001', smimeExt('carol@example.test'), rsa, '30', 'Test S-MIME Issuing CA');
  const weak = leaf(dir, 'weak', '1006', smimeExt('alice@example.test'), ['-newkey', 'rsa:1024']);
  writeFileSync(join(dir, 'extra.pem'), bob.cert + readFileSync(join(dir, 'ca.crt'), 'utf8'));
  openssl(dir, [
    'pkcs12', '-export', '-inkey', 'alice.key', '-in', 'alice.crt', '-certfile', 'extra.pem', '-name', 'alice',
    '-out', 'bundle.p12', '-passout', `pass:${P12_PASSPHRASE}`,
  ]);
  openssl(dir, [
    'req', '-x509', ...rsa, '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '30', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost',
  ]);
  return {
    dir,
    caCert: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    caPath: join(dir, 'ca.crt'),
    alice,
    bob,
    serverOnly,
    expired,
    aliceEc,
    intermediate,
    carol,
    weak,
    bundle: readFileSync(join(dir, 'bundle.p12')).toString('base64'),
    tls: { cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Result of {@link opensslVerify}. */
export interface VerifyOutcome {
  readonly ok: boolean;
  readonly output: string;
  /** The signed content openssl extracted. */
  readonly content: Buffer;
  /** The signer certificate openssl reported, PEM. */
  readonly signer: string;
}

/** Runs `openssl cms -verify` on a whole message (multipart/signed) against the test CA. */
export function opensslVerify(pki: TestPki, message: Buffer, extra: string[] = []): VerifyOutcome {
  const dir = mkdtempSync(join(pki.dir, 'verify-'));
  writeFileSync(join(dir, 'msg.eml'), message);
  try {
    execFileSync('openssl', ['cms', '-verify', '-in', 'msg.eml', '-CAfile', pki.caPath, '-out', 'content.mime', '-signer', 'signer.pem', ...extra], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output: 'CMS Verification successful', content: readFileSync(join(dir, 'content.mime')), signer: readFileSync(join(dir, 'signer.pem'), 'utf8') };
  } catch (error) {
    const e = error as { stderr?: Buffer; stdout?: Buffer };
    return { ok: false, output: `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, content: Buffer.alloc(0), signer: '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A PKCS#12 bundle (base64) made by the openssl CLI from a leaf of the PKI: its key and
 * certificate, plus `extra` certificates (PEM file names in the PKI directory), with `args`
 * choosing the encryption (none: OpenSSL 3's defaults, PBES2 with PBKDF2 and AES-256-CBC).
 */
export function pkcs12Of(pki: TestPki, name: string, passphrase: string, args: string[] = [], extra: string[] = []): string {
  const out = `${name}-${Math.random().toString(36).slice(2)}.p12`;
  const certfile = extra.length === 0 ? [] : ['-certfile', `${out}.chain.pem`];
  if (extra.length > 0) writeFileSync(join(pki.dir, `${out}.chain.pem`), extra.map((f) => readFileSync(join(pki.dir, f), 'utf8')).join(''));
  execFileSync('openssl', ['pkcs12', '-export', '-inkey', `${name}.key`, '-in', `${name}.crt`, ...certfile, '-name', name, '-out', out, '-passout', 'env:P12_PASS', ...args], {
    cwd: pki.dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, P12_PASS: passphrase },
  });
  return readFileSync(join(pki.dir, out)).toString('base64');
}
