import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCertificates } from '../../examples/demo/certificates.js';
import { main, type CliIo } from '../../src/cli/index.js';
import { createTestCommand, type CliEnv } from '../../src/cli/test.js';
import type { TestReport } from '../../src/index.js';
import {
  startAspsmsMock,
  startSmtpTestServer,
  startThreemaGatewayMock,
  type AspsmsMock,
  type SmtpTestServer,
  type ThreemaGatewayMock,
} from '../../src/testing/index.js';

/** Distinctive secrets: none of them may appear in anything the CLI prints. */
const SMTP_PASSWORD = 'Smtp-Cli-S3cret!9f2e';
const WRONG_PASSWORD = 'Wrong-Cli-S3cret!41aa';
const ASPSMS_PASSWORD = 'Aspsms-Cli-S3cret&<x>-77';
const THREEMA_SECRET = 'ThreemaCliS3cret0815';
const USER = 'alice';
const USER_KEY = 'CLIKEY000001';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs the CLI with a `test` command reading `env` (never `process.env`) and buffered streams. */
async function run(argv: readonly string[], env: CliEnv = {}, stdin = ''): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => stdin };
  const code = await main(argv, io, [createTestCommand({ env })]);
  return { code, out, err };
}

/** Asserts that no secret (nor its URL-encoded or base64 form) was printed. */
function expectNoSecret(result: Run, secrets: readonly string[]): void {
  const printed = result.out + result.err;
  for (const secret of secrets) {
    for (const form of [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64').replace(/=+$/, '')]) {
      expect(printed).not.toContain(form);
    }
  }
}

let dir: string;
let caFile: string;
let smtpPeer: SmtpTestServer;
let aspsmsMock: AspsmsMock;
let gateway: ThreemaGatewayMock;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'transportkit-cli-test-'));
  caFile = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  [smtpPeer, aspsmsMock, gateway] = await Promise.all([
    startSmtpTestServer({ cert: readFileSync(caFile, 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8'), users: { [USER]: SMTP_PASSWORD } }),
    startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: ASPSMS_PASSWORD, credits: 42 }] }),
    startThreemaGatewayMock({ secret: THREEMA_SECRET }),
  ]);
});

