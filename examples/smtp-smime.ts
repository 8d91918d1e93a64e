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
 * Without SMIME_P12 the message is sent unsigned. Without the required variables it prints what
 * to set and exits 2; a failed test step exits 1.
 */
import { readFileSync } from 'node:fs';
import { createRegistry, isTransportError } from 'transportkit';
import { checkCertificate, smtp, type StartTlsMode } from 'transportkit/smtp';

const USAGE = `Sends an S/MIME-signed test message through your SMTP relay. Set:

  SMTP_HOST          SMTP server or relay (required)
  SMTP_FROM          sender address; the certificate must name it (required)
  SMTP_TO            recipient of the test message (required)
  SMTP_PORT          port (default 465 with SMTP_SECURE=true, else 587)
  SMTP_SECURE        true for implicit TLS (SMTPS)
  SMTP_STARTTLS      required (default) | opportunistic | off
  SMTP_TARGET_NAME   name the server certificate is checked against
  SMTP_USER          SMTP AUTH user name
  SMTP_PASSWORD      SMTP AUTH password
  SMIME_P12          path to the signer's .p12/.pfx bundle (without it the message is not signed)
  SMIME_PASSPHRASE   passphrase of the bundle
  SMIME_SERIAL       serial number (hex) of the signer certificate when the bundle holds several
  SMTP_DEBUG=1       print the redacted SMTP transcript

Example:
  SMTP_HOST=smtp.example.org SMTP_USER=app SMTP_PASSWORD=... SMTP_FROM=noreply@example.org \\
  SMTP_TO=me@example.org SMIME_P12=./noreply.p12 SMIME_PASSPHRASE=... npx tsx examples/smtp-smime.ts
`;

const optional = (name: string): string | undefined => process.env[name] || undefined;
const missing = ['SMTP_HOST', 'SMTP_FROM', 'SMTP_TO'].filter((name) => optional(name) === undefined);

async function main(): Promise<number> {
  if (missing.length > 0) {
    process.stderr.write(`missing ${missing.join(', ')}\n\n${USAGE}`);
    return 2;
  }
  const from = optional('SMTP_FROM')!;
  const p12 = optional('SMIME_P12');
  const secrets: Record<string, string> = {};
  const password = optional('SMTP_PASSWORD');
  if (password) secrets.password = password;
  if (p12) {
    secrets.smimePkcs12 = readFileSync(p12).toString('base64');
    secrets.smimePassphrase = optional('SMIME_PASSPHRASE') ?? '';
    const readiness = checkCertificate({ pkcs12: secrets.smimePkcs12, passphrase: secrets.smimePassphrase, serialNumber: optional('SMIME_SERIAL'), from });
    console.log(`certificate ready: ${readiness.ready}`);
    for (const check of readiness.checks) console.log(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
  }

  const registry = createRegistry({
    types: [smtp()],
    logger: process.env.SMTP_DEBUG ? (entry) => console.log(`[${entry.level}] ${entry.event}: ${entry.msg}`) : undefined,
  });
  try {
    const provider = await registry.create({
      type: 'smtp',
      name: 'Example relay',
      eventLevel: process.env.SMTP_DEBUG ? 'debug' : 'all',
      config: {
        host: optional('SMTP_HOST'),
        port: Number(optional('SMTP_PORT') ?? (process.env.SMTP_SECURE === 'true' ? '465' : '587')),
        secure: process.env.SMTP_SECURE === 'true',
        starttls: (optional('SMTP_STARTTLS') ?? 'required') as StartTlsMode,
        targetName: optional('SMTP_TARGET_NAME'),
        username: optional('SMTP_USER'),
        from,
        ...(p12 ? { smime: { serialNumber: optional('SMIME_SERIAL') } } : {}),
      },
      secrets,
    });
    const report = await registry.test(provider.id, { to: optional('SMTP_TO')! });
    for (const step of report.steps) console.log(`${step.ok ? 'ok  ' : 'FAIL'} ${step.name}: ${step.detail ?? ''}`);
    return report.ok ? 0 : 1;
  } catch (error) {
    // An invalid setting (CONFIG_INVALID names the field) is a usage error, like a missing one.
    if (!isTransportError(error)) throw error;
    process.stderr.write(`error: ${error.message}${error.field ? ` (field ${error.field})` : ''}\n\n${USAGE}`);
    return error.code === 'CONFIG_INVALID' ? 2 : 1;
  } finally {
    await registry.close();
  }
}

process.exitCode = await main();
