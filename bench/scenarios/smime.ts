/**
 * S/MIME signing: 10 KB messages signed with RSA-2048 and sent (pooled) through our SMTP provider
 * versus nodemailer with the nodemailer-smime plugin (node-forge signing), against a sink in
 * another process.
 */
import { createRequire } from 'node:module';
import nodemailer from 'nodemailer';
import { demoCertificates } from '../../examples/demo/certificates.js';
import { createRegistry } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { quick, report, startSinkProcess, time } from '../lib.js';

const require = createRequire(import.meta.url);
const smimePlugin = require('nodemailer-smime') as (options: { cert: string; chain: string[]; key: string }) => Parameters<ReturnType<typeof nodemailer.createTransport>['use']>[1];

const count = quick ? 100 : 1_000;
const from = 'signer@bench.example';
const certs = demoCertificates(from);
const body = 'Signed notification text. '.repeat(400).slice(0, 10 * 1024);
const message = (i: number) => ({ from, to: `user${i % 50}@example.org`, subject: `Signed ${i}`, text: body });
const sink = await startSinkProcess();
const runs = quick ? 2 : 3;
const poolSettings = { maxConnections: 5, maxMessages: 100 };

const plugin = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, ...poolSettings });
plugin.use('stream', smimePlugin({ cert: certs.smime.certificatePem, chain: [certs.ca.certificatePem], key: certs.smime.privateKeyPem }));
const pluginRuns = await time(async () => {
  await Promise.all(Array.from({ length: count }, (_, i) => plugin.sendMail(message(i))));
}, quick ? 1 : 2, 0);
plugin.close();

const registry = createRegistry({ types: [smtp()], defaultEventLevel: 'errors' });
const provider = await registry.create({
  type: 'smtp',
  config: { host: '127.0.0.1', port: sink.port, starttls: 'off', from, pool: poolSettings, smime: { certificate: certs.smime.certificatePem, chain: certs.ca.certificatePem } },
  secrets: { smimeKey: certs.smime.privateKeyPem },
});
const oursRuns = await time(async () => {
  await Promise.all(Array.from({ length: count }, (_, i) => registry.send(provider.id, message(i))));
}, runs);
await registry.close();
await sink.stop();

report({
  scenario: 's/mime signing',
  goal: 'at least 2× the throughput of nodemailer-smime (ratio ≤ 0.50)',
  variants: [
    { variant: 'nodemailer + nodemailer-smime 1.1.0', work: `${count} × 10 KB, RSA-2048`, runsMs: pluginRuns, items: count },
    { variant: 'transportkit smtp (S/MIME)', work: `${count} × 10 KB, RSA-2048`, runsMs: oursRuns, items: count, baselineOf: 'nodemailer + nodemailer-smime 1.1.0' },
  ],
  notes: ['transportkit builds the PKCS#7 structure with node-forge and computes digest and RSA signature with node:crypto; every signed message verifies with openssl cms -verify in test/smtp'],
});
