/**
 * SMTP throughput: messages of 5 KB through registry.send (pooled) versus raw nodemailer with the
 * same pool settings, and versus a new connection per message, against a sink in another process.
 */
import nodemailer from 'nodemailer';
import { createRegistry } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { pool, quick, report, startSinkProcess, time } from '../lib.js';

const count = quick ? 200 : 2_000;
const poolSettings = { maxConnections: 5, maxMessages: 100 };
const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(90).slice(0, 5 * 1024);
const message = (i: number) => ({ from: 'bench@example.org', to: `user${i % 50}@example.org`, subject: `Notification ${i}`, text: body });
const sink = await startSinkProcess();
const runs = quick ? 2 : 3;

const raw = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, ...poolSettings });
const rawRuns = await time(async () => {
  await Promise.all(Array.from({ length: count }, (_, i) => raw.sendMail(message(i))));
}, runs);
raw.close();

const registry = createRegistry({ types: [smtp()], defaultEventLevel: 'errors' });
const provider = await registry.create({ type: 'smtp', config: { host: '127.0.0.1', port: sink.port, starttls: 'off', from: 'bench@example.org', pool: poolSettings } });
const oursRuns = await time(async () => {
  await Promise.all(Array.from({ length: count }, (_, i) => registry.send(provider.id, message(i))));
}, runs);
await registry.close();

// Fewer messages here: a connection per message is an order of magnitude slower; the ratio is per message.
const perConnectionCount = Math.ceil(count / 4);
const perConnection = await time(async () => {
  await pool(perConnectionCount, poolSettings.maxConnections, async (i) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    await transport.sendMail(message(i));
    transport.close();
  });
}, quick ? 1 : 3, 0);
await sink.stop();

report({
  scenario: 'smtp throughput',
  goal: 'registry.send / raw nodemailer (same pool) ≤ 1.10',
  variants: [
    { variant: 'raw nodemailer, pooled', work: `${count} × 5 KB`, runsMs: rawRuns, items: count },
    { variant: 'transportkit registry.send, pooled', work: `${count} × 5 KB`, runsMs: oursRuns, items: count, baselineOf: 'raw nodemailer, pooled' },
    { variant: 'new connection per message (5 parallel)', work: `${perConnectionCount} × 5 KB`, runsMs: perConnection, items: perConnectionCount, baselineOf: 'raw nodemailer, pooled' },
  ],
  notes: [`pool: ${poolSettings.maxConnections} connections, ${poolSettings.maxMessages} messages each; sink in a separate process on 127.0.0.1, no TLS`],
});
