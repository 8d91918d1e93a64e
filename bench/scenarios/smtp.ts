/**
 * SMTP throughput: messages of 5 KB through registry.send (pooled) versus raw nodemailer with the
 * same pool settings, in turns, and versus a new connection per message, against a sink in
 * another process. The goal ratio is computed three times, on three consecutive blocks of rounds,
 * to show it is stable.
 */
import nodemailer from 'nodemailer';
import { createRegistry } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { interleaved, median, pool, quick, report, startSinkProcess, time } from '../lib.js';

const count = quick ? 100 : 200;
const rounds = quick ? 6 : 30;
const poolSettings = { maxConnections: 5, maxMessages: 100 };
// A flat string, as a template or a file gives it: a sliced repeat() made nodemailer's per-character
// scans of the body several times slower in whichever variant flattened it later.
const body = Buffer.from('Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(90).slice(0, 5 * 1024)).toString();
const message = (i: number) => ({ from: 'bench@example.org', to: `user${i % 50}@example.org`, subject: `Notification ${i}`, text: body });
const sink = await startSinkProcess();

const raw = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true, pool: true, ...poolSettings });
const registry = createRegistry({ types: [smtp()], defaultEventLevel: 'errors' });
const provider = await registry.create({ type: 'smtp', config: { host: '127.0.0.1', port: sink.port, starttls: 'off', from: 'bench@example.org', pool: poolSettings } });
const { wall, cpu } = await interleaved(
  {
    raw: async () => {
      await Promise.all(Array.from({ length: count }, (_, i) => raw.sendMail(message(i))));
    },
    registry: async () => {
      await Promise.all(Array.from({ length: count }, (_, i) => registry.send(provider.id, message(i))));
    },
  },
  rounds,
);
raw.close();
await registry.close();

// Fewer messages here: a connection per message is an order of magnitude slower; the ratio is per message.
const perConnectionCount = Math.ceil(count / 2);
const perConnection = await time(async () => {
  await pool(perConnectionCount, poolSettings.maxConnections, async (i) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    await transport.sendMail(message(i));
    transport.close();
  });
}, quick ? 1 : 3, 0);
await sink.stop();

const paired = (a: readonly number[], b: readonly number[]) => median(a.map((x, i) => x / b[i]!));
const third = Math.floor(rounds / 3);
const blocks = [0, 1, 2].map((k) => paired(cpu.registry.slice(k * third, (k + 1) * third), cpu.raw.slice(k * third, (k + 1) * third)));
const wallBlocks = [0, 1, 2].map((k) => paired(wall.registry.slice(k * third, (k + 1) * third), wall.raw.slice(k * third, (k + 1) * third)));
const us = (ms: readonly number[]) => (median(ms) / count) * 1000;

report({
  scenario: 'smtp throughput',
  goal: 'registry.send / raw nodemailer (same pool) ≤ 1.05, in each of three blocks of rounds',
  variants: [
    { variant: 'raw nodemailer, pooled', work: `${count} × 5 KB`, runsMs: wall.raw, items: count, extra: { cpuUsPerMessage: us(cpu.raw).toFixed(0) } },
    { variant: 'transportkit registry.send, pooled', work: `${count} × 5 KB`, runsMs: wall.registry, items: count, baselineOf: 'raw nodemailer, pooled', paired: true, extra: { cpuUsPerMessage: us(cpu.registry).toFixed(0) } },
    { variant: 'new connection per message (5 parallel)', work: `${perConnectionCount} × 5 KB`, runsMs: perConnection, items: perConnectionCount, baselineOf: 'raw nodemailer, pooled' },
  ],
  goals: [
    {
      name: 'SMTP: registry.send / raw nodemailer (worst of 3 blocks)',
      value: Math.max(...blocks),
      limit: 1.05,
      unit: ' ×',
      detail: `CPU per message ${us(cpu.registry).toFixed(0)} µs vs ${us(cpu.raw).toFixed(0)} µs; blocks ${blocks.map((b) => b.toFixed(3)).join(', ')} (wall ${wallBlocks.map((b) => b.toFixed(3)).join(', ')})`,
    },
  ],
  notes: [
    `pool: ${poolSettings.maxConnections} connections, ${poolSettings.maxMessages} messages each; sink in a separate process on 127.0.0.1, no TLS`,
    `${rounds} rounds of ${count} messages per variant, in turns; ratio per block of ${third} rounds, CPU time of this process: ${blocks.map((b) => b.toFixed(3)).join(', ')}; wall-clock: ${wallBlocks.map((b) => b.toFixed(3)).join(', ')}`,
    `per message, CPU: raw nodemailer ${us(cpu.raw).toFixed(0)} µs, registry.send ${us(cpu.registry).toFixed(0)} µs (+${(us(cpu.registry) - us(cpu.raw)).toFixed(0)} µs)`,
  ],
});
