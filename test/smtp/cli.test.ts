/** `transportkit test smtp` with OAuth2 and DKIM settings; secrets from the environment or stdin only. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type CliIo } from '../../src/cli/index.js';
import { createTestCommand, type CliEnv } from '../../src/cli/test.js';
import { rsaKeyPair } from './helpers/dkim.js';
import { encodingsOf } from './helpers/leaks.js';
import { startTokenEndpoint, startXoauthServer, type TokenEndpoint, type XoauthServer } from './helpers/oauth2.js';
import { createTestPki, type TestPki } from './helpers/pki.js';

const USER = 'mailer@example.test';
const GOOGLE = { clientId: 'cli-client.apps.googleusercontent.com', clientSecret: 'GOCSPX-cli-Secret-4711', refreshToken: '1//cli-Refresh-Token-0815' };
const DKIM = rsaKeyPair(2048);

let pki: TestPki;
let dir: string;
let caFile: string;
let endpoint: TokenEndpoint;
let server: XoauthServer;

async function run(argv: readonly string[], env: CliEnv = {}, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => stdin };
  const code = await main(argv, io, [createTestCommand({ env })]);
  return { code, out, err };
}

const flags = () => [
  '--host', '127.0.0.1', '--port', String(server.port), '--target-name', 'localhost', '--ca-file', caFile, '--username', USER, '--from', USER,
  '--oauth2-provider', 'google', '--oauth2-client-id', GOOGLE.clientId, '--oauth2-token-url', endpoint.googleUrl,
];

beforeAll(async () => {
  pki = createTestPki();
  dir = mkdtempSync(join(tmpdir(), 'tk-smtp-cli-'));
  caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pki.tls.cert);
  endpoint = await startTokenEndpoint({ microsoft: { tenant: 't', clientId: 'c', clientSecret: 's' }, google: GOOGLE });
  server = await startXoauthServer({ cert: pki.tls.cert, key: pki.tls.key, valid: endpoint.valid, user: USER, refusal: 'challenge' });
});

afterAll(async () => {
  await server?.close();
  await endpoint?.close();
  rmSync(dir, { recursive: true, force: true });
  pki?.cleanup();
});

describe('transportkit test smtp: OAuth2 and DKIM', () => {
  it('lists the OAuth2 and DKIM flags and their secrets in the help', async () => {
    const { out } = await run(['test', '--help']);
    for (const text of ['--oauth2-provider VALUE', '--oauth2-client-cert PATH', '--dkim-domain VALUE', '--dkim-canonicalization VALUE', '--dkim-dns', 'TRANSPORTKIT_SMTP_OAUTH2_CLIENT_SECRET (oauth2ClientSecret)', 'TRANSPORTKIT_SMTP_OAUTH2_REFRESH_TOKEN (oauth2RefreshToken)', 'TRANSPORTKIT_SMTP_DKIM_PRIVATE_KEY (dkimPrivateKey)']) {
      expect(out).toContain(text);
    }
  });

  it('Google OAuth2 with secrets on stdin, DKIM key from the environment: passes, sends a signed message, prints no secret', async () => {
    const before = server.received.length;
    const result = await run(
      ['test', 'smtp', ...flags(), '--dkim-domain', 'example.test', '--dkim-selector', 'cli', '--to', 'admin@example.test', '--event-level', 'debug', '--secrets-stdin'],
      { TRANSPORTKIT_SMTP_DKIM_PRIVATE_KEY: DKIM.privateKey },
      `oauth2ClientSecret=${GOOGLE.clientSecret}\noauth2RefreshToken=${GOOGLE.refreshToken}\n`,
    );
    expect(result.code, result.err + result.out).toBe(0);
    expect(result.out).toMatch(/^ok {4}verify .*authenticated as mailer@example\.test with OAuth2 \(google\)/m);
    expect(result.out).toMatch(/^ok {4}dkim\.keySize .*RSA 2048 bits$/m);
    expect(result.out).toMatch(/^ok {4}dkim\.dns .*not checked/m);
    expect(result.err).toContain('C: AUTH XOAUTH2 [redacted]');
    expect(server.received).toHaveLength(before + 1);
    expect(server.received.at(-1)!.raw.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.test;/);
    const printed = result.out + result.err;
    const keyBody = DKIM.privateKey.split('\n').filter((l) => !l.startsWith('-----')).join('');
    for (const secret of [GOOGLE.clientSecret, GOOGLE.refreshToken, ...endpoint.issued, keyBody.slice(0, 40), keyBody.slice(200, 240)]) {
      for (const form of encodingsOf(secret)) expect(printed).not.toContain(form);
    }
  });

  it('a revoked refresh token fails the verify step with AUTH_FAILED (exit 1); secrets as flags are refused (exit 2)', async () => {
    const env = { TRANSPORTKIT_SMTP_OAUTH2_CLIENT_SECRET: GOOGLE.clientSecret, TRANSPORTKIT_SMTP_OAUTH2_REFRESH_TOKEN: '1//revoked-Refresh-Token' };
    const failed = await run(['test', 'smtp', ...flags()], env);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/^FAIL {2}verify .*invalid_grant.*\[AUTH_FAILED\]$/m);
    expect(failed.out + failed.err).not.toContain('revoked-Refresh-Token');
    const misplaced = await run(['test', 'smtp', ...flags(), '--oauth2-client-secret', 'x']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.err).toContain('set TRANSPORTKIT_SMTP_OAUTH2_CLIENT_SECRET or use --secrets-stdin');
  });

  it('a missing OAuth2 secret names the variable that sets it (exit 2)', async () => {
    const result = await run(['test', 'smtp', ...flags()], { TRANSPORTKIT_SMTP_OAUTH2_CLIENT_SECRET: GOOGLE.clientSecret });
    expect(result.code).toBe(2);
    expect(result.err).toContain('field: secrets.oauth2RefreshToken (set the secret with TRANSPORTKIT_SMTP_OAUTH2_REFRESH_TOKEN or --secrets-stdin)');
  });
});
