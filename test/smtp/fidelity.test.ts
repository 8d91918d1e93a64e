import { execFile, execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import dns from 'node:dns';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser } from 'mailparser';
import forge from 'node-forge';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmailMessage, ProviderRegistry } from '../../src/index.js';
import { checkCertificate, normalizeSerial } from '../../src/providers/smtp/index.js';
import { createTransport } from 'nodemailer';
import { aiosmtpdAvailable, startAiosmtpd, type AiosmtpdPeer } from './helpers/aiosmtpd.js';
import { splitSigned } from './helpers/mime.js';
import { startSmtpTestServer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, opensslVerify, pkcs12Of, type TestPki } from './helpers/pki.js';
import { rejectionOf, smtpRegistry } from './helpers/setup.js';

const UMLAUT_PASSPHRASE = 'Grüezi-Pässwort-1';

let pki: TestPki;
let peer: SmtpTestServer;
let registry: ProviderRegistry;

const plain = (over: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: peer.port, starttls: 'off' as const, from: 'alice@example.test', ...over });

async function provider(config: Record<string, unknown>, secrets: Record<string, string> = {}): Promise<string> {
  return (await registry.create({ type: 'smtp', config, secrets })).id;
}

/** Sends and returns the message as the server received it. */
async function sent(id: string, message: Partial<EmailMessage>, server = peer): Promise<Buffer> {
  const before = server.received.length;
  await registry.send(id, { to: 'bob@example.test', subject: 's', ...message } as EmailMessage);
  return server.received[before]!.raw;
}

beforeAll(async () => {
  pki = createTestPki();
  peer = await startSmtpTestServer({ tls: 'none' });
  ({ registry } = smtpRegistry());
});
afterAll(async () => {
  await registry?.close();
  await peer?.close();
  pki?.cleanup();
});

