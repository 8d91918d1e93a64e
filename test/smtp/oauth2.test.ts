/**
 * OAuth2 (SASL XOAUTH2) against independent loopback peers: a token endpoint speaking RFC 6749
 * (Microsoft's client-credentials flow with a secret or a certificate, Google's refresh-token
 * flow) and smtp-server offering only XOAUTH2 and checking every token it is given.
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry, ProviderRegistry } from '../../src/index.js';
import type { SmtpOptions } from '../../src/providers/smtp/index.js';
import { leaksIn, printout } from './helpers/leaks.js';
import { startTokenEndpoint, startXoauthServer, type TokenEndpoint, type XoauthServer } from './helpers/oauth2.js';
import { createTestPki, type TestPki } from './helpers/pki.js';
import { rejectionOf, smtpRegistry, testClock, type TestClock } from './helpers/setup.js';

const USER = 'noreply@contoso.test';
const CLIENTS = {
  microsoft: { tenant: 'contoso.onmicrosoft.com', clientId: '00000000-aaaa-4bbb-8ccc-111111111111', clientSecret: 'ms~Cl1ent.Secret_Value-0987654321' },
  google: { clientId: '1234-abc.apps.googleusercontent.com', clientSecret: 'GOCSPX-g00gle-Client-Secret', refreshToken: '1//0g-Refresh-Token-Very-Secret-ABCDEF' },
};

let pki: TestPki;
let endpoint: TokenEndpoint;
let microsoftServer: XoauthServer;
let googleServer: XoauthServer;
const registries: ProviderRegistry[] = [];

function setup(options: { clock?: TestClock; smtp?: SmtpOptions } = {}): { registry: ProviderRegistry; logs: LogEntry[] } {
  const made = smtpRegistry(options);
  registries.push(made.registry);
  return made;
}

const smtpConfig = (server: XoauthServer) => ({
  host: '127.0.0.1',
  port: server.port,
  caCertificates: pki.tls.cert,
  targetName: 'localhost',
  username: USER,
  from: USER,
  // One message per connection: every send authenticates, so token handling is exercised each time.
  pool: { maxConnections: 5, maxMessages: 1 },
});
const microsoft = (extra: Record<string, unknown> = {}) => ({
  ...smtpConfig(microsoftServer),
  oauth2: { provider: 'microsoft' as const, tenantId: CLIENTS.microsoft.tenant, clientId: CLIENTS.microsoft.clientId, tokenUrl: endpoint.microsoftUrl, ...extra },
});
const google = () => ({
  ...smtpConfig(googleServer),
  oauth2: { provider: 'google' as const, clientId: CLIENTS.google.clientId, tokenUrl: endpoint.googleUrl },
});
const googleSecrets = { oauth2ClientSecret: CLIENTS.google.clientSecret, oauth2RefreshToken: CLIENTS.google.refreshToken };
const message = (n = 0) => ({ to: 'anna@example.test', subject: `Report ${n}`, text: 'Hello' });

beforeAll(async () => {
  pki = createTestPki();
  endpoint = await startTokenEndpoint({ microsoft: { ...CLIENTS.microsoft, certificate: pki.alice.cert }, google: CLIENTS.google });
  microsoftServer = await startXoauthServer({ cert: pki.tls.cert, key: pki.tls.key, valid: endpoint.valid, user: USER, refusal: '535' });
  googleServer = await startXoauthServer({ cert: pki.tls.cert, key: pki.tls.key, valid: endpoint.valid, user: USER, refusal: 'challenge' });
});

afterEach(async () => {
  await Promise.all(registries.splice(0).map((r) => r.close()));
  endpoint.mode = 'ok';
  endpoint.expiresIn = 3600;
});

afterAll(async () => {
  await microsoftServer?.close();
  await googleServer?.close();
  await endpoint?.close();
  pki?.cleanup();
});

describe('token flows', () => {
  it('Microsoft 365 client credentials with a client secret: the token is fetched once and cached', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'M365', config: microsoft(), secrets: { oauth2ClientSecret: CLIENTS.microsoft.clientSecret } });
    const before = endpoint.requests.length;
    for (let n = 0; n < 3; n++) await registry.send(id, message(n));
    const requests = endpoint.requests.slice(before);
    expect(requests).toEqual([
      { grant_type: 'client_credentials', client_id: CLIENTS.microsoft.clientId, scope: 'https://outlook.office365.com/.default', client_secret: CLIENTS.microsoft.clientSecret },
    ]);
    const token = endpoint.issued.at(-1)!;
    expect(microsoftServer.attempts.slice(-3)).toEqual([0, 1, 2].map(() => ({ user: USER, token, ok: true })));
  });

  it('Microsoft 365 with a certificate credential: a signed client assertion (RS256, x5t, audience = token endpoint)', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'M365 cert', config: microsoft({ clientCertificate: pki.alice.cert }), secrets: { oauth2CertificateKey: pki.alice.key } });
    const before = endpoint.requests.length;
    await registry.send(id, message());
    const [request] = endpoint.requests.slice(before);
    expect(request).toMatchObject({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' });
    expect(request).not.toHaveProperty('client_secret');
    expect(microsoftServer.attempts.at(-1)).toMatchObject({ ok: true });
    // The endpoint refuses an assertion signed by another key.
    const { id: wrong } = await registry.create({ type: 'smtp', name: 'M365 wrong cert', config: microsoft({ clientCertificate: pki.bob.cert }), secrets: { oauth2CertificateKey: pki.bob.key } });
    expect(await rejectionOf(registry.send(wrong, message()))).toMatchObject({ code: 'AUTH_FAILED', retryable: false, upstream: { status: 400 } });
  });

  it('Google refresh token: the server answers a bad token with a 334 challenge; a good one is accepted', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'Gmail', config: google(), secrets: googleSecrets });
    const before = endpoint.requests.length;
    await registry.send(id, message());
    expect(endpoint.requests.slice(before)).toEqual([{ grant_type: 'refresh_token', client_id: CLIENTS.google.clientId, client_secret: CLIENTS.google.clientSecret, refresh_token: CLIENTS.google.refreshToken }]);
    expect(googleServer.received.at(-1)?.user).toBe(USER);
  });

  it('a host callback supplies the token; renew is true when the server refused the last one', async () => {
    const calls: { user: string; renew: boolean }[] = [];
    let next = 'not-a-valid-token';
    const { registry } = setup({
      smtp: {
        oauth2Token: async ({ user, renew, signal }) => {
          expect(signal).toBeInstanceOf(AbortSignal);
          calls.push({ user, renew });
          const token = next;
          next = [...endpoint.valid][0]!;
          return { accessToken: token, expiresAt: new Date(Date.now() + 3600_000) };
        },
      },
    });
    endpoint.valid.add('callback-token-1');
    const { id } = await registry.create({ type: 'smtp', name: 'callback', config: { ...smtpConfig(microsoftServer), oauth2: { provider: 'callback' } } });
    await registry.send(id, message());
    expect(calls).toEqual([{ user: USER, renew: false }, { user: USER, renew: true }]);
  });
});

describe('token cache: expiry, refusal, no stampede', () => {
  it('refreshes once, shortly before expiry, for 20 concurrent sends', async () => {
    const clock = testClock();
    const { registry } = setup({ clock });
    endpoint.expiresIn = 120;
    const { id } = await registry.create({ type: 'smtp', name: 'expiry', config: microsoft(), secrets: { oauth2ClientSecret: CLIENTS.microsoft.clientSecret } });
    const before = endpoint.requests.length;
    await registry.send(id, message());
    expect(endpoint.requests.length - before).toBe(1);
    clock.set(clock.now() + 50_000); // still more than the margin before expiry
    await registry.send(id, message());
    expect(endpoint.requests.length - before).toBe(1);
    clock.set(clock.now() + 40_000); // within the last minute: refresh
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => registry.send(id, message(n))));
    expect(results).toHaveLength(20);
    expect(endpoint.requests.length - before).toBe(2);
  });

  it('a token the server refuses (expired there) is renewed once for 20 concurrent sends, and every send succeeds', async () => {
    for (const [server, config] of [
      [microsoftServer, microsoft()],
      [googleServer, google()],
    ] as const) {
      const { registry } = setup();
      const secrets = server === googleServer ? googleSecrets : { oauth2ClientSecret: CLIENTS.microsoft.clientSecret };
      const { id } = await registry.create({ type: 'smtp', name: 'renew', config, secrets });
      const before = endpoint.requests.length;
      await registry.send(id, message());
      const first = endpoint.issued.at(-1)!;
      endpoint.valid.delete(first); // the server now considers it expired
      const attempts = server.attempts.length;
      const results = await Promise.all(Array.from({ length: 20 }, (_, n) => registry.send(id, message(n))));
      expect(results.every((r) => r.accepted.length === 1)).toBe(true);
      expect(endpoint.requests.length - before).toBe(2);
      const second = endpoint.issued.at(-1)!;
      const tried = server.attempts.slice(attempts);
      // Refused with the old token at most once per connection, then only the new one.
      expect(tried.filter((a) => a.token === first).length).toBeGreaterThanOrEqual(1);
      expect(tried.filter((a) => a.token === first).length).toBeLessThanOrEqual(5);
      expect(tried.filter((a) => a.ok).every((a) => a.token === second)).toBe(true);
      await registry.close();
    }
  });

  it('a revoked grant is AUTH_FAILED, not retryable; a server refusing even a renewed token is AUTH_FAILED with its reply', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'revoked', config: google(), secrets: googleSecrets });
    await registry.send(id, message());
    endpoint.valid.delete(endpoint.issued.at(-1)!);
    endpoint.mode = 'invalid_grant'; // the refresh token was revoked
    const error = await rejectionOf(registry.send(id, message()));
    expect(error).toMatchObject({ code: 'AUTH_FAILED', retryable: false, upstream: { status: 400, description: 'invalid_grant: AADSTS70000: invalid_grant for this request.' } });
    expect((error as unknown as { details: unknown }).details).toMatchObject({ outcome: 'not-sent', stage: 'oauth2-token' });

    endpoint.mode = 'ok';
    const { id: refused } = await registry.create({ type: 'smtp', name: 'wrong mailbox', config: { ...microsoft(), username: 'other@contoso.test', from: 'other@contoso.test' }, secrets: { oauth2ClientSecret: CLIENTS.microsoft.clientSecret } });
    const before = endpoint.requests.length;
    expect(await rejectionOf(registry.send(refused, message()))).toMatchObject({ code: 'AUTH_FAILED', retryable: false, upstream: { status: 535 } });
    expect(endpoint.requests.length - before).toBe(2);
  });
});

describe('token endpoint failures are coded', () => {
  it('invalid_client → AUTH_FAILED; 500 → UNAVAILABLE retryable; 429 → RATE_LIMITED; a slow endpoint → UNAVAILABLE within the timeout', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'failures', config: microsoft({ timeoutMs: 300 }), secrets: { oauth2ClientSecret: CLIENTS.microsoft.clientSecret } });
    endpoint.mode = 'invalid_client';
    expect(await rejectionOf(registry.send(id, message()))).toMatchObject({ code: 'AUTH_FAILED', retryable: false });
    endpoint.mode = 'server-error';
    expect(await rejectionOf(registry.send(id, message()))).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { status: 500 } });
    endpoint.mode = 'rate-limited';
    expect(await rejectionOf(registry.send(id, message()))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, upstream: { retryAfterSeconds: 7 } });
    endpoint.mode = 'slow';
    const started = Date.now();
    const slow = await rejectionOf(registry.send(id, message()));
    expect(slow).toMatchObject({ code: 'UNAVAILABLE', retryable: true, message: expect.stringContaining('no answer within 300 ms') });
    expect(Date.now() - started).toBeLessThan(1500);
    endpoint.mode = 'ok';
    await registry.send(id, message());
  });

  it('the Test report shows a refused client in verify', async () => {
    const { registry } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'test', config: microsoft(), secrets: { oauth2ClientSecret: 'wrong-secret-value' } });
    const report = await registry.test(id);
    expect(report.ok).toBe(false);
    expect(report.errorCode).toBe('AUTH_FAILED');
    endpoint.mode = 'ok';
    const { id: good } = await registry.create({ type: 'smtp', name: 'test ok', config: microsoft(), secrets: { oauth2ClientSecret: CLIENTS.microsoft.clientSecret } });
    const passed = await registry.test(good);
    expect(passed.steps.find((s) => s.name === 'verify')?.detail).toContain(`authenticated as ${USER} with OAuth2 (microsoft)`);
  });
});

describe('configuration', () => {
  it('names what is missing or does not belong', async () => {
    const { registry } = setup();
    const make = (config: Record<string, unknown>, secrets: Record<string, string> = {}) =>
      rejectionOf(registry.create({ type: 'smtp', name: `c${Math.random()}`, config: config as never, secrets }).then((p) => registry.resolve(p.id)));
    expect(await make({ ...microsoft(), oauth2: { provider: 'microsoft', tokenUrl: endpoint.microsoftUrl } })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.oauth2.clientId' });
    expect(await make({ ...microsoft(), oauth2: { provider: 'microsoft', clientId: 'x' } })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.oauth2.tenantId' });
    expect(await make({ ...microsoft(), username: undefined })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.username' });
    expect(await make({ ...microsoft(), oauth2: { provider: 'microsoft', clientId: 'x', tokenUrl: 'http://login.example.test/token' } })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.oauth2.tokenUrl' });
    expect(await make(microsoft())).toMatchObject({ code: 'CONFIG_INVALID', field: 'secrets.oauth2ClientSecret' });
    expect(await make(google(), { oauth2ClientSecret: 'x' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'secrets.oauth2RefreshToken' });
    expect(await make(microsoft(), { oauth2ClientSecret: 'x', password: 'pw' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'secrets.password' });
    expect(await make(microsoft({ clientCertificate: pki.alice.cert }), { oauth2CertificateKey: pki.bob.key })).toMatchObject({ code: 'CONFIG_INVALID', field: 'secrets.oauth2CertificateKey' });
    expect(await make(microsoft({ clientCertificate: pki.aliceEc.cert }), { oauth2CertificateKey: pki.aliceEc.key })).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('RSA') });
    expect(await make({ ...smtpConfig(microsoftServer), oauth2: { provider: 'callback' } })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.oauth2.provider' });
  });
});

describe('no secret and no token anywhere', () => {
  it('not in events, the debug transcript, errors, reports or printouts; the XOAUTH2 line is redacted', async () => {
    const { registry, logs } = setup();
    const { id } = await registry.create({ type: 'smtp', name: 'leaks', eventLevel: 'debug', config: google(), secrets: googleSecrets });
    const { id: cert } = await registry.create({ type: 'smtp', name: 'leaks cert', eventLevel: 'debug', config: microsoft({ clientCertificate: pki.alice.cert }), secrets: { oauth2CertificateKey: pki.alice.key } });
    const issuedBefore = endpoint.issued.length;
    await registry.send(id, message());
    endpoint.valid.delete(endpoint.issued.at(-1)!);
    await registry.send(id, message()); // refused, renewed, retried: the 334 challenge path
    await registry.send(cert, message());
    endpoint.mode = 'invalid_grant';
    endpoint.valid.clear();
    const error = await rejectionOf(registry.send(id, message()));
    endpoint.mode = 'ok';
    const report = await registry.test(id);
    const tokens = Object.fromEntries(endpoint.issued.slice(issuedBefore).map((t, n) => [`token${n}`, t]));
    expect(Object.keys(tokens).length).toBeGreaterThanOrEqual(3);
    const events = await registry.events({});
    const transcript = logs.filter((l) => l.event === 'smtp.transcript').map((l) => l.msg);
    expect(transcript).toContain('C: AUTH XOAUTH2 [redacted]');
    expect(transcript.some((line) => /^C: \[redacted\]$/.test(line))).toBe(true); // the answer to the 334 challenge
    const der = createPrivateKey(pki.alice.key).export({ format: 'der', type: 'pkcs8' });
    const text = printout(logs, events, error, report, await registry.resolve(id), await registry.resolve(cert), registry);
    expect(leaksIn(text, { ...tokens, ...googleSecrets, der })).toEqual([]);
    expect(leaksIn(JSON.stringify([logs, events, error, report]), { ...tokens, ...googleSecrets })).toEqual([]);
  });
});