afterAll(async () => {
  await Promise.all([smtpPeer?.close(), aspsmsMock?.close(), gateway?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** STARTTLS (required, the default) with the peer's self-signed certificate trusted through --ca-file. */
const smtpFlags = (): string[] => ['--port', String(smtpPeer.port), '--target-name', 'localhost', '--ca-file', caFile, '--username', USER, '--from', 'app@example.test'];
const smtpEnv = (password = SMTP_PASSWORD): CliEnv => ({ TRANSPORTKIT_SMTP_HOST: smtpPeer.host, TRANSPORTKIT_SMTP_PORT: '1', TRANSPORTKIT_SMTP_PASSWORD: password });

describe('transportkit test smtp', () => {
  it('signs with S/MIME from --smime-cert and a key in the environment, showing the certificate-ready steps', async () => {
    const certs = demoCertificates('app@example.test');
    const certFile = join(dir, 'smime.crt');
    writeFileSync(certFile, certs.smime.certificatePem + certs.ca.certificatePem); // the signer and its issuer (a complete chain)
    const before = smtpPeer.received.length;
    const result = await run(['test', 'smtp', ...smtpFlags(), '--smime-cert', certFile, '--to', 'admin@example.test'], {
      ...smtpEnv(),
      TRANSPORTKIT_SMTP_SMIME_KEY: certs.smime.privateKeyPem,
    });
    expect(result.code).toBe(0);
    for (const check of ['smime.found', 'smime.privateKey', 'smime.validity', 'smime.address', 'smime.usage']) {
      expect(result.out).toMatch(new RegExp(`^ok +${check.replace('.', '\\.')} `, 'm'));
    }
    expect(smtpPeer.received).toHaveLength(before + 1);
    expect(smtpPeer.received.at(-1)!.raw.toString('utf8')).toMatch(/multipart\/signed;[\s\S]*application\/pkcs7-signature/);
    const keyBody = certs.smime.privateKeyPem.split('\n').slice(1, -2).join('');
    expect(result.out + result.err).not.toContain(keyBody.slice(0, 64));
    expectNoSecret(result, [SMTP_PASSWORD]);
  });

  it('names the S/MIME flag when the signer key is missing', async () => {
    const certs = demoCertificates('app@example.test');
    const certFile = join(dir, 'smime-nokey.crt');
    writeFileSync(certFile, certs.smime.certificatePem);
    const result = await run(['test', 'smtp', ...smtpFlags(), '--smime-cert', certFile], smtpEnv());
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^FAIL +smime\.privateKey +\d+ ms {2}no private key for the certificate \(set the secret smimePkcs12 or smimeKey\) \[CONFIG_INVALID\]$/m);
    expect(result.out).toMatch(/^FAILED: .*first "smime\.privateKey" \(CONFIG_INVALID\)/m);
  });

  it('runs config, verify and a test send, prints every step and exits 0 (settings from env, flags win)', async () => {
    const before = smtpPeer.received.length;
    const result = await run(['test', 'smtp', ...smtpFlags(), '--to', 'admin@example.test', '--text', 'hello from the cli'], smtpEnv());
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toBe('smtp test');
    expect(lines.slice(1, 4)).toEqual([
      expect.stringMatching(/^ok {4}config +\d+ ms {2}type smtp$/),
      expect.stringMatching(new RegExp(`^ok {4}verify +\\d+ ms {2}connected to 127\\.0\\.0\\.1:${smtpPeer.port} \\(STARTTLS required\\), authenticated as ${USER}(, EHLO \\S+)?$`)),
      expect.stringMatching(/^ok {4}send +\d+ ms {2}accepted by upstream as <.+>$/),
    ]);
    expect(lines[4]).toMatch(/^PASSED: 3 step\(s\) in \d+ ms$/);
    expect(smtpPeer.received).toHaveLength(before + 1);
    const mail = smtpPeer.received.at(-1)!;
    expect(mail).toMatchObject({ rcptTo: ['admin@example.test'], mailFrom: 'app@example.test', user: USER, secure: true, servername: 'localhost' });
    expect(mail.raw.toString('utf8')).toContain('hello from the cli');
    expectNoSecret(result, [SMTP_PASSWORD]);
  });

  it('without --to runs only the checks; --json prints the TestReport', async () => {
    const before = smtpPeer.received.length;
    const result = await run(['test', 'smtp', ...smtpFlags(), '--json'], smtpEnv());
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as TestReport;
    expect(report).toMatchObject({ ok: true, type: 'smtp' });
    expect(report.steps.map((s) => [s.name, s.ok])).toEqual([
      ['config', true],
      ['verify', true],
    ]);
    expect(report.steps.every((s) => typeof s.durationMs === 'number')).toBe(true);
    expect(smtpPeer.received).toHaveLength(before);
  });

  it('a wrong password fails verify with AUTH_FAILED, exits 1 and never prints the password, even at debug', async () => {
    const result = await run(['test', 'smtp', ...smtpFlags(), '--to', 'admin@example.test', '--event-level', 'debug'], smtpEnv(WRONG_PASSWORD));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^FAIL {2}verify +\d+ ms {2}.*\[AUTH_FAILED\]$/m);
    expect(result.out).toMatch(/^FAILED: \d of \d step\(s\) failed, first "verify" \(AUTH_FAILED\), in \d+ ms$/m);
    expect(result.err).toMatch(/^\[debug\] /m);
    // The table says it all: the registry's own `test` event (a JSON line) is not repeated on stderr.
    expect(result.err).not.toMatch(/^\[\w+\] test: /m);
    expect(result.err).not.toMatch(/^\{|"steps":/m);
    expectNoSecret(result, [WRONG_PASSWORD, SMTP_PASSWORD]);
  });

  it('prints the redacted protocol events at --event-level debug without the password', async () => {
    const result = await run(['test', 'smtp', ...smtpFlags(), '--to', 'admin@example.test', '--event-level', 'debug'], smtpEnv());
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^\[debug\] smtp\./m);
    expect(result.err).toContain('AUTH PLAIN [redacted]');
    expectNoSecret(result, [SMTP_PASSWORD]);
  });

  it('a TLS verification failure prints a hint to use --ca-file, --target-name or --ignore-certificate-errors (exit 1)', async () => {
    const base = ['--port', String(smtpPeer.port), '--username', USER, '--from', 'app@example.test'];
    const untrusted = await run(['test', 'smtp', ...base, '--target-name', 'localhost'], smtpEnv());
    expect(untrusted.code).toBe(1);
    expect(untrusted.out).toMatch(/^FAIL {2}verify .*certificate.*\[UNAVAILABLE\]$/m);
    expect(untrusted.err).toContain("hint: the server's TLS certificate was not accepted");
    expect(untrusted.err, 'events are lines of text, not JSON').not.toContain('{"');
    for (const flag of ['--ca-file PATH', '--target-name NAME', '--ignore-certificate-errors']) expect(untrusted.err).toContain(flag);

    const wrongName = await run(['test', 'smtp', ...base, '--ca-file', caFile], smtpEnv());
    expect(wrongName.code).toBe(1);
    expect(wrongName.err).toContain('--target-name NAME');

    const json = await run(['test', 'smtp', ...base, '--target-name', 'localhost', '--json'], smtpEnv());
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as TestReport).ok).toBe(false);
    expect(json.err).toContain('hint:');

    const accepted = await run(['test', 'smtp', ...base, '--ignore-certificate-errors'], smtpEnv());
    expect(accepted.code).toBe(0);
    expect(accepted.err).not.toContain('hint:');

    const refused = await run(['test', 'smtp', '--host', '127.0.0.1', '--port', '1', '--starttls', 'off'], {});
    expect(refused.code).toBe(1);
    expect(refused.err).not.toContain('hint:');
    expectNoSecret(untrusted, [SMTP_PASSWORD]);
  });

  it('invalid configuration exits 2 and names the field and the flag that sets it', async () => {
    const port = await run(['test', 'smtp', '--host', '127.0.0.1', '--port', 'twenty-five'], smtpEnv());
    expect(port.code).toBe(2);
    expect(port.err).toContain('field: config.port (set it with --port or TRANSPORTKIT_SMTP_PORT)');
    expect(port.out).toBe('');

    const starttls = await run(['test', 'smtp', ...smtpFlags(), '--starttls', 'sometimes'], smtpEnv());
    expect(starttls).toMatchObject({ code: 2, err: expect.stringContaining('config.starttls') });

    const ca = await run(['test', 'smtp', '--host', 'localhost', '--ca-file', join(dir, 'missing.pem')]);
    expect(ca).toMatchObject({ code: 2, err: expect.stringContaining('cannot read --ca-file') });
    expectNoSecret(port, [SMTP_PASSWORD]);
    expectNoSecret(starttls, [SMTP_PASSWORD]);
  });

  it('does not load nodemailer or soap for other commands (provider types are imported lazily)', async () => {
    const probe = async (...argv: string[]) => {
      const { stdout } = await promisify(execFile)('npx', ['tsx', 'test/cli/module-probe.ts', ...argv], { cwd: process.cwd() });
      return JSON.parse(stdout) as { code: number; heavy: string[] };
    };
    expect(await probe('threema', 'hash-email', 'test@threema.ch')).toEqual({ code: 0, resolved: expect.any(Number), heavy: [] });
    expect(await probe('test', 'aspsms', '--help')).toMatchObject({ code: 0, heavy: [] });
    expect(await probe('test', 'smtp', '--host', '127.0.0.1', '--port', String(smtpPeer.port), '--starttls', 'off')).toMatchObject({ heavy: ['nodemailer'] });
  });
});