describe('PKCS#12 bundles with a non-ASCII passphrase (OpenSSL makes them, OpenSSL opens them)', () => {
  const variants: [string, string[]][] = [
    ['OpenSSL 3 defaults (PBES2, PBKDF2, AES-256-CBC, HMAC-SHA256)', []],
    ['PBE-SHA1-3DES with a SHA-1 MAC (older Windows)', ['-keypbe', 'PBE-SHA1-3DES', '-certpbe', 'PBE-SHA1-3DES', '-macalg', 'sha1']],
    ['-legacy (RC2-40 certificates)', ['-legacy']],
    ['no MAC', ['-nomac']],
  ];

  it.each(variants)('%s: found, ready, and what it signs verifies', async (_name, args) => {
    const bundle = pkcs12Of(pki, 'alice', UMLAUT_PASSPHRASE, args, ['ca.crt']);
    // OpenSSL itself opens it with the passphrase.
    const file = join(pki.dir, `check-${args.join('')}.p12`);
    writeFileSync(file, Buffer.from(bundle, 'base64'));
    execFileSync('openssl', ['pkcs12', '-in', file, '-noout', '-passin', 'env:P', ...(args.includes('-legacy') ? ['-legacy'] : [])], {
      env: { ...process.env, P: UMLAUT_PASSPHRASE },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const report = checkCertificate({ pkcs12: bundle, passphrase: UMLAUT_PASSPHRASE, from: 'alice@example.test' });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    const id = await provider(plain({ smime: {} }), { smimePkcs12: bundle, smimePassphrase: UMLAUT_PASSPHRASE });
    expect(opensslVerify(pki, await sent(id, { text: 'signed with an umlaut passphrase' })).ok).toBe(true);
  });

  it('accepts the passphrase in its decomposed form (ü as u + combining diaeresis) too', () => {
    const bundle = pkcs12Of(pki, 'alice', UMLAUT_PASSPHRASE, [], ['ca.crt']);
    expect(checkCertificate({ pkcs12: bundle, passphrase: UMLAUT_PASSPHRASE.normalize('NFD'), from: 'alice@example.test' }).ready).toBe(true);
  });

  it('opens a bundle whose MAC an OpenSSL 1.x made from the UTF-8 bytes of the passphrase', () => {
    const key = forge.pki.privateKeyFromPem(pki.alice.key);
    const asn1 = forge.pkcs12.toPkcs12Asn1(key, [forge.pki.certificateFromPem(pki.alice.cert), forge.pki.certificateFromPem(pki.caCert)], forge.util.encodeUtf8(UMLAUT_PASSPHRASE), { algorithm: '3des' });
    const bundle = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary').toString('base64');
    expect(checkCertificate({ pkcs12: bundle, passphrase: UMLAUT_PASSPHRASE, from: 'alice@example.test' }).ready).toBe(true);
  });

  it('tells a wrong passphrase from a file that is no PKCS#12, and never echoes the passphrase', () => {
    const bundle = pkcs12Of(pki, 'alice', UMLAUT_PASSPHRASE);
    const wrong = checkCertificate({ pkcs12: bundle, passphrase: 'Grüezi-Passwort-1' });
    expect(wrong.checks[0]).toMatchObject({ name: 'found', ok: false, detail: expect.stringContaining('wrong passphrase') });
    const garbage = checkCertificate({ pkcs12: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'), passphrase: UMLAUT_PASSPHRASE });
    expect(garbage.checks[0]!.detail).toContain('not a .p12/.pfx');
    expect(JSON.stringify([wrong, garbage])).not.toContain('Pässwort');
  });

  it('reads an EC key from a bundle (node-forge cannot)', () => {
    const bundle = pkcs12Of(pki, 'alice-ec', UMLAUT_PASSPHRASE, [], ['ca.crt']);
    const report = checkCertificate({ pkcs12: bundle, passphrase: UMLAUT_PASSPHRASE, from: 'alice@example.test' });
    expect(report.ready).toBe(true);
    expect(report.checks.find((c) => c.name === 'keyStrength')!.detail).toBe('EC P-256');
  });

  it('sibling: an encrypted PEM key with a non-ASCII passphrase (openssl pkcs8 -v2 aes-256-cbc)', () => {
    const encrypted = execFileSync('openssl', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-in', pki.alice.certPath.replace(/\.crt$/, '.key'), '-passout', 'env:P'], {
      env: { ...process.env, P: UMLAUT_PASSPHRASE },
    }).toString();
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    const report = checkCertificate({ certificate: pki.alice.cert, key: encrypted, passphrase: UMLAUT_PASSPHRASE, chain: pki.caCert, from: 'alice@example.test' });
    expect(report.ready).toBe(true);
    expect(createPrivateKey({ key: encrypted, passphrase: UMLAUT_PASSPHRASE }).asymmetricKeyType).toBe('rsa');
  });
});

describe('serial numbers as users copy them', () => {
  const aliceSerial = normalizeSerial('8F0102030405060708');
  const forms: [string, string, string][] = [
    ['the Windows certificate dialog (left-to-right mark, spaces, sign byte)', '\u200e00 8f 01 02 03 04 05 06 07 08', 'alice'],
    ['the Windows dialog with non-breaking spaces', '\u200e8f\u00a001\u00a002\u00a003\u00a004\u00a005\u00a006\u00a007\u00a008', 'alice'],
    ['openssl x509 -text, long form', '8f:01:02:03:04:05:06:07:08', 'alice'],
    ['openssl x509 -serial', 'serial=8F0102030405060708', 'alice'],
    ['a "Serial Number:" label', 'Serial Number: 8F 01 02 03 04 05 06 07 08', 'alice'],
    ['openssl x509 -text, short form', '4097 (0x1001)', 'carol'],
  ];

  it.each(forms)('%s: %j', async (_name, input, who) => {
    const expected = who === 'alice' ? aliceSerial : 0x1001n;
    expect(normalizeSerial(input)).toBe(expected);
    const bundle = pkcs12Of(pki, 'alice', 'pw', [], ['carol.crt', 'Test S-MIME Issuing CA.crt', 'ca.crt']);
    const report = checkCertificate({ pkcs12: bundle, passphrase: 'pw', serialNumber: input, from: `${who}@example.test` });
    expect(report.checks.find((c) => c.name === 'found')).toMatchObject({ ok: true });
    expect(normalizeSerial(report.certificate!.serialNumber)).toBe(expected);
    // In a record it is stored as OpenSSL prints it.
    const created = await registry.create({ type: 'smtp', config: plain({ from: `${who}@example.test`, smime: { serialNumber: input } }), secrets: { smimePkcs12: bundle, smimePassphrase: 'pw' } });
    expect((created.config.smime as { serialNumber: string }).serialNumber).toBe(expected!.toString(16).toUpperCase());
  });

  it('an input that cannot be read is named, in the report and as CONFIG_INVALID', async () => {
    const report = checkCertificate({ pkcs12: pki.bundle, passphrase: 'p12-Pass!phrase-9d1c', serialNumber: '\u200eno serial' });
    expect(report.checks[0]).toMatchObject({ ok: false, detail: expect.stringContaining('serial number "no serial" cannot be read') });
    expect(report.checks[0]!.detail).toContain('8F0102030405060708');
    expect(normalizeSerial('4096 (0x1001)')).toBeUndefined();
    const error = await rejectionOf(registry.create({ type: 'smtp', config: plain({ smime: { serialNumber: '4096 (0x1001)' } }) }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(error.message).toContain('"4096 (0x1001)"');
  });
});

describe('certificate ready: the chain and the key strength', () => {
  it('a leaf without its intermediate is not ready, and sending is refused before any connection', async () => {
    const report = checkCertificate({ certificate: pki.carol.cert, key: pki.carol.key, chain: pki.caCert, from: 'carol@example.test' });
    const chain = report.checks.find((c) => c.name === 'chain')!;
    expect(chain.ok).toBe(false);
    expect(chain.detail).toContain('the issuer of carol ("Test S-MIME Issuing CA") is missing');
    expect(report.ready).toBe(false);
    const id = await provider(plain({ from: 'carol@example.test', smime: { certificate: pki.carol.cert, chain: pki.caCert } }), { smimeKey: pki.carol.key });
    const connections = peer.connections();
    expect(await rejectionOf(registry.send(id, { to: 'bob@example.test', subject: 's', text: 't' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'smime' });
    expect(peer.connections()).toBe(connections);
  });

  it('with the intermediate it is complete, and a verifier that knows only the root accepts the signature', async () => {
    const chainPem = pki.intermediate.cert + pki.caCert;
    expect(checkCertificate({ certificate: pki.carol.cert, key: pki.carol.key, chain: chainPem, from: 'carol@example.test' }).checks.find((c) => c.name === 'chain')).toMatchObject({
      ok: true,
      detail: 'complete: carol → Test S-MIME Issuing CA → Test S-MIME Root CA (self-signed root)',
    });
    const id = await provider(plain({ from: 'carol@example.test', smime: { certificate: pki.carol.cert, chain: chainPem } }), { smimeKey: pki.carol.key });
    expect(opensslVerify(pki, await sent(id, { text: 'chain' })).ok).toBe(true);
  });

  it('a chain ending at a configured trust anchor is complete without the root', () => {
    const without = checkCertificate({ certificate: pki.carol.cert, key: pki.carol.key, chain: pki.intermediate.cert, from: 'carol@example.test' });
    expect(without.checks.find((c) => c.name === 'chain')!.ok).toBe(false);
    const anchored = checkCertificate({ certificate: pki.carol.cert, key: pki.carol.key, chain: pki.intermediate.cert, trustAnchors: pki.caCert, from: 'carol@example.test' });
    expect(anchored.checks.find((c) => c.name === 'chain')).toMatchObject({ ok: true, detail: 'complete: carol → Test S-MIME Issuing CA → Test S-MIME Root CA (trust anchor)' });
    expect(anchored.ready).toBe(true);
  });

  it('a 1024-bit RSA key is reported on its own item, and refused for signing', async () => {
    const report = checkCertificate({ certificate: pki.weak.cert, key: pki.weak.key, chain: pki.caCert, from: 'alice@example.test' });
    expect(report.checks.filter((c) => !c.ok)).toEqual([{ name: 'keyStrength', ok: false, detail: 'RSA 1024 bits is too weak: at least 2048 bits are required' }]);
    const id = await provider(plain({ smime: { certificate: pki.weak.cert, chain: pki.caCert } }), { smimeKey: pki.weak.key });
    const steps = (await registry.test(id)).steps;
    expect(steps.find((s) => s.name === 'smime.keyStrength')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
    expect((await rejectionOf(registry.send(id, { to: 'bob@example.test', subject: 's', text: 't' }))).code).toBe('CONFIG_INVALID');
  });
});

describe('header lines over 998 octets are handled before any I/O', () => {
  it('a 1500-character token in a custom header is MESSAGE_INVALID naming the header, before connecting', async () => {
    const id = await provider(plain());
    const connections = peer.connections();
    const error = await rejectionOf(registry.send(id, { to: 'bob@example.test', subject: 's', text: 't', headers: { 'X-Token': 'T'.repeat(1500) } }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.headers.X-Token' });
    expect(error.message).toContain('998');
    expect(peer.connections()).toBe(connections);
  });

  it('a long header with spaces is folded and sent', async () => {
    const id = await provider(plain());
    const raw = await sent(id, { text: 't', headers: { 'X-Comment': 'word '.repeat(400).trim() } });
    expect(Math.max(...raw.toString('latin1').split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    expect((await simpleParser(raw)).headers.get('x-comment')).toBe('word '.repeat(400).trim());
  });

  it.each([false, true])('a 998-character subject without spaces is sent as encoded words and reads back the same (signed: %s)', async (signed) => {
    const subject = `S${'x'.repeat(996)}E`;
    const id = signed
      ? await provider(plain({ smime: { serialNumber: pki.alice.serial } }), { smimePkcs12: pki.bundle, smimePassphrase: 'p12-Pass!phrase-9d1c' })
      : await provider(plain());
    const raw = await sent(id, { subject, text: 't' });
    expect(Math.max(...raw.toString('latin1').split('\r\n').map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(998);
    expect((await simpleParser(raw)).subject).toBe(subject);
    if (signed) expect(opensslVerify(pki, raw).ok).toBe(true);
  });
});

describe('per-recipient outcome', () => {
  let strict: SmtpTestServer;
  beforeAll(async () => {
    strict = await startSmtpTestServer({
      tls: 'none',
      rcpt: { 'later@example.test': '450 Mailbox busy, try again', 'gone@example.test': '550 No such user', 'bad@example.test': '553 Mailbox name not allowed' },
    });
  });
  afterAll(async () => strict?.close());

  it('gives each refused recipient its reply code and whether it is temporary', async () => {
    const id = await provider(plain({ port: strict.port }));
    const result = await registry.send(id, { to: ['later@example.test', 'ok@example.test', 'gone@example.test'], subject: 's', text: 't' });
    expect(result).toMatchObject({ accepted: ['ok@example.test'], rejected: ['later@example.test', 'gone@example.test'] });
    expect(result.rejections).toEqual([
      { recipient: 'later@example.test', status: 450, description: expect.stringContaining('450 Mailbox busy'), temporary: true, code: 'UNAVAILABLE' },
      { recipient: 'gone@example.test', status: 550, description: expect.stringContaining('550 No such user'), temporary: false, code: 'INVALID_RECIPIENT' },
    ]);
    expect(strict.received.at(-1)!.rcptTo).toEqual(['ok@example.test']);
  });

  it('when all are refused the error keeps every status: retryable when one was deferred', async () => {
    const id = await provider(plain({ port: strict.port }));
    const mixed = await rejectionOf(registry.send(id, { to: ['gone@example.test', 'later@example.test'], subject: 's', text: 't' }));
    expect(mixed).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { rejected: ['gone@example.test', 'later@example.test'] } });
    expect((mixed as { details?: { rejections?: unknown } }).details?.rejections).toEqual([
      expect.objectContaining({ recipient: 'gone@example.test', status: 550, temporary: false }),
      expect.objectContaining({ recipient: 'later@example.test', status: 450, temporary: true }),
    ]);
    const permanent = await rejectionOf(registry.send(id, { to: ['gone@example.test', 'bad@example.test'], subject: 's', text: 't' }));
    expect(permanent).toMatchObject({ code: 'INVALID_RECIPIENT', retryable: false });
    expect((permanent as { details?: { rejections?: { status: number }[] } }).details?.rejections?.map((r) => r.status)).toEqual([550, 553]);
  });
});

describe('signing keeps attachment bytes and protects fragile lines', () => {
  const attachments = [
    { filename: 'notes.txt', content: 'line one\nline two\r\nthree\rfour\n', contentType: 'text/plain' },
    { filename: 'data.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' },
    { filename: 'blob.bin', content: new Uint8Array([0x0d, 0x0a, 0x0a, 0x0d, 0x00, 0xff]) },
  ];

  it('attachment bytes are identical signed and unsigned, and equal to what was given', async () => {
    const unsigned = await provider(plain());
    const signed = await provider(plain({ smime: { serialNumber: pki.alice.serial } }), { smimePkcs12: pki.bundle, smimePassphrase: 'p12-Pass!phrase-9d1c' });
    const message = { text: 'see attached', attachments };
    const received = [await sent(unsigned, message), await sent(signed, message)];
    expect(opensslVerify(pki, received[1]!).ok).toBe(true);
    const [a, b] = await Promise.all(received.map(async (raw) => (await simpleParser(raw)).attachments.filter((x) => x.filename !== 'smime.p7s')));
    for (const [i, given] of attachments.entries()) {
      const bytes = typeof given.content === 'string' ? Buffer.from(given.content) : Buffer.from(given.content);
      expect(a![i]!.content.equals(bytes), `${given.filename} unsigned`).toBe(true);
      expect(b![i]!.content.equals(bytes), `${given.filename} signed`).toBe(true);
    }
  });

  it('lines starting with "From " or ending in whitespace survive mbox delivery and whitespace stripping', async () => {
    const id = await provider(plain({ smime: { serialNumber: pki.alice.serial } }), { smimePkcs12: pki.bundle, smimePassphrase: 'p12-Pass!phrase-9d1c' });
    const text = 'Hello\nFrom the team\nwith trailing spaces   \nand a tab\t\nFrom here on\n';
    const html = '<p>x</p>\nFrom <b>us</b>  \n';
    const raw = await sent(id, { text, html });
    const { signed } = splitSigned(raw);
    const lines = signed.toString('latin1').split('\r\n');
    expect(lines.filter((l) => l.startsWith('From '))).toEqual([]);
    expect(lines.filter((l) => /[ \t]$/.test(l))).toEqual([]);
    expect(opensslVerify(pki, raw).ok).toBe(true);
    // What an mbox writer and a whitespace-stripping gateway do to a message:
    const mboxed = Buffer.from(raw.toString('latin1').replace(/^From /gm, '>From '), 'latin1');
    const stripped = Buffer.from(raw.toString('latin1').replace(/[ \t]+\r\n/g, '\r\n'), 'latin1');
    expect(opensslVerify(pki, mboxed).ok).toBe(true);
    expect(opensslVerify(pki, stripped).ok).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.text?.replace(/\r\n/g, '\n')).toBe(text);
  });

  it('sibling: a message/rfc822 attachment with 8-bit content cannot be signed (MESSAGE_INVALID before connecting)', async () => {
    const id = await provider(plain({ smime: { serialNumber: pki.alice.serial } }), { smimePkcs12: pki.bundle, smimePassphrase: 'p12-Pass!phrase-9d1c' });
    const connections = peer.connections();
    const error = await rejectionOf(
      registry.send(id, { to: 'bob@example.test', subject: 's', text: 't', attachments: [{ filename: 'fwd.eml', contentType: 'message/rfc822', content: 'Subject: Grüße\r\n\r\nGrüße\r\n' }] }),
    );
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(peer.connections()).toBe(connections);
    const ascii = await sent(id, { text: 't', attachments: [{ filename: 'fwd.eml', contentType: 'message/rfc822', content: 'Subject: Hi\n\nHello\n' }] });
    expect(opensslVerify(pki, ascii).ok).toBe(true);
  });
});

describe('lone UTF-16 surrogates', () => {
  it.each([
    ['subject', { subject: 'cut \uD83D', text: 't' }],
    ['text', { text: 'cut \uD83D' }],
    ['html', { html: '<p>\uDE00</p>' }],
    ['an attachment name', { text: 't', attachments: [{ filename: '\uD800.txt', content: 'x' }] }],
  ])('in %s are MESSAGE_INVALID before connecting', async (_name, message) => {
    const id = await provider(plain());
    const connections = peer.connections();
    expect(await rejectionOf(registry.send(id, { to: 'bob@example.test', subject: 's', ...message } as EmailMessage))).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(peer.connections()).toBe(connections);
  });
});

describe('caCertificates adds to the default trust store', () => {
  it('a relay certified by a CA of the default store and one certified by caCertificates both work; trustDefaultCAs: false trusts only caCertificates', async () => {
    const dir = pki.dir;
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    const tlsFor = (ca: string) => {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '5', '-subj', `/CN=${ca}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign']);
      openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}-server.key`, '-out', `${ca}-server.csr`, '-subj', '/CN=localhost']);
      writeFileSync(join(dir, `${ca}-server.ext`), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n');
      openssl(['x509', '-req', '-in', `${ca}-server.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${ca}-server.crt`, '-days', '5', '-extfile', `${ca}-server.ext`]);
      return { cert: readFileSync(join(dir, `${ca}-server.crt`), 'utf8'), key: readFileSync(join(dir, `${ca}-server.key`), 'utf8') };
    };
    const byDefault = await startSmtpTestServer(tlsFor('default-store-ca'));
    const byExtra = await startSmtpTestServer(tlsFor('extra-ca'));
    try {
      const run = async (trustDefault: boolean) => {
        const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/smtp/helpers/ca-child.ts'], {
          cwd: process.cwd(),
          env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: join(dir, 'default-store-ca.crt'),
            TK_PORT_DEFAULT: String(byDefault.port),
            TK_PORT_EXTRA: String(byExtra.port),
            TK_CA_EXTRA: join(dir, 'extra-ca.crt'),
            TK_TRUST_DEFAULT: String(trustDefault),
          },
        });
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, string>;
      };
      expect(await run(true)).toEqual({ default: 'sent', extra: 'sent' });
      const replaced = await run(false);
      expect(replaced.extra).toBe('sent');
      expect(replaced.default).toMatch(/^UNAVAILABLE: .*certificate/i);
    } finally {
      await byDefault.close();
      await byExtra.close();
    }
  }, 60_000);

  it('trustDefaultCAs: false without caCertificates is CONFIG_INVALID', async () => {
    expect(await rejectionOf(registry.create({ type: 'smtp', config: { host: 'relay.example.test', trustDefaultCAs: false } }))).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('the default EHLO name is this host’s name', () => {
  afterEach(() => vi.restoreAllMocks());

  it('uses the host name, never [127.0.0.1], when it has no dot', async () => {
    const id = await provider(plain());
    await sent(id, { text: 'ehlo' });
    const ehlo = peer.received.at(-1)!.ehlo;
    expect(ehlo).not.toBe('[127.0.0.1]');
    if (!os.hostname().includes('.')) expect(ehlo === os.hostname() || ehlo.startsWith(`${os.hostname()}.`)).toBe(true);
    const result = await registry.send(id, { to: 'bob@example.test', subject: 's', text: 't' });
    expect(result.details).toMatchObject({ ehloName: ehlo });
  });

  it('prefers the fully qualified name the resolver gives for an unqualified host name', async () => {
    vi.spyOn(os, 'hostname').mockReturnValue('mailclient');
    vi.spyOn(dns.promises, 'lookup').mockResolvedValue({ address: '192.0.2.7', family: 4 } as never);
    vi.spyOn(dns.promises, 'lookupService').mockResolvedValue({ hostname: 'mailclient.corp.example.test', service: '0' });
    const id = await provider(plain());
    await sent(id, { text: 'ehlo' });
    expect(peer.received.at(-1)!.ehlo).toBe('mailclient.corp.example.test');
  });

  it('falls back to the plain host name when the resolver knows no qualified one; a configured ehloName wins', async () => {
    vi.spyOn(os, 'hostname').mockReturnValue('mailclient2');
    vi.spyOn(dns.promises, 'lookup').mockRejectedValue(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    const id = await provider(plain());
    await sent(id, { text: 'ehlo' });
    expect(peer.received.at(-1)!.ehlo).toBe('mailclient2');
    const named = await provider(plain({ ehloName: 'relay-client.example.test' }));
    await sent(named, { text: 'ehlo' });
    expect(peer.received.at(-1)!.ehlo).toBe('relay-client.example.test');
  });
});

if (!aiosmtpdAvailable) console.warn('[smtp fidelity] aiosmtpd is not installed (apt-get install -y python3-aiosmtpd): the second-peer tests are skipped');

// In CI (.ci/run installs it) the peer must run; elsewhere it is skipped with a notice.
describe.runIf(aiosmtpdAvailable || process.env.CI === 'true')('a second SMTP server: aiosmtpd (refuses lines over 1000 octets)', () => {
  let aio: AiosmtpdPeer;
  beforeAll(async () => {
    aio = await startAiosmtpd();
  });
  afterAll(async () => aio?.close());

  const config = (over: Record<string, unknown> = {}) => ({ host: '127.0.0.1', port: aio.port, starttls: 'off' as const, from: 'alice@example.test', ...over });
  const signer = () => provider(config({ smime: { serialNumber: pki.alice.serial } }), { smimePkcs12: pki.bundle, smimePassphrase: 'p12-Pass!phrase-9d1c' });
  async function viaAio(id: string, message: Partial<EmailMessage>): Promise<Buffer> {
    const before = aio.messages().length;
    await registry.send(id, { to: 'bob@example.test', subject: 's', ...message } as EmailMessage);
    return aio.messages()[before]!;
  }

  it('it refuses the header line nodemailer alone would send; the provider refuses it before connecting instead', async () => {
    const raw = createTransport({ host: '127.0.0.1', port: aio.port, ignoreTLS: true });
    const refused = await raw.sendMail({ from: 'a@example.test', to: 'b@example.test', subject: 's', text: 't', headers: { 'X-Token': 'T'.repeat(1500) } }).catch((e: unknown) => e);
    raw.close();
    expect(refused).toMatchObject({ responseCode: 500, response: expect.stringContaining('Line too long') });
    const before = aio.messages().length;
    const error = await rejectionOf(registry.send(await provider(config()), { to: 'b@example.test', subject: 's', text: 't', headers: { 'X-Token': 'T'.repeat(1500) } }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.headers.X-Token' });
    expect(aio.messages()).toHaveLength(before);
  });

  it('takes a signed message with a 998-character subject, fragile lines and text attachments; openssl verifies what it received, also after mbox escaping', async () => {
    const subject = `S${'y'.repeat(996)}E`;
    const attachment = { filename: 'notes.txt', content: 'one\ntwo\n', contentType: 'text/plain' };
    const raw = await viaAio(await signer(), { subject, text: 'From the desk of Alice  \nregards\t\n', attachments: [attachment] });
    expect(opensslVerify(pki, raw).ok).toBe(true);
    expect(opensslVerify(pki, Buffer.from(raw.toString('latin1').replace(/^From /gm, '>From '), 'latin1')).ok).toBe(true);
    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.attachments.find((a) => a.filename === 'notes.txt')!.content.toString()).toBe('one\ntwo\n');
  });
});
