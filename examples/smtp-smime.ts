/**
 * Sends an S/MIME-signed test message through an SMTP relay, with the settings from env vars:
 *
 *   SMTP_HOST, SMTP_PORT (587), SMTP_SECURE (true = implicit TLS), SMTP_STARTTLS (required),
 *   SMTP_TARGET_NAME, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_TO,
 *   SMIME_P12 (path to a .p12/.pfx), SMIME_PASSPHRASE, SMIME_SERIAL (hex, optional),
 *   SMTP_DEBUG=1 to print the (redacted) SMTP transcript.
 *
 *   SMTP_HOST=smtp.example.org SMTP_USER=app SMTP_PASSWORD=... SMTP_FROM=noreply@example.org \
 *   SMTP_TO=me@example.org SMIME_P12=./noreply.p12 SMIME_PASSPHRASE=... npx tsx examples/smtp-smime.ts
 *
 * Without SMIME_P12 the message is sent unsigned.
 */
import { readFileSync } from 'node:fs';
import { createRegistry } from 'transportkit';
import { checkCertificate, smtp, type StartTlsMode } from 'transportkit/smtp';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`set the environment variable ${name}`);
  return value;
}
const optional = (name: string): string | undefined => process.env[name] || undefined;

const from = env('SMTP_FROM');
const p12 = optional('SMIME_P12');
const secrets: Record<string, string> = {};
const password = optional('SMTP_PASSWORD');
if (password) secrets.password = password;
if (p12) {
  secrets.smimePkcs12 = readFileSync(p12).toString('base64');
  secrets.smimePassphrase = env('SMIME_PASSPHRASE', '');
  const readiness = checkCertificate({ pkcs12: secrets.smimePkcs12, passphrase: secrets.smimePassphrase, serialNumber: optional('SMIME_SERIAL'), from });
  console.log(`certificate ready: ${readiness.ready}`);
  for (const check of readiness.checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
}

const registry = createRegistry({
  types: [smtp()],
  logger: process.env.SMTP_DEBUG ? (entry) => console.log(`[${entry.level}] ${entry.event}: ${entry.msg}`) : undefined,
});
const provider = await registry.create({
  type: 'smtp',
  name: 'Example relay',
  eventLevel: process.env.SMTP_DEBUG ? 'debug' : 'all',
  config: {
    host: env('SMTP_HOST'),
    port: Number(env('SMTP_PORT', process.env.SMTP_SECURE === 'true' ? '465' : '587')),
    secure: process.env.SMTP_SECURE === 'true',
    starttls: (optional('SMTP_STARTTLS') ?? 'required') as StartTlsMode,
    targetName: optional('SMTP_TARGET_NAME'),
    username: optional('SMTP_USER'),
    from,
    ...(p12 ? { smime: { serialNumber: optional('SMIME_SERIAL') } } : {}),
  },
  secrets,
});

const report = await registry.test(provider.id, { to: env('SMTP_TO') });
for (const step of report.steps) console.log(`${step.ok ? 'ok  ' : 'FAIL'} ${step.name}: ${step.detail ?? ''}`);
await registry.close();
process.exitCode = report.ok ? 0 : 1;
