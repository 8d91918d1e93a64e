/**
 * S/MIME signing: 10 KB messages signed with RSA-2048 and sent (pooled) through our SMTP provider.
 * The goal is the per-message signing overhead (signed minus unsigned time per message, same
 * pool and sink, measured in turns) against one `crypto.sign('sha256', …)` of the same bytes
 * with the same key: the RSA operation is the floor. nodemailer with the nodemailer-smime plugin
 * (node-forge signing) is the peer.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import nodemailer from 'nodemailer';
import { demoCertificates } from '../../examples/demo/certificates.js';
import { createRegistry } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { interleaved, median, quick, report, startSinkProcess, time } from '../lib.js';

const require = createRequire(import.meta.url);
const smimePlugin = require('nodemailer-smime') as (options: { cert: string; chain: string[]; key: string }) => Parameters<ReturnType<typeof nodemailer.createTransport>['use']>[1];

const count = quick ? 50 : 100;
const from = 'signer@bench.example';
const certs = demoCertificates(from);
// A flat string, as a template or a file gives it (see smtp.ts).
const body = Buffer.from('Signed notification text. '.repeat(400).slice(0, 10 * 1024)).toString();
const message = (i: number) => ({ from, to: `user${i % 50}@example.org`, subject: `Signed ${i}`, text: body });
const sink = await startSinkProcess();
const rounds = quick ? 6 : 40;
const poolSettings = { maxConnections: 5, maxMessages: 100 };

const plugin = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, ...poolSettings });
plugin.use('stream', smimePlugin({ cert: certs.smime.certificatePem, chain: [certs.ca.certificatePem], key: certs.smime.privateKeyPem }));
const pluginCount = quick ? 30 : 150;
const pluginRuns = await time(async () => {
  await Promise.all(Array.from({ length: pluginCount }, (_, i) => plugin.sendMail(message(i))));
}, quick ? 1 : 2, 0);
plugin.close();

const registry = createRegistry({ types: [smtp()], defaultEventLevel: 'errors' });
const config = { host: '127.0.0.1', port: sink.port, starttls: 'off' as const, from, pool: poolSettings };
const signed = await registry.create({
  type: 'smtp',
  config: { ...config, smime: { certificate: certs.smime.certificatePem, chain: certs.ca.certificatePem } },
  secrets: { smimeKey: certs.smime.privateKeyPem },
});
const unsigned = await registry.create({ type: 'smtp', config });
const key = createPrivateKey(certs.smime.privateKeyPem);
const bytes = Buffer.from(body);
const sendAll = (id: string) => async () => {
  await Promise.all(Array.from({ length: count }, (_, i) => registry.send(id, message(i))));
};
const { wall, cpu } = await interleaved(
  {
    sign: () => {
      for (let i = 0; i < count; i++) sign('sha256', bytes, key);
    },
    unsigned: sendAll(unsigned.id),
    signed: sendAll(signed.id),
  },
  rounds,
);
await registry.close();
await sink.stop();

// Per round: (signed − unsigned) / sign, per message; the median over the rounds. CPU time of
// this process (the sink runs in another): on a shared machine wall time also counts the
// waits for a CPU, on a quiet one the two agree (the client is CPU-bound).
const overheadOf = (runs: Record<'sign' | 'unsigned' | 'signed', number[]>) => median(runs.signed.map((s, i) => (s - runs.unsigned[i]!) / runs.sign[i]!));
const overhead = overheadOf(cpu);
const perMessage = (ms: readonly number[]) => (median(ms) / count) * 1000;
const figures = (runs: Record<'sign' | 'unsigned' | 'signed', number[]>) =>
  `crypto.sign ${perMessage(runs.sign).toFixed(0)} µs, unsigned send ${perMessage(runs.unsigned).toFixed(0)} µs, signed send ${perMessage(runs.signed).toFixed(0)} µs: signing adds ${(perMessage(runs.signed) - perMessage(runs.unsigned)).toFixed(0)} µs, ${overheadOf(runs).toFixed(2)} × crypto.sign`;

report({
  scenario: 's/mime signing',
  goal: 'signed − unsigned per message ≤ 1.5 × one crypto.sign of the same bytes (same pool and sink)',
  variants: [
    { variant: 'crypto.sign sha256, RSA-2048, 10 KB', work: `${count} signatures`, runsMs: wall.sign, items: count },
    { variant: 'transportkit smtp, unsigned', work: `${count} × 10 KB`, runsMs: wall.unsigned, items: count },
    { variant: 'transportkit smtp (S/MIME)', work: `${count} × 10 KB, RSA-2048`, runsMs: wall.signed, items: count, baselineOf: 'transportkit smtp, unsigned', paired: true },
    { variant: 'nodemailer + nodemailer-smime 1.1.0', work: `${pluginCount} × 10 KB, RSA-2048`, runsMs: pluginRuns, items: pluginCount, baselineOf: 'transportkit smtp (S/MIME)' },
  ],
  goals: [{ name: 'S/MIME: (signed − unsigned) / crypto.sign', value: overhead, limit: 1.5, unit: ' ×', detail: `per message, CPU: ${figures(cpu)}` }],
  notes: [
    `per message, CPU time of the client: ${figures(cpu)}`,
    `per message, wall-clock: ${figures(wall)}`,
    `${rounds} rounds of ${count} messages per variant, in turns; the goal is the median of the per-round ratios`,
    'the signer encodes the certificate set, issuer/serial and algorithm identifiers once; per message it hashes the signed part, encodes signingTime and messageDigest and signs the attributes; every signed message verifies with openssl cms -verify in test/smtp',
  ],
});
