import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../src/index.js';
import { closedPort, startSmtpTestServer, startRawPeer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, type TestPki } from './helpers/pki.js';
import { rejectionOf, smtpRegistry } from './helpers/setup.js';

const USER = 'mailer';
const PASSWORD = 'Sm7p-Pa55word-4e2b!';

let pki: TestPki;
let starttls: SmtpTestServer;
let implicit: SmtpTestServer;
let registry: ProviderRegistry;

/** Config of a provider that talks to the STARTTLS peer and trusts its certificate. */
const trusted = (over: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: starttls.port,
  targetName: 'localhost',
  caCertificates: pki.tls.cert,
  username: USER,
  from: { name: 'Mailer', address: 'noreply@example.test' },
  ...over,
});

async function provider(config: Record<string, unknown>, secrets: Record<string, string> = { password: PASSWORD }): Promise<string> {
  return (await registry.create({ type: 'smtp', config, secrets })).id;
}

beforeAll(async () => {
  pki = createTestPki();
  const users = { [USER]: PASSWORD };
  starttls = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users });
  implicit = await startSmtpTestServer({ tls: 'implicit', cert: pki.tls.cert, key: pki.tls.key, users, authMethods: ['LOGIN'] });
  ({ registry } = smtpRegistry());
});

afterAll(async () => {
  await registry?.close();
  await starttls?.close();
  await implicit?.close();
  pki?.cleanup();
});

describe('sending through smtp-server', () => {
  it('sends plain text over STARTTLS with AUTH PLAIN, checking the certificate against the target name', async () => {
    const id = await provider(trusted());
    const result = await registry.send(id, { to: 'a@example.test', subject: 'Plain', text: 'Hello' });
    expect(result.accepted).toEqual(['a@example.test']);
    expect(result.rejected).toEqual([]);
    const received = starttls.received.at(-1)!;
    expect(received).toMatchObject({ secure: true, user: USER, servername: 'localhost', mailFrom: 'noreply@example.test', rcptTo: ['a@example.test'] });
    const parsed = await simpleParser(received.raw);
    expect(parsed.text?.trim()).toBe('Hello');
    expect(parsed.from?.value[0]).toEqual({ name: 'Mailer', address: 'noreply@example.test' });
    expect(parsed.messageId).toBe(result.messageId);
  });

  it('sends html and attachments over implicit TLS with AUTH LOGIN', async () => {
    const id = await provider(trusted({ port: implicit.port, secure: true }));
    await registry.send(id, {
      to: ['a@example.test', { name: 'B', address: 'b@example.test' }],
      cc: 'c@example.test',
      subject: 'Report',
      html: '<h1>Report</h1>',
      attachments: [
        { filename: 'report.csv', content: 'a,b\n1,2\n', contentType: 'text/csv' },
        { filename: 'logo.bin', content: new Uint8Array([137, 80, 78, 71]) },
        { filename: 'encoded.txt', content: Buffer.from('from base64').toString('base64'), encoding: 'base64' },
      ],
    });
    const received = implicit.received.at(-1)!;
    expect(received.secure).toBe(true);
    expect(received.user).toBe(USER);
    expect(received.rcptTo).toEqual(['a@example.test', 'b@example.test', 'c@example.test']);
    const parsed = await simpleParser(received.raw);
    expect(parsed.html).toContain('<h1>Report</h1>');
    expect(parsed.attachments.map((a) => [a.filename, a.content.toString('latin1')])).toEqual([
      ['report.csv', 'a,b\n1,2\n'],
      ['logo.bin', '\x89PNG'],
      ['encoded.txt', 'from base64'],
    ]);
  });

  it('uses the default reply-to, and a per-message reply-to overrides it', async () => {
    const id = await provider(trusted({ replyTo: 'office@example.test' }));
    await registry.send(id, { to: 'a@example.test', subject: 'Default', text: 'x' });
    expect((await simpleParser(starttls.received.at(-1)!.raw)).replyTo?.text).toBe('office@example.test');
    await registry.send(id, { to: 'a@example.test', subject: 'Override', text: 'x', replyTo: 'form-owner@example.test' });
    expect((await simpleParser(starttls.received.at(-1)!.raw)).replyTo?.text).toBe('form-owner@example.test');
  });

  it('binds the configured source address and sends the configured EHLO name', async () => {
    const id = await provider(trusted({ localAddress: '127.0.0.1', ehloName: 'relay-client.example.test' }));
    await registry.send(id, { to: 'a@example.test', subject: 'Source', text: 'x' });
    expect(starttls.received.at(-1)).toMatchObject({ remoteAddress: '127.0.0.1', ehlo: 'relay-client.example.test' });
    // Another loopback address proves the socket is really bound to the configured one.
    const other = await provider(trusted({ localAddress: '127.0.0.2' }));
    await registry.send(other, { to: 'a@example.test', subject: 'Source 2', text: 'x' });
    expect(starttls.received.at(-1)!.remoteAddress).toBe('127.0.0.2');
  });

  it('pools connections: many messages over at most maxConnections connections', async () => {
    const peer = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users: { [USER]: PASSWORD } });
    try {
      const id = await provider(trusted({ port: peer.port, pool: { maxConnections: 2, maxMessages: 50 } }));
      const sends = Array.from({ length: 8 }, (_, i) => registry.send(id, { to: `r${i}@example.test`, subject: `Pooled ${i}`, text: 'x' }));
      const results = await Promise.all(sends);
      expect(results.every((r) => r.accepted.length === 1)).toBe(true);
      expect(peer.received).toHaveLength(8);
      expect(peer.connections()).toBeGreaterThanOrEqual(1);
      expect(peer.connections()).toBeLessThanOrEqual(2);
    } finally {
      await peer.close();
    }
  });

  it('reports recipients the server rejected while accepting others', async () => {
    const peer = await startSmtpTestServer({ tls: 'none', rcpt: { 'gone@example.test': '550 No such user' } });
    try {
      const id = await provider({ host: '127.0.0.1', port: peer.port, starttls: 'off', from: 'noreply@example.test' }, {});
      const result = await registry.send(id, { to: ['ok@example.test', 'gone@example.test'], subject: 's', text: 't' });
      expect(result.accepted).toEqual(['ok@example.test']);
      expect(result.rejected).toEqual(['gone@example.test']);
    } finally {
      await peer.close();
    }
  });
});

