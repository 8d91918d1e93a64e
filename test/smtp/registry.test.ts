import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, ProviderRegistry } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { startSmtpTestServer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, P12_PASSPHRASE, type TestPki } from './helpers/pki.js';
import { rejectionOf, smtpRegistry } from './helpers/setup.js';

const USER = 'app-user';
const PASSWORD = 'Zq9-unique-Secret-Pw-71c3';

let pki: TestPki;
let plainAuth: SmtpTestServer;
let loginAuth: SmtpTestServer;
let registry: ProviderRegistry;
let logs: LogEntry[];

const config = (peer: SmtpTestServer, over: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port: peer.port,
  targetName: 'localhost',
  caCertificates: pki.tls.cert,
  username: USER,
  from: 'alice@example.test',
  ...over,
});

beforeAll(async () => {
  pki = createTestPki();
  plainAuth = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users: { [USER]: PASSWORD }, authMethods: ['PLAIN'] });
  loginAuth = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users: { [USER]: PASSWORD }, authMethods: ['LOGIN'] });
  ({ registry, logs } = smtpRegistry());
});

afterAll(async () => {
  await registry?.close();
  await plainAuth?.close();
  await loginAuth?.close();
  pki?.cleanup();
});

describe('through the registry', () => {
  it('is the type "smtp" of kind delivery on the email channel', () => {
    const type = smtp();
    expect([type.type, type.kind, type.channel]).toEqual(['smtp', 'delivery', 'email']);
    expect(type.secretFields).toEqual(['password', 'smimePassphrase', 'smimeKey', 'smimePkcs12', 'oauth2ClientSecret', 'oauth2RefreshToken', 'oauth2CertificateKey', 'dkimPrivateKey']);
  });

  it('create, test with a test message, copy, change and remove the password, events', async () => {
    const created = await registry.create({ type: 'smtp', name: 'Relay', config: config(plainAuth), secrets: { password: PASSWORD } });
    expect(created.channel).toBe('email');
    expect(created.config).toMatchObject({ secure: false, starttls: 'required', pool: { maxConnections: 5, maxMessages: 100 } });
    expect(created.secrets).toEqual({
      password: { set: true },
      smimePassphrase: { set: false },
      smimeKey: { set: false },
      smimePkcs12: { set: false },
      oauth2ClientSecret: { set: false },
      oauth2RefreshToken: { set: false },
      oauth2CertificateKey: { set: false },
      dkimPrivateKey: { set: false },
    });

    const report = await registry.test(created.id, { to: 'admin@example.test' });
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.name)).toEqual(['config', 'verify', 'send']);
    expect(report.steps[1]!.detail).toContain(`authenticated as ${USER}`);
    expect(plainAuth.received.at(-1)!.rcptTo).toEqual(['admin@example.test']);
    expect(report.sendResult?.messageId).toBeDefined();

    const copy = await registry.copy(created.id, { name: 'Relay (copy)' });
    expect((await registry.send(copy.id, { to: 'a@example.test', subject: 'From the copy', text: 'x' })).accepted).toEqual(['a@example.test']);

    await registry.setSecret(created.id, 'password', 'a-wrong-password-5');
    const failed = await registry.test(created.id);
    expect(failed.ok).toBe(false);
    expect(failed.errorCode).toBe('AUTH_FAILED');
    expect(failed.steps.find((s) => s.name === 'verify')).toMatchObject({ ok: false, code: 'AUTH_FAILED' });

    await registry.setSecret(created.id, 'password', PASSWORD);
    expect((await registry.test(created.id)).ok).toBe(true);

    await registry.removeSecret(created.id, 'password');
    const noPassword = await registry.test(created.id);
    expect(noPassword.steps[0]).toMatchObject({ name: 'config', ok: false, code: 'CONFIG_INVALID' });
    expect((await registry.get(created.id)).secrets.password).toEqual({ set: false });

    const types = (await registry.events({ providerId: created.id })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['provider.created', 'test', 'send', 'provider.copied', 'secret.changed', 'secret.removed']));
  });

  it('rejects invalid configuration naming the field', async () => {
    const attempts: [Record<string, unknown>, string][] = [
      [{ host: 'smtp.example.test', port: 70_000 }, 'config.port'],
      [{ host: 'bad host name' }, 'config.host'],
      [{ host: 'smtp.example.test', localAddress: '300.1.1.1' }, 'config.localAddress'],
      [{ host: 'smtp.example.test', starttls: 'sometimes' }, 'config.starttls'],
      [{ host: 'smtp.example.test', smime: {} }, 'config.from'],
      [{ host: 'smtp.example.test', from: 'a@example.test', smime: { serialNumber: 'xyz' } }, 'config.smime.serialNumber'],
      [{ host: 'smtp.example.test', replyTo: 'no' }, 'config.replyTo'],
    ];
    for (const [bad, field] of attempts) {
      const error = await rejectionOf(registry.create({ type: 'smtp', config: bad }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.field).toBe(field);
    }
  });

  it('an already aborted send is ABORTED and opens no connection', async () => {
    const created = await registry.create({ type: 'smtp', config: config(plainAuth), secrets: { password: PASSWORD } });
    const before = plainAuth.connections();
    const controller = new AbortController();
    controller.abort();
    const error = await rejectionOf(registry.send(created.id, { to: 'a@example.test', subject: 's', text: 't' }, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(plainAuth.connections()).toBe(before);
  });
});

describe('events at level debug', () => {
  it('record the SMTP transcript with AUTH PLAIN and AUTH LOGIN redacted, and never a secret', async () => {
    const secrets = { password: PASSWORD, smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE };
    const ids: string[] = [];
    for (const peer of [plainAuth, loginAuth]) {
      const created = await registry.create({
        type: 'smtp',
        eventLevel: 'debug',
        config: config(peer, { smime: { serialNumber: pki.alice.serial } }),
        secrets,
      });
      ids.push(created.id);
      expect((await registry.test(created.id, { to: 'admin@example.test' })).ok).toBe(true);
      await registry.send(created.id, { to: 'nobody-here@example.test', subject: 'Debug', text: 'body-marker-6f1e' });
      await registry.setSecret(created.id, 'password', `${PASSWORD}-wrong`);
      await registry.test(created.id);
    }
    const events = (await Promise.all(ids.map((id) => registry.events({ providerId: id })))).flat();
    const transcript = events.filter((e) => e.type === 'smtp.transcript').map((e) => e.message);
    expect(transcript.some((line) => /^C: AUTH PLAIN \[redacted\]$/.test(line))).toBe(true);
    expect(transcript.some((line) => /^C: AUTH LOGIN$/.test(line))).toBe(true);
    expect(transcript.filter((line) => line === 'C: [redacted]').length).toBeGreaterThanOrEqual(2);
    expect(transcript.some((line) => line.startsWith('S: 235'))).toBe(true);

    const everything = JSON.stringify(events) + JSON.stringify(logs);
    const needles = [
      PASSWORD,
      Buffer.from(PASSWORD).toString('base64').replace(/=+$/, ''),
      Buffer.from(`\u0000${USER}\u0000${PASSWORD}`).toString('base64').replace(/=+$/, ''),
      P12_PASSPHRASE,
      pki.bundle.slice(100, 160),
      encodeURIComponent(PASSWORD),
    ];
    for (const needle of needles) expect(everything).not.toContain(needle);
    // The transcript keeps the message size, not the message.
    expect(everything).not.toContain('body-marker-6f1e');
    expect(events.some((e) => /^<\d+ bytes encoded mime message/.test(e.message))).toBe(true);
  });

  it('record no transcript below debug, but warn about ignored certificate errors', async () => {
    const created = await registry.create({
      type: 'smtp',
      eventLevel: 'all',
      config: config(plainAuth, { caCertificates: undefined, ignoreCertificateErrors: true }),
      secrets: { password: PASSWORD },
    });
    await registry.send(created.id, { to: 'a@example.test', subject: 's', text: 't' });
    const types = (await registry.events({ providerId: created.id })).map((e) => e.type);
    expect(types).toContain('smtp.tls.unverified');
    expect(types).not.toContain('smtp.transcript');
  });
});
