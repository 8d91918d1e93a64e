import { createPrivateKey, X509Certificate } from 'node:crypto';
import { simpleParser } from 'mailparser';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmailMessage, ProviderRegistry } from '../../src/index.js';
import { normalizeSerial } from '../../src/providers/smtp/index.js';
import { splitSigned } from './helpers/mime.js';
import { startSmtpTestServer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, opensslVerify, P12_PASSPHRASE, type TestPki } from './helpers/pki.js';
import { rejectionOf, smtpRegistry, testClock, type TestClock } from './helpers/setup.js';

let pki: TestPki;
let peer: SmtpTestServer;
let registry: ProviderRegistry;
let clock: TestClock;
let signerId: string;

const baseConfig = () => ({ host: '127.0.0.1', port: peer.port, starttls: 'off' as const, from: 'alice@example.test' });

async function sendSigned(message: Omit<EmailMessage, 'to'> & { to?: EmailMessage['to'] }, id = signerId): Promise<{ raw: Buffer; messageId: string | undefined }> {
  const before = peer.received.length;
  const result = await registry.send(id, { to: 'bob@example.test', ...message } as EmailMessage);
  expect(peer.received).toHaveLength(before + 1);
  return { raw: peer.received[before]!.raw, messageId: result.messageId };
}

function signerSerial(pem: string): bigint | undefined {
  return normalizeSerial(new X509Certificate(pem).serialNumber);
}

beforeAll(async () => {
  pki = createTestPki();
  peer = await startSmtpTestServer({ tls: 'none' });
  clock = testClock();
  ({ registry } = smtpRegistry({ clock }));
  const created = await registry.create({
    type: 'smtp',
    name: 'Signed mail',
    config: { ...baseConfig(), smime: { serialNumber: pki.alice.serial } },
    secrets: { smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE },
  });
  signerId = created.id;
});

afterAll(async () => {
  await registry?.close();
  await peer?.close();
  pki?.cleanup();
});

describe('S/MIME signed message headers', () => {
  it('keeps one To: and one Cc: field for several recipients (RFC 5322 3.6)', async () => {
    const { raw } = await sendSigned({ to: ['bob@example.test', { name: 'Carol C.', address: 'carol@example.test' }], cc: ['dan@example.test', 'erin@example.test'], subject: 'Several', text: 'Hi' });
    const head = raw.toString('latin1').split('\r\n\r\n')[0]!;
    expect(head.match(/^To:/gim)).toHaveLength(1);
    expect(head.match(/^Cc:/gim)).toHaveLength(1);
    const parsed = await simpleParser(raw);
    const addresses = (field: typeof parsed.to) => (Array.isArray(field) ? field : field ? [field] : []).flatMap((a) => a.value.map((v) => v.address));
    expect(addresses(parsed.to)).toStrictEqual(['bob@example.test', 'carol@example.test']);
    expect(addresses(parsed.cc)).toStrictEqual(['dan@example.test', 'erin@example.test']);
    expect(opensslVerify(pki, raw).ok).toBe(true);
  });
});

