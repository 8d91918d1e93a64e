import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED, type EventSeverity, type ProviderEvents } from '../../src/index.js';
import {
  checkCertificate,
  derSetOrder,
  formatSerial,
  mapSmtpError,
  normalizeSerial,
  redactClientLine,
  smtpConfigSchema,
  effectivePort,
} from '../../src/providers/smtp/index.js';
import { transcriptLogger } from '../../src/providers/smtp/transcript.js';
import { createTestPki, P12_PASSPHRASE, type TestPki } from './helpers/pki.js';

const identity = (text: string) => text;
const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'failure')), fields);

describe('mapSmtpError', () => {
  const cases: [string, Record<string, unknown>, string, boolean][] = [
    ['535 on AUTH', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Bad credentials', command: 'AUTH PLAIN' }, 'AUTH_FAILED', false],
    ['454 temporary AUTH failure', { code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Try later', command: 'AUTH PLAIN' }, 'UNAVAILABLE', true],
    ['550 on RCPT', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO', rejected: ['x@example.test'] }, 'INVALID_RECIPIENT', false],
    ['450 on RCPT', { code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO', rejected: ['x@example.test'] }, 'UNAVAILABLE', true],
    ['421 on connect', { code: 'EPROTOCOL', responseCode: 421, command: 'CONN' }, 'UNAVAILABLE', true],
    ['552 on DATA', { code: 'EMESSAGE', responseCode: 552, command: 'DATA' }, 'UNAVAILABLE', false],
    ['DNS failure', { code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN' }, 'UNAVAILABLE', true],
    ['connection refused', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }, 'UNAVAILABLE', true],
    ['timeout', { code: 'ETIMEDOUT', command: 'CONN' }, 'TIMEOUT', true],
    ['certificate failure', { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'UNAVAILABLE', false],
    ['abort', { name: 'AbortError', code: 'EABORT' }, 'ABORTED', false],
  ];

  it.each(cases)('%s', (_name, fields, code, retryable) => {
    const error = mapSmtpError(smtpError(fields), 'p1', identity);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(error.providerId).toBe('p1');
    if (fields.responseCode !== undefined) expect(error.upstream?.status).toBe(fields.responseCode);
    if (fields.rejected !== undefined) expect(error.upstream?.rejected).toEqual(fields.rejected);
  });

  it('redacts upstream text', () => {
    const error = mapSmtpError(smtpError({ message: 'Invalid login: 535 bad pw hunter2-x', responseCode: 535, response: '535 bad pw hunter2-x' }), 'p1', (t) =>
      t.split('hunter2-x').join(REDACTED),
    );
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2-x');
  });
});

describe('transcript redaction', () => {
  function recorder(level: EventSeverity = 'debug') {
    const lines: string[] = [];
    const connections: string[] = [];
    const events: ProviderEvents = {
      level: level === 'debug' ? 'debug' : 'all',
      enabled: (s) => level === 'debug' || s !== 'debug',
      error: () => undefined,
      warn: () => undefined,
      info: () => undefined,
      debug: (_type, message) => lines.push(message),
      redact: (text) => text,
    };
    return { lines, connections, logger: transcriptLogger(events, (c) => connections.push(c.connection)) };
  }

  it('replaces every answer to a 334 challenge and AUTH initial responses, even when the client does not mask them', () => {
    const { lines, logger } = recorder();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const session: [string, string][] = [
      ['client', 'AUTH LOGIN'],
      ['server', '334 VXNlcm5hbWU6'],
      ['client', b64('user')],
      ['server', '334 UGFzc3dvcmQ6'],
      ['client', b64('raw-password')],
      ['server', '235 ok'],
      ['client', `AUTH PLAIN ${b64('\0user\0raw-password')}`],
      ['client', 'AUTH CRAM-MD5'],
      ['server', '334 PDEyMzQ1QGV4YW1wbGU+'],
      ['client', b64('user 0123456789abcdef')],
      ['client', 'MAIL FROM:<a@example.test>'],
    ];
    for (const [tnx, line] of session) logger.debug({ tnx, sid: 'c1' }, line);
    expect(lines).toEqual([
      'C: AUTH LOGIN',
      'S: 334 VXNlcm5hbWU6',
      `C: ${REDACTED}`,
      'S: 334 UGFzc3dvcmQ6',
      `C: ${REDACTED}`,
      'S: 235 ok',
      `C: AUTH PLAIN ${REDACTED}`,
      'C: AUTH CRAM-MD5',
      'S: 334 PDEyMzQ1QGV4YW1wbGU+',
      `C: ${REDACTED}`,
      'C: MAIL FROM:<a@example.test>',
    ]);
    expect(redactClientLine('auth xoauth2 dG9rZW4=', false)).toBe(`auth xoauth2 ${REDACTED}`);
  });

  it('tracks challenges per connection', () => {
    const { lines, logger } = recorder();
    logger.debug({ tnx: 'server', sid: 'c1' }, '334 UGFzc3dvcmQ6');
    logger.debug({ tnx: 'client', sid: 'c2' }, 'RSET');
    logger.debug({ tnx: 'client', sid: 'c1' }, 'c2VjcmV0');
    expect(lines).toEqual(['S: 334 UGFzc3dvcmQ6', 'C: RSET', `C: ${REDACTED}`]);
  });

  it('reports connections also below debug, without recording the transcript', () => {
    const { lines, connections, logger } = recorder('info');
    logger.info({ tnx: 'network', sid: 'c2', remoteAddress: '127.0.0.1', remotePort: 25 }, '%s established to %s:%s', 'Connection', '127.0.0.1', 25);
    logger.debug({ tnx: 'client', sid: 'c2' }, 'EHLO x');
    expect(connections).toEqual(['c2']);
    expect(lines).toEqual([]);
  });
});

describe('serial numbers', () => {
  it('compares as numbers whatever the spelling', () => {
    const spellings = ['8F0102030405060708', '008f0102030405060708', '0x8f0102030405060708', '8f:01:02:03:04:05:06:07:08', '8f 01 02 03 04 05 06 07 08'];
    const values = new Set(spellings.map((s) => normalizeSerial(s)));
    expect(values.size).toBe(1);
    expect(formatSerial('008f0102030405060708')).toBe('8F0102030405060708');
    expect(normalizeSerial('not-hex')).toBeUndefined();
  });
});

describe('derSetOrder', () => {
  it('sorts encodings as octet strings, the shorter padded with zeros (X.690 11.6)', () => {
    const items = ['\x31\x02', '\x31', '\x30\xff', '\x31\x00\x01'].map((der) => ({ der }));
    expect(derSetOrder(items).map((i) => i.der)).toEqual(['\x30\xff', '\x31', '\x31\x00\x01', '\x31\x02']);
  });
});

describe('config', () => {
  it('applies defaults and derives the port', () => {
    const plain = smtpConfigSchema.parse({ host: 'smtp.example.test' });
    expect(plain).toMatchObject({ secure: false, starttls: 'required', ignoreCertificateErrors: false, timeouts: { connectMs: 10_000 } });
    expect(effectivePort(plain)).toBe(587);
    expect(effectivePort(smtpConfigSchema.parse({ host: 'smtp.example.test', secure: true }))).toBe(465);
    expect(effectivePort(smtpConfigSchema.parse({ host: '[::1]', port: 2525 }))).toBe(2525);
  });
});

describe('checkCertificate', () => {
  let pki: TestPki;
  beforeAll(() => {
    pki = createTestPki();
  });
  afterAll(() => pki?.cleanup());

  it('is ready for the bundle certificate chosen by a forge-style serial, with the matching from address', () => {
    const report = checkCertificate({ pkcs12: pki.bundle, passphrase: P12_PASSPHRASE, serialNumber: '00 8f 01 02 03 04 05 06 07 08', from: 'Alice@Example.test' });
    expect(report.ready).toBe(true);
    expect(report.checks.map((c) => [c.name, c.ok])).toEqual([
      ['found', true],
      ['privateKey', true],
      ['validity', true],
      ['address', true],
      ['usage', true],
      ['chain', true],
      ['keyStrength', true],
    ]);
    expect(report.checks.find((c) => c.name === 'chain')!.detail).toBe('complete: alice → Test S-MIME Root CA (self-signed root)');
    expect(report.certificate).toMatchObject({ serialNumber: '8F0102030405060708', emails: ['alice@example.test'] });
  });

  it('reports each failing item separately', () => {
    const later = Date.now() + 365 * 86_400_000;
    const report = checkCertificate({ certificate: pki.serverOnly.cert, key: pki.alice.key, from: 'bob@example.test', at: later });
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.ok]))).toEqual({
      found: true,
      privateKey: false,
      validity: false,
      address: false,
      usage: false,
      chain: false,
      keyStrength: true,
    });
    expect(report.ready).toBe(false);
  });

  it('reports nothing found for an empty source or a broken bundle, without throwing', () => {
    expect(checkCertificate({}).checks.every((c) => !c.ok)).toBe(true);
    const broken = checkCertificate({ pkcs12: 'bm90IGEgcDEy', passphrase: 'x' });
    expect(broken.checks[0]!.detail).toContain('could not be read');
  });
});