describe('transportkit test aspsms', () => {
  const flags = (): string[] => ['--user-key', USER_KEY, '--originator', 'CliShop', '--service-url', aspsmsMock.url];

  it('checks, reads the balance and sends a test SMS; the password comes from the environment', async () => {
    const result = await run(['test', 'aspsms', ...flags(), '--to', '+41791234567', '--text', 'cli sms', '--event-level', 'debug'], { TRANSPORTKIT_ASPSMS_PASSWORD: ASPSMS_PASSWORD });
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ok {4}balance +\d+ ms {2}42 credits$/m);
    expect(result.out).toMatch(/^ok {4}send /m);
    expect(aspsmsMock.sent.at(-1)).toMatchObject({ userKey: USER_KEY, originator: 'CliShop', text: 'cli sms', recipients: [{ number: '+41791234567' }] });
    expect(result.err).toMatch(/^\[debug\] /m);
    expectNoSecret(result, [ASPSMS_PASSWORD]);
  });

  it('reads secrets from stdin with --secrets-stdin and settings from env', async () => {
    const sent = aspsmsMock.sent.length;
    const env = { TRANSPORTKIT_ASPSMS_USER_KEY: USER_KEY, TRANSPORTKIT_ASPSMS_ORIGINATOR: 'CliShop', TRANSPORTKIT_ASPSMS_SERVICE_URL: aspsmsMock.url };
    const result = await run(['test', 'aspsms', '--secrets-stdin', '--json'], env, `# secrets\npassword=${ASPSMS_PASSWORD}\n`);
    expect(result.code).toBe(0);
    expect((JSON.parse(result.out) as TestReport).steps.map((s) => s.name)).toEqual(['config', 'originator', 'verify', 'balance']);
    expect(aspsmsMock.sent).toHaveLength(sent);

    const bad = await run(['test', 'aspsms', '--secrets-stdin', ...flags()], {}, `passwd=${ASPSMS_PASSWORD}\n`);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining('"field=value" lines with a field of aspsms (password)') });
    expectNoSecret(bad, [ASPSMS_PASSWORD]);
  });

  it('a wrong password is AUTH_FAILED (exit 1); a missing one is a configuration error naming the variable (exit 2)', async () => {
    const wrong = await run(['test', 'aspsms', ...flags(), '--event-level', 'all'], { TRANSPORTKIT_ASPSMS_PASSWORD: WRONG_PASSWORD });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/^FAIL {2}verify .*\[AUTH_FAILED\]$/m);
    expectNoSecret(wrong, [WRONG_PASSWORD, ASPSMS_PASSWORD]);

    const missing = await run(['test', 'aspsms', ...flags()]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('field: secrets.password (set the secret with TRANSPORTKIT_ASPSMS_PASSWORD or --secrets-stdin)');
  });
});