describe('errors', () => {
  it('a wrong password is AUTH_FAILED with the reply code, and not retryable', async () => {
    const id = await provider(trusted(), { password: 'not-the-password-0' });
    const error = await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 't' }));
    expect(error).toMatchObject({ code: 'AUTH_FAILED', retryable: false });
    expect(error.upstream?.status).toBe(535);
  });

  it('rejects a self-signed certificate unless certificate errors are ignored, then warns on every connection', async () => {
    const strict = await provider(trusted({ caCertificates: undefined }));
    const error = await rejectionOf(registry.send(strict, { to: 'a@example.test', subject: 's', text: 't' }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/certificate/i);

    const lax = await provider(trusted({ caCertificates: undefined, targetName: undefined, ignoreCertificateErrors: true, pool: { maxConnections: 1, maxMessages: 1 } }));
    await registry.send(lax, { to: 'a@example.test', subject: 'one', text: 't' });
    await registry.send(lax, { to: 'a@example.test', subject: 'two', text: 't' });
    const warnings = (await registry.events({ providerId: lax })).filter((e) => e.type === 'smtp.tls.unverified');
    expect(warnings.length).toBeGreaterThanOrEqual(2);
    expect(warnings.every((e) => e.severity === 'warn')).toBe(true);
  });

  it('checks the certificate against the host unless a target name is set', async () => {
    const id = await provider(trusted({ targetName: undefined }));
    const error = await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 't' }));
    expect(error.code).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/127\.0\.0\.1|altnames|hostname/i);
  });

  it('550 on RCPT for every recipient is INVALID_RECIPIENT with the rejected addresses', async () => {
    const peer = await startSmtpTestServer({ tls: 'none', rcpt: { 'gone@example.test': '550 No such user', 'bad@example.test': '553 Mailbox name not allowed' } });
    try {
      const id = await provider({ host: '127.0.0.1', port: peer.port, starttls: 'off', from: 'noreply@example.test' }, {});
      const error = await rejectionOf(registry.send(id, { to: ['gone@example.test', 'bad@example.test'], subject: 's', text: 't' }));
      expect(error.code).toBe('INVALID_RECIPIENT');
      expect(error.upstream).toMatchObject({ status: 553, rejected: ['gone@example.test', 'bad@example.test'] });
      expect(peer.received).toHaveLength(0);
    } finally {
      await peer.close();
    }
  });

  it('a 4xx reply is a retryable UNAVAILABLE', async () => {
    const peer = await startSmtpTestServer({ tls: 'none', mailFrom: '451 Try again later' });
    try {
      const id = await provider({ host: '127.0.0.1', port: peer.port, starttls: 'off', from: 'noreply@example.test' }, {});
      const error = await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 't' }));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
      expect(error.upstream?.status).toBe(451);
    } finally {
      await peer.close();
    }
  });

  it('a server that drops the connection mid-DATA gives an error, not success', async () => {
    const raw = await startRawPeer('drop-mid-data');
    try {
      const id = await provider({ host: '127.0.0.1', port: raw.port, starttls: 'off', from: 'noreply@example.test' }, {});
      const error = await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 'x'.repeat(200_000) }));
      expect(error.code).toBe('UNAVAILABLE');
      expect(error.retryable).toBe(true);
    } finally {
      await raw.close();
    }
  });

  it('connection refused is UNAVAILABLE; a server that never greets is TIMEOUT', async () => {
    const refused = await provider({ host: '127.0.0.1', port: await closedPort(), starttls: 'off', from: 'noreply@example.test' }, {});
    expect(await rejectionOf(registry.send(refused, { to: 'a@example.test', subject: 's', text: 't' }))).toMatchObject({ code: 'UNAVAILABLE', retryable: true });

    const silent = await startRawPeer('silent');
    try {
      const id = await provider({ host: '127.0.0.1', port: silent.port, starttls: 'off', from: 'noreply@example.test', timeouts: { greetingMs: 300 } }, {});
      expect(await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 't' }))).toMatchObject({ code: 'TIMEOUT', retryable: true });
    } finally {
      await silent.close();
    }
  });

  it('STARTTLS required fails against a server without it; opportunistic and off send in plain text', async () => {
    const peer = await startSmtpTestServer({ tls: 'none' });
    try {
      const base = { host: '127.0.0.1', port: peer.port, from: 'noreply@example.test' };
      const required = await provider(base, {});
      expect((await rejectionOf(registry.send(required, { to: 'a@example.test', subject: 's', text: 't' }))).code).toBe('UNAVAILABLE');
      for (const starttlsMode of ['opportunistic', 'off']) {
        const id = await provider({ ...base, starttls: starttlsMode }, {});
        await registry.send(id, { to: 'a@example.test', subject: starttlsMode, text: 't' });
        expect(peer.received.at(-1)!.secure).toBe(false);
      }
    } finally {
      await peer.close();
    }
  });
});

