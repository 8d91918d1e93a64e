/**
 * The transportkit demo (`npm run demo`): every provider type end to end, offline.
 *
 * It starts loopback peers (an SMTP server with STARTTLS and AUTH, the ASPSMS SOAP mock, the
 * Threema gateway mock that really decrypts), creates a registry on the in-memory store with one
 * provider of each type (SMTP with S/MIME signing from a certificate made here, ASPSMS, Threema
 * E2E, TOTP), copies one, registers "used by" references, sets a tenant default, runs the Test of
 * each provider, sends through each delivery provider (the SMS's delivery notification comes
 * back to a loopback notification endpoint and updates its delivery status), enrols a TOTP user
 * and verifies a code, delivers a second factor over Threema and one over a stored route
 * (Threema first, SMS when the number has no Threema ID), and runs the BalanceMonitor so a low
 * balance produces exactly one warning. It prints a summary and exits 0 only when every step did
 * what it says.
 *
 * With `--serve` (`npm run demo -- --serve [--port N]`) it then also serves the admin console
 * (`transportkit/admin`) on this registry at 127.0.0.1, prints the sign-in URL and keeps the
 * peers running until Ctrl-C.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generate } from 'otplib';
import { BalanceMonitor, createRegistry, generateSecretKey, memoryStorage, type BalanceUserDirectory, type ProviderInfo, type TestReport } from 'transportkit';
import { aspsms, createAspsmsNotificationListener } from 'transportkit/aspsms';
import { smtp } from 'transportkit/smtp';
import { startAspsmsMock, startSmtpTestServer, startThreemaGatewayMock } from 'transportkit/testing';
import { threema } from 'transportkit/threema';
import { createSecondFactor, resolveTotp, totp } from 'transportkit/totp';
import { demoCertificates } from './demo/certificates.js';
import { printTable, Steps } from './demo/report.js';
import { serveConsole, servePort } from './demo/serve.js';

const SENDER = 'noreply@demo.example';
const steps = new Steps();
const serve = process.argv.includes('--serve');

// ---- loopback peers -------------------------------------------------------------------------
const certs = await steps.run('make a demo CA, an S/MIME and a TLS certificate', () => demoCertificates(SENDER), () => 'RSA-2048, in process');
const smtpPassword = generateSecretKey().slice(7, 27);
const smtpServer = await startSmtpTestServer({ tls: 'starttls', cert: certs.tls.certificatePem, key: certs.tls.privateKeyPem, users: { 'demo-app': smtpPassword } });
const aspsmsPassword = 'demo-aspsms-password';
const smsPeer = await startAspsmsMock({ accounts: [{ userKey: 'DEMOUSERKEY', password: aspsmsPassword, credits: 12 }] });
const gateway = await startThreemaGatewayMock({ credits: 500, users: [{ id: 'ECHOECHO' }, { id: 'ADMIN001' }] });
steps.note(`peers: SMTP ${smtpServer.host}:${smtpServer.port} (STARTTLS, AUTH), ASPSMS ${smsPeer.url}, Threema gateway ${gateway.url}`);

const storage = memoryStorage();
/** The host's user directory of the balance warnings: user "ops" has a phone number and a Threema ID. */
const users: BalanceUserDirectory = { getAddress: (userId, channel) => (userId === 'ops' && channel === 'sms' ? '+41 79 555 01 02' : userId === 'ops' && channel === 'threema' ? 'ADMIN001' : undefined) };
const registry = createRegistry({
  storage,
  types: [smtp(), aspsms(), threema(), totp()],
  secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' },
});
// ASPSMS calls this endpoint back when an SMS was delivered (in production: a public https URL).
const notificationServer = createServer(createAspsmsNotificationListener({ registry }));
await new Promise<void>((resolve) => notificationServer.listen(0, '127.0.0.1', resolve));
const notificationUrl = `http://127.0.0.1:${(notificationServer.address() as AddressInfo).port}/aspsms/notify`;