describe('transportkit test threema', () => {
  const env = (): CliEnv => {
    const { secrets } = gateway.providerSettings();
    return { TRANSPORTKIT_THREEMA_SECRET: secrets.secret, TRANSPORTKIT_THREEMA_PRIVATE_KEY: secrets.privateKey };
  };
  const flags = (): string[] => {
    const { config } = gateway.providerSettings();
    return ['--gateway-id', config.gatewayId, '--gateway-url', config.gatewayUrl];
  };

  it('checks the key pair, verifies, reads credits and sends an end-to-end encrypted test message', async () => {
    const result = await run(['test', 'threema', ...flags(), '--to', 'ECHOECHO', '--text', 'cli threema', '--event-level', 'debug'], env());
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^ok {4}send /m);
    expect(result.out).toMatch(/^PASSED: \d+ step\(s\)/m);
    expect(gateway.inbox('ECHOECHO').at(-1)?.content).toEqual({ type: 'text', text: 'cli threema' });
    expectNoSecret(result, Object.values(env()) as string[]);
  });

  it('takes the private key from stdin and prints a JSON report', async () => {
    const { TRANSPORTKIT_THREEMA_PRIVATE_KEY: privateKey, ...rest } = env();
    const result = await run(['test', 'threema', ...flags(), '--secrets-stdin', '--json'], rest, `privateKey=${privateKey}\n`);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as TestReport;
    expect(report).toMatchObject({ ok: true, type: 'threema' });
    expect(report.steps.map((s) => s.name)).toContain('verify');
    expectNoSecret(result, [privateKey!, rest.TRANSPORTKIT_THREEMA_SECRET!]);
  });

  it('a wrong API secret fails with AUTH_FAILED; a bad Gateway ID is a configuration error', async () => {
    const wrong = await run(['test', 'threema', ...flags(), '--event-level', 'debug'], { ...env(), TRANSPORTKIT_THREEMA_SECRET: WRONG_PASSWORD });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toContain('[AUTH_FAILED]');
    expectNoSecret(wrong, [WRONG_PASSWORD, env().TRANSPORTKIT_THREEMA_PRIVATE_KEY!]);

    const badId = await run(['test', 'threema', '--gateway-id', 'NOPE'], env());
    expect(badId.code).toBe(2);
    expect(badId.err).toContain('config.gatewayId');
    expect(badId.err).toContain('--gateway-id');
  });
});