describe('bad input is rejected before any connection', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['CR/LF in the subject', { to: 'a@example.test', subject: 'Hi\r\nBcc: victim@example.test', text: 't' }, 'message.subject'],
    ['CR/LF in a header value', { to: 'a@example.test', subject: 's', text: 't', headers: { 'X-Form': 'a\nBcc: victim@example.test' } }, 'message.headers.X-Form'],
    ['a reserved header', { to: 'a@example.test', subject: 's', text: 't', headers: { 'Content-Type': 'text/html' } }, 'message.headers.Content-Type'],
    ['no recipient', { to: [], subject: 's', text: 't' }, 'message.to'],
    ['neither text nor html', { to: 'a@example.test', subject: 's' }, 'message.text'],
    ['an invalid address', { to: 'not an address', subject: 's', text: 't' }, 'message.to'],
    ['an invalid reply-to', { to: 'a@example.test', replyTo: 'x@', subject: 's', text: 't' }, 'message.replyTo'],
  ];

  it.each(cases)('%s', async (_name, message, field) => {
    const id = await provider(trusted());
    const resolved = await registry.resolve(id);
    const before = starttls.connections();
    for (const attempt of [registry.send(id, message as never), (resolved as { send(m: unknown): Promise<unknown> }).send(message)]) {
      const error = await rejectionOf(attempt);
      expect(error.code).toBe('MESSAGE_INVALID');
      expect(error.field).toBe(field);
    }
    expect(starttls.connections()).toBe(before);
  });

  it('a message without from and a provider without default from is MESSAGE_INVALID', async () => {
    const id = await provider(trusted({ from: undefined }));
    const error = await rejectionOf(registry.send(id, { to: 'a@example.test', subject: 's', text: 't' }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.from' });
  });
});