try {
  // ---- providers ----------------------------------------------------------------------------
  const mail = await steps.run('create the SMTP provider with S/MIME signing', () =>
    registry.create({
      type: 'smtp',
      name: 'Office relay (S/MIME)',
      config: {
        host: smtpServer.host,
        port: smtpServer.port,
        starttls: 'required',
        caCertificates: certs.ca.certificatePem,
        targetName: 'localhost',
        username: 'demo-app',
        from: { name: 'Demo', address: SENDER },
        replyTo: 'support@demo.example',
        smime: { certificate: certs.smime.certificatePem, chain: certs.ca.certificatePem, serialNumber: certs.smime.serialNumber },
      },
      secrets: { password: smtpPassword, smimeKey: certs.smime.privateKeyPem },
    }),
  );
  const sms = await steps.run('create the ASPSMS provider', () =>
    registry.create({ type: 'aspsms', name: 'ASPSMS', config: { userKey: 'DEMOUSERKEY', originator: 'Demo', serviceUrl: smsPeer.url, notificationUrl }, secrets: { password: aspsmsPassword } }),
  );
  const settings = gateway.providerSettings();
  const im = await steps.run('create the Threema.Gateway provider (E2E)', () =>
    registry.create({ type: 'threema', name: 'Threema Gateway', config: settings.config, secrets: settings.secrets }),
  );
  const otp = await steps.run('create the TOTP authenticator', () => registry.create({ type: 'totp', name: 'Authenticator app', config: { issuer: 'transportkit demo' } }));
  const copy = await steps.run('copy the SMTP provider', () => registry.copy(mail.id, { name: 'Newsletter relay' }), (c) => `${c.name}, secrets re-sealed`);

  // ---- used by, defaults --------------------------------------------------------------------
  await steps.run('register "used by" references', async () => {
    await registry.addUsage(mail.id, { kind: 'form', id: 'contact', label: 'Form "Contact us"' });
    await registry.addUsage(copy.id, { kind: 'form', id: 'newsletter', label: 'Form "Newsletter"' });
    await registry.addUsage(im.id, { kind: 'alerting', id: 'ops', label: 'Ops alerts' });
  });
  await steps.run('set tenant "acme" default SMS provider', async () => {
    await registry.setDefault(sms.id, { tenant: 'acme' });
    return registry.defaultFor({ channel: 'sms', tenant: 'acme' });
  }, (id) => `acme → ${id === sms.id ? 'ASPSMS' : id}`);
  await steps.expectError('refuse to remove a provider in use', () => registry.remove(sms.id), 'PROVIDER_IN_USE');

  // ---- Test button --------------------------------------------------------------------------
  const reports = new Map<string, TestReport>();
  for (const [provider, to] of [[mail, 'alice@demo.example'], [sms, '+41 79 123 45 67'], [im, 'ECHOECHO'], [otp, undefined]] as const) {
    const report = await registry.test(provider.id, to === undefined ? {} : { to });
    reports.set(provider.id, report);
    steps.check(`Test "${provider.name}"`, report.ok, report.steps.map((s) => `${s.ok ? '✓' : '✗'} ${s.name}`).join(' '));
  }

  // ---- sending ------------------------------------------------------------------------------
  await steps.run('send a signed e-mail', async () => {
    const result = await registry.send(mail.id, { to: 'bob@demo.example', subject: 'Grüezi from transportkit', text: 'Signed with S/MIME.\n', html: '<p>Signed with <b>S/MIME</b>.</p>' });
    const raw = smtpServer.received.at(-1)?.raw.toString() ?? '';
    if (!/multipart\/signed;[\s\S]*protocol="application\/pkcs7-signature"/.test(raw)) throw new Error('the received message is not multipart/signed');
    return result;
  }, (r) => `accepted ${r.accepted.join(', ')}, multipart/signed with smime.p7s`);
  const sent = await steps.run('send an SMS', () => registry.send(sms.id, { to: '+41 79 123 45 67', text: 'Your parcel arrives today. Grüsse!' }), (r) => `${r.segments} segment(s), reference ${r.messageId}`);
  await steps.run('receive its delivery notification: the status moves to delivered', async () => {
    await smsPeer.settled();
    const status = await registry.deliveryStatus(sent.messageId ?? '');
    if (status?.state !== 'delivered') throw new Error(`expected delivered, got ${status?.state ?? 'no status'}`);
    return status;
  }, (status) => `${status.state} at ${status.at}, via ${notificationUrl}`);
  await steps.run('send an end-to-end encrypted Threema message', async () => {
    await registry.send(im.id, { to: 'ECHOECHO', text: 'Hello from transportkit 🔐' });
    const received = gateway.inbox('ECHOECHO').at(-1)?.content;
    if (received?.type !== 'text' || received.text !== 'Hello from transportkit 🔐') throw new Error('the gateway did not decrypt the expected text');
    return received.text;
  }, (text) => `gateway decrypted: "${text}"`);

  // ---- TOTP and second factor ---------------------------------------------------------------
  const authenticator = await resolveTotp(registry, otp.id);
  const enrollment = await steps.run('enrol a TOTP user', () => authenticator.enroll('alice', { label: 'alice@demo.example' }), (e) => e.uri.replace(/secret=[A-Z2-7]+/, 'secret=…'));
  const appCode = () => generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) });
  await steps.expectResult('confirm enrolment with the app\'s code', async () => authenticator.confirm('alice', await appCode()), true);
  await steps.expectResult('refuse the same code again (replay)', async () => authenticator.verify('alice', await appCode()), false, 'replayed');
  const secondFactor = createSecondFactor({ registry });
  await steps.run('deliver a one-time code over Threema and verify it', async () => {
    await secondFactor.challenge('bob', { providerId: im.id, address: 'ECHOECHO' });
    const content = gateway.inbox('ECHOECHO').at(-1)?.content;
    const code = content?.type === 'text' ? /\d{6}/.exec(content.text)?.[0] : undefined;
    const result = await secondFactor.verify('bob', code ?? '');
    if (!result.ok) throw new Error(`verification failed: ${result.reason}`);
  }, () => 'code delivered E2E, accepted once');
  const route = await steps.run('create a stored route: Threema first, then SMS', () =>
    registry.create({ type: 'route', name: 'Codes: Threema, then SMS', config: { channel: 'sms', providers: [im.id, sms.id] } }),
  );
  await steps.run('deliver a one-time code over the route to a number without Threema ID', async () => {
    const info = await secondFactor.challenge('carol', { providerId: route.id, address: '+41 79 765 43 21' });
    if (info.providerId !== sms.id) throw new Error(`expected the SMS provider to deliver, got ${info.providerId}`);
    const code = /\d{6}/.exec(smsPeer.sent.at(-1)?.text ?? '')?.[0];
    const result = await secondFactor.verify('carol', code ?? '');
    if (!result.ok) throw new Error(`verification failed: ${result.reason}`);
    return info;
  }, (info) => info.attempts?.map((a) => `${a.providerId === im.id ? 'Threema' : 'SMS'}: ${a.ok ? 'delivered' : a.code}`).join(', '));

  // ---- balance monitor ----------------------------------------------------------------------
  const monitor = new BalanceMonitor({ registry, users });
  await monitor.configure(sms.id, { threshold: 50, notifyUserId: 'ops' });
  await monitor.configure(im.id, { threshold: 10, notifyUserId: 'ops' });
  await steps.run('run the BalanceMonitor twice: exactly one low-balance warning', async () => {
    const before = smsPeer.sent.length;
    await monitor.checkAll();
    await monitor.checkAll();
    const warnings = smsPeer.sent.slice(before).filter((m) => m.recipients.some((r) => r.number === '+41795550102'));
    if (warnings.length !== 1) throw new Error(`expected one warning SMS, got ${warnings.length}`);
    if (gateway.inbox('ADMIN001').length !== 0) throw new Error('Threema is above its threshold and must not warn');
    return warnings[0]!.text;
  }, (text) => `warned via SMS: "${text}"`);

  // ---- summary ------------------------------------------------------------------------------
  const rows = [];
  for (const p of await registry.list()) {
    const status = p.type === 'aspsms' || p.type === 'threema' ? await monitor.status(p.id) : undefined;
    const report = reports.get(p.id);
    rows.push({
      provider: p.name,
      type: p.type,
      test: report ? (report.ok ? 'ok' : `FAILED ${report.errorCode}`) : '-',
      balance: status?.lastBalance ? `${status.lastBalance.amount} ${status.lastBalance.unit}` : '-',
      secrets: secretsOf(p),
      'used by': (await registry.usages(p.id)).map((u) => u.label ?? `${u.kind}:${u.id}`).join('; ') || '-',
    });
  }
  console.log('\nProviders');
  printTable(rows);
  const events = await registry.events();
  const names = new Map((await registry.list()).map((p) => [p.id, p.name]));
  console.log(`\nEvents (${events.length}, newest 25)`);
  printTable(events.slice(-25).map((e) => ({ time: e.time.slice(11, 23), provider: names.get(e.providerId) ?? e.providerId, severity: e.severity, type: e.type, message: e.message.slice(0, 70) })));
} catch (error) {
  steps.fail('unexpected error', error);
} finally {
  // ---- the admin console (--serve), also after a failed step: look at what happened ----------
  if (serve) await serveConsole({ registry, users, port: servePort(process.argv) }).catch((error: unknown) => steps.fail('serve the admin console', error));
  await registry.close();
  await Promise.all([smtpServer.close(), smsPeer.close(), gateway.close(), new Promise((resolve) => notificationServer.close(resolve))]);
}

function secretsOf(p: ProviderInfo): string {
  return Object.entries(p.secrets).filter(([, s]) => s.set).map(([field]) => field).join(', ') || '-';
}

process.exitCode = steps.summary();