describe('usage', () => {
  it('lists the command, prints help and rejects unknown types, flags and missing settings with exit 2', async () => {
    expect(await main(['--help'], { stdout: (t) => expect(t).toContain('test'), stderr: () => undefined, readStdin: async () => '' })).toBe(0);
    expect(await run(['test', '--help'])).toMatchObject({ code: 0, out: expect.stringContaining('TRANSPORTKIT_THREEMA_PRIVATE_KEY') });
    expect(await run(['test', 'smtp', '-h'])).toMatchObject({ code: 0, out: expect.stringContaining('--ca-file PATH') });
    expect(await run(['test'])).toMatchObject({ code: 2, err: expect.stringContaining('Usage: transportkit test') });
    expect(await run(['test', 'pop3'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown provider type "pop3" (known: smtp, aspsms, threema)') });
    expect(await run(['test', 'smtp'])).toMatchObject({ code: 2, err: expect.stringContaining('missing --host (or TRANSPORTKIT_SMTP_HOST)') });
    expect(await run(['test', 'aspsms', '--user-key', USER_KEY])).toMatchObject({ code: 2, err: expect.stringContaining('missing --originator') });
    expect(await run(['test', 'smtp', '--host', 'h', '--user-key', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining("'--user-key'") });
    expect(await run(['test', 'smtp', '--host', 'h', '--event-level', 'loud'])).toMatchObject({ code: 2, err: expect.stringContaining('--event-level must be one of') });
    expect(await run(['test', 'smtp', '--host', 'h', 'extra'])).toMatchObject({ code: 2, err: expect.stringContaining("'extra'") });
    expect(await run(['test', 'smtp', '--host', 'h', '--text', 'hi'])).toMatchObject({ code: 2, err: expect.stringContaining('--text needs --to') });
  });

  it('refuses secrets given as flags without echoing them', async () => {
    for (const argv of [
      ['test', 'smtp', '--host', 'h', `--password=${SMTP_PASSWORD}`],
      ['test', 'threema', '--gateway-id', '*TESTGWY', '--private-key', SMTP_PASSWORD],
      ['test', 'threema', '--gateway-id', '*TESTGWY', '--secret', SMTP_PASSWORD],
    ]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.err).toContain('secrets are not accepted as flags');
      expect(result.err).toMatch(/TRANSPORTKIT_(SMTP_PASSWORD|THREEMA_PRIVATE_KEY|THREEMA_SECRET)/);
      expectNoSecret(result, [SMTP_PASSWORD]);
    }
  });
});