describe('S/MIME signing, verified with openssl cms -verify', () => {
  const cases: [string, Omit<EmailMessage, 'to'>][] = [
    ['text only, no final newline', { subject: 'Plain', text: 'Hello world' }],
    ['text only, final newline', { subject: 'Plain', text: 'Hello\nworld\n' }],
    ['html only', { subject: 'Html', html: '<p>Hello <b>world</b></p>' }],
    ['text and html', { subject: 'Both', text: 'Hello', html: '<p>Hello</p>' }],
    ['non-ASCII subject and body', { subject: 'Grüße aus Zürich 👋', text: 'Ünïcödé body — zweite Zeile\nnoch eine: ß€' }],
    ['mixed CR, LF and CRLF, trailing spaces, dots and From', { subject: 'Lines', text: 'a\rb\nc\r\nd  \n.dot\nFrom me\n' }],
    ['one 2000-character line', { subject: 'Long', text: 'x'.repeat(2000) }],
    [
      'binary and text attachments',
      {
        subject: 'Files',
        text: 'See attached',
        attachments: [
          { filename: 'data.bin', content: new Uint8Array([0, 1, 2, 250, 255, 13, 10, 128]) },
          { filename: 'notes.txt', content: 'line one\nline two', contentType: 'text/plain' },
        ],
      },
    ],
  ];

  it.each(cases)('%s', async (_name, message) => {
    const { raw } = await sendSigned(message);
    const outcome = opensslVerify(pki, raw);
    expect(outcome.output).toContain('Verification successful');
    expect(outcome.ok).toBe(true);
    expect(signerSerial(outcome.signer)).toBe(normalizeSerial(pki.alice.serial));

    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(message.subject);
    if (message.text !== undefined) expect(parsed.text?.replace(/\r\n?/g, '\n').trimEnd()).toBe(message.text.replace(/\r\n?/g, '\n').trimEnd());
    if (message.html !== undefined) expect(parsed.html).toContain(message.html);
    const files = parsed.attachments.filter((a) => a.filename !== 'smime.p7s');
    expect(files.map((a) => a.filename)).toEqual((message.attachments ?? []).map((a) => a.filename));
    if (message.attachments?.[0]) expect([...files[0]!.content]).toEqual([...(message.attachments[0].content as Uint8Array)]);
  });

  it('writes RFC 8551 multipart/signed with micalg=sha-256 and a detached smime.p7s', async () => {
    const { raw } = await sendSigned({ subject: 'Structure', text: 'Structure check' });
    const parts = splitSigned(raw);
    expect(parts.headers).toMatch(/Content-Type: multipart\/signed; protocol="application\/pkcs7-signature"; micalg=sha-256; boundary=/);
    expect(raw.toString('latin1')).toMatch(/Content-Type: application\/pkcs7-signature; name=smime\.p7s;\s+smime-type=signed-data/);
    expect(raw.toString('latin1')).toContain('Content-Disposition: attachment; filename=smime.p7s');
    // The signed part carries only Content-* headers; From/To/Subject stay outside.
    const innerHeaders = parts.signed.toString('latin1').split('\r\n\r\n')[0]!;
    for (const line of innerHeaders.split('\r\n')) expect(line).toMatch(/^(Content-|\s)/i);
    expect(parts.headers).toMatch(/^From: alice@example\.test/m);
  });

  it('hashes exactly the CRLF-canonical, 7-bit bytes it transmits', async () => {
    const { raw } = await sendSigned({ subject: 'Ünïcödé', text: 'bare\nLF\rCR\r\nCRLF äöü', html: '<p>ß</p>' });
    const { signed, signature } = splitSigned(raw);
    expect(signed.toString('latin1')).not.toMatch(/[^\r]\n|\r[^\n]/);
    expect([...signed].every((byte) => byte < 0x80)).toBe(true);
    const content = forge.asn1.fromDer(signature.toString('binary'));
    const signedData = (content.value[1] as forge.asn1.Asn1).value[0] as forge.asn1.Asn1;
    const signerInfo = ((signedData.value as forge.asn1.Asn1[]).at(-1)!.value as forge.asn1.Asn1[])[0]!;
    const attrs = (signerInfo.value as forge.asn1.Asn1[])[3]!.value as forge.asn1.Asn1[];
    const digestAttr = attrs.find((a) => forge.asn1.derToOid((a.value as forge.asn1.Asn1[])[0]!.value as string) === '1.2.840.113549.1.9.4')!;
    const digest = ((digestAttr.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as string;
    const md = forge.md.sha256.create();
    md.update(signed.toString('binary'));
    expect(Buffer.from(digest, 'binary').toString('hex')).toBe(md.digest().toHex());
  });

  it('encodes the signed attributes and certificates in DER SET OF order (strict verifiers)', async () => {
    const { raw } = await sendSigned({ subject: 'Order', text: 'Order check' });
    const content = forge.asn1.fromDer(splitSigned(raw).signature.toString('binary'));
    const signedData = (content.value[1] as forge.asn1.Asn1).value[0] as forge.asn1.Asn1;
    const fields = signedData.value as forge.asn1.Asn1[];
    const der = (a: forge.asn1.Asn1) => forge.asn1.toDer(a).getBytes();
    const isSorted = (items: forge.asn1.Asn1[]) => items.every((item, i) => i === 0 || der(items[i - 1]!) <= der(item));
    const signerInfo = (fields.at(-1)!.value as forge.asn1.Asn1[])[0]!;
    const attrs = (signerInfo.value as forge.asn1.Asn1[])[3]!.value as forge.asn1.Asn1[];
    expect(attrs.map((a) => forge.asn1.derToOid((a.value as forge.asn1.Asn1[])[0]!.value as string))).toEqual([
      '1.2.840.113549.1.9.3',
      '1.2.840.113549.1.9.5',
      '1.2.840.113549.1.9.4',
    ]);
    expect(isSorted(attrs)).toBe(true);
    const certificates = fields[3]!.value as forge.asn1.Asn1[];
    expect(isSorted(certificates)).toBe(true);
    // Signer and its CA are sent; bob's certificate from the same bundle is not.
    expect(certificates).toHaveLength(2);
  });

  it('keeps the Message-ID and the envelope (Bcc receives the mail, no Bcc header)', async () => {
    const before = peer.received.length;
    const result = await registry.send(signerId, { to: 'bob@example.test', bcc: 'hidden@example.test', subject: 'Envelope', text: 'Envelope' });
    const received = peer.received[before]!;
    expect(received.rcptTo).toEqual(['bob@example.test', 'hidden@example.test']);
    expect(received.mailFrom).toBe('alice@example.test');
    expect(received.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
    const parsed = await simpleParser(received.raw);
    expect(parsed.messageId).toBe(result.messageId);
    expect(opensslVerify(pki, received.raw).ok).toBe(true);
  });

  it('signs every message of concurrent pooled sends', async () => {
    const before = peer.received.length;
    await Promise.all(Array.from({ length: 5 }, (_, i) => registry.send(signerId, { to: 'bob@example.test', subject: `Concurrent ${i}`, text: `Message ${i}` })));
    const received = peer.received.slice(before);
    expect(received).toHaveLength(5);
    for (const message of received) expect(opensslVerify(pki, message.raw).ok).toBe(true);
  });

  it('a tampered body fails verification', async () => {
    const { raw } = await sendSigned({ subject: 'Tamper', text: 'Pay 100 CHF to Alice' });
    const tampered = Buffer.from(raw.toString('latin1').replace('Pay 100 CHF', 'Pay 900 CHF'), 'latin1');
    expect(tampered.equals(raw)).toBe(false);
    const outcome = opensslVerify(pki, tampered);
    expect(outcome.ok).toBe(false);
    expect(outcome.output).toMatch(/digest failure|verification failure/i);
  });

  it('signs with a PEM certificate and an encrypted PEM key', async () => {
    const passphrase = 'pem-Pass-77e1';
    const encrypted = createPrivateKey(pki.alice.key).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
    const created = await registry.create({
      type: 'smtp',
      config: { ...baseConfig(), smime: { certificate: pki.alice.cert, chain: pki.caCert } },
      secrets: { smimeKey: encrypted, smimePassphrase: passphrase },
    });
    const { raw } = await sendSigned({ subject: 'PEM', text: 'PEM signed' }, created.id);
    expect(opensslVerify(pki, raw).ok).toBe(true);
  });

  it('signs with an EC (P-256) key', async () => {
    const created = await registry.create({
      type: 'smtp',
      config: { ...baseConfig(), smime: { certificate: pki.aliceEc.cert, chain: pki.caCert } },
      secrets: { smimeKey: pki.aliceEc.key },
    });
    const { raw } = await sendSigned({ subject: 'EC', text: 'ECDSA signed' }, created.id);
    const outcome = opensslVerify(pki, raw);
    expect(outcome.ok).toBe(true);
    expect(signerSerial(outcome.signer)).toBe(normalizeSerial(pki.aliceEc.serial));
  });

  it('sends unsigned mail when signing is switched off, keeping the certificate settings', async () => {
    const copy = await registry.copy(signerId, { name: 'Unsigned' });
    await registry.update(copy.id, { config: { smime: { enabled: false, serialNumber: pki.alice.serial } } });
    const { raw } = await sendSigned({ subject: 'Unsigned', text: 'not signed' }, copy.id);
    expect(raw.toString('latin1')).not.toContain('multipart/signed');
  });
});

describe('certificate ready', () => {
  async function createSigner(smime: Record<string, unknown>, secrets: Record<string, string>, from = 'alice@example.test') {
    return registry.create({ type: 'smtp', config: { ...baseConfig(), from, smime }, secrets });
  }

  it('is part of the Test report, each item a step', async () => {
    const report = await registry.test(signerId);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining(['smime.found', 'smime.privateKey', 'smime.validity', 'smime.address', 'smime.usage', 'smime.chain', 'smime.keyStrength', 'verify']),
    );
  });

  it('reports an unknown serial number, and sending fails with CONFIG_INVALID before any connection', async () => {
    const p = await createSigner({ serialNumber: 'DEAD' }, { smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE });
    const report = await registry.test(p.id);
    const found = report.steps.find((s) => s.name === 'smime.found')!;
    expect(found.ok).toBe(false);
    expect(found.detail).toContain('DEAD');
    expect(found.detail).toContain('8F0102030405060708');
    const connections = peer.connections();
    const error = await rejectionOf(registry.send(p.id, { to: 'bob@example.test', subject: 's', text: 't' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('found');
    expect(peer.connections()).toBe(connections);
  });

  it('reports a missing private key (a certificate of the bundle without its key)', async () => {
    const p = await createSigner({ serialNumber: pki.bob.serial }, { smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE }, 'bob@example.test');
    const steps = (await registry.test(p.id)).steps;
    expect(steps.find((s) => s.name === 'smime.found')!.ok).toBe(true);
    expect(steps.find((s) => s.name === 'smime.privateKey')!.ok).toBe(false);
    expect(steps.find((s) => s.name === 'smime.address')!.ok).toBe(true);
    expect((await rejectionOf(registry.send(p.id, { to: 'a@example.test', subject: 's', text: 't' }))).code).toBe('CONFIG_INVALID');
  });

  it('reports a wrong address for the default and for a per-message from', async () => {
    const p = await createSigner({ serialNumber: pki.alice.serial }, { smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE }, 'noreply@example.test');
    const address = (await registry.test(p.id)).steps.find((s) => s.name === 'smime.address')!;
    expect(address.ok).toBe(false);
    expect(address.detail).toContain('alice@example.test');
    const error = await rejectionOf(registry.send(signerId, { from: 'mallory@example.test', to: 'bob@example.test', subject: 's', text: 't' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('mallory@example.test');
  });

  it('reports an expired certificate, and sending with it fails before any connection', async () => {
    const p = await createSigner({ certificate: pki.expired.cert, chain: pki.caCert }, { smimeKey: pki.expired.key });
    const steps = (await registry.test(p.id)).steps;
    const validity = steps.find((s) => s.name === 'smime.validity')!;
    expect(validity.ok).toBe(false);
    expect(validity.detail).toMatch(/^expired on /);
    expect(steps.filter((s) => s.name.startsWith('smime.') && s.name !== 'smime.validity').every((s) => s.ok)).toBe(true);
    const connections = peer.connections();
    expect((await rejectionOf(registry.send(p.id, { to: 'bob@example.test', subject: 's', text: 't' }))).code).toBe('CONFIG_INVALID');
    expect(peer.connections()).toBe(connections);
  });

  it('checks validity at the registry clock: expired later, not yet valid earlier', async () => {
    const real = clock.now();
    try {
      clock.set(real + 90 * 86_400_000);
      let validity = (await registry.test(signerId)).steps.find((s) => s.name === 'smime.validity')!;
      expect(validity.ok).toBe(false);
      expect(validity.detail).toMatch(/^expired on /);
      expect((await rejectionOf(registry.send(signerId, { to: 'bob@example.test', subject: 's', text: 't' }))).code).toBe('CONFIG_INVALID');
      clock.set(real - 90 * 86_400_000);
      validity = (await registry.test(signerId)).steps.find((s) => s.name === 'smime.validity')!;
      expect(validity.ok).toBe(false);
      expect(validity.detail).toMatch(/^not yet valid/);
    } finally {
      clock.set(real);
    }
  });

  it('reports a certificate without the emailProtection usage', async () => {
    const p = await createSigner({ certificate: pki.serverOnly.cert, chain: pki.caCert }, { smimeKey: pki.serverOnly.key });
    const steps = (await registry.test(p.id)).steps;
    const usage = steps.find((s) => s.name === 'smime.usage')!;
    expect(usage.ok).toBe(false);
    expect(usage.detail).toContain('emailProtection');
    expect(steps.filter((s) => s.name.startsWith('smime.') && s.name !== 'smime.usage').every((s) => s.ok)).toBe(true);
  });

  it('reports a wrong PKCS#12 passphrase as not found, without the passphrase in the report', async () => {
    const p = await createSigner({}, { smimePkcs12: pki.bundle, smimePassphrase: 'wrong-passphrase-x1' });
    const report = await registry.test(p.id);
    const found = report.steps.find((s) => s.name === 'smime.found')!;
    expect(found.ok).toBe(false);
    expect(found.detail).toContain('wrong passphrase');
    expect(JSON.stringify(report)).not.toContain('wrong-passphrase-x1');
  });
});
