/**
 * Registry overhead: `registry.send` on the memory transport against calling the live
 * provider's `send` directly (in turns, CPU time of this process), at event level `errors` (no
 * event per send) and `all` (a redacted `send` event per send). Then what each piece of the send
 * path costs on its own: validation, send-option checks, recording a redacted event, the cached
 * record and provider lookup, a guarded storage call. And resolve() of a cached provider against
 * one (guarded, time-bounded) storage read.
 */
import { emailMessageSchema, textMessageSchema, type DeliveryProvider, type TextMessage } from '../../src/index.js';
import { createRegistry, memoryStorage, memoryTransport } from '../../src/index.js';
import { parseWith } from '../../src/core/validation.js';
import { EventQueue } from '../../src/registry/event-queue.js';
import { EventRecorder } from '../../src/registry/recorder.js';
import { systemClock } from '../../src/core/provider.js';
import { guardStorage } from '../../src/storage/guard.js';
import { cpuMs, interleaved, median, quick, report, time, type VariantResult } from '../lib.js';

const sends = quick ? 2_000 : 10_000;
const rounds = quick ? 5 : 25;
const message: TextMessage = { to: '+41791234567', text: 'Your code is 123456' };

const registries = {
  errors: createRegistry({ types: [memoryTransport()], defaultEventLevel: 'errors' }),
  all: createRegistry({ types: [memoryTransport()], defaultEventLevel: 'all' }),
};
const ids = {
  errors: (await registries.errors.create({ type: 'memory', config: { channel: 'sms' }, secrets: { password: 'pw-bench-secret' } })).id,
  all: (await registries.all.create({ type: 'memory', config: { channel: 'sms' }, secrets: { password: 'pw-bench-secret' } })).id,
};
const direct = (await registries.errors.resolve(ids.errors)) as DeliveryProvider;
const loop = (fn: () => Promise<unknown>) => async () => {
  for (let i = 0; i < sends; i++) await fn();
};
const { wall, cpu } = await interleaved(
  {
    direct: loop(() => direct.send(message)),
    errors: loop(() => registries.errors.send(ids.errors, message)),
    all: loop(() => registries.all.send(ids.all, message)),
  },
  rounds,
);
const us = (ms: readonly number[]) => (median(ms) / sends) * 1000;
const ratio = (a: readonly number[], b: readonly number[]) => median(a.map((x, i) => x / b[i]!));

/** Microseconds of CPU per call of `fn`, the median of 5 runs of `n` calls. */
async function micro(n: number, fn: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let run = 0; run < 6; run++) {
    const c0 = cpuMs();
    for (let i = 0; i < n; i++) await fn();
    if (run > 0) samples.push(((cpuMs() - c0) / n) * 1000);
  }
  return median(samples);
}
const n = quick ? 5_000 : 50_000;
const queue = new EventQueue({ store: memoryStorage({ maxEvents: 1000 }).events, clock: systemClock, logger: undefined, capacity: 1_000_000, batchSize: 100 });
const recorder = new EventRecorder({ queue, logger: undefined, clock: systemClock }, 'p', 'memory', 'all', ['pw-bench-secret', 'user-bench']);
const sendFields = { messageId: '6a0f3c9e-54c1-4f43-9f0e-8f4c7a1d2b3c', accepted: ['+41791234567'], rejected: [], segments: 1 };
const raw = memoryStorage();
const guarded = guardStorage(raw);
const email = { to: 'user@example.org', subject: 'Notification', text: 'Hello' };
const costs = {
  'validate the message (zod)': await micro(n, () => parseWith(textMessageSchema, message, 'MESSAGE_INVALID', 'message')),
  'validate an e-mail (zod)': await micro(n, () => parseWith(emailMessageSchema, email, 'MESSAGE_INVALID', 'message')),
  'record a send event (id, time, redaction, queue)': await micro(n, () => recorder.info('send', 'sent to 1 recipient(s)', sendFields)),
  'redact the send event only': await micro(n, () => recorder.redact('sent to 1 recipient(s)') && recorder.redact(sendFields.messageId)),
  'cached resolve(id) (record + live provider)': await micro(n, () => registries.errors.resolve(ids.errors)),
  'guarded storage read (memory)': await micro(n, () => guarded.providers.get(ids.errors)),
  'plain storage read (memory)': await micro(n, () => raw.providers.get(ids.errors)),
};
await queue.flush();

// resolve() against a guarded read, as before, and the heap of provider records.
const resolves = quick ? 20_000 : 200_000;
const resolveRuns = await time(async () => {
  for (let i = 0; i < resolves; i++) await registries.errors.resolve(ids.errors);
}, quick ? 3 : 7);
const readRuns = await time(async () => {
  for (let i = 0; i < resolves; i++) await registries.errors.storage.providers.get(ids.errors);
}, quick ? 3 : 7);
await registries.errors.close();
await registries.all.close();

const variants: VariantResult[] = [
  { variant: 'live provider send() directly', work: `${sends} sends`, runsMs: wall.direct, items: sends, extra: { cpuUsPerSend: us(cpu.direct).toFixed(1) } },
  { variant: 'registry.send, event level errors', work: `${sends} sends`, runsMs: wall.errors, items: sends, baselineOf: 'live provider send() directly', paired: true, extra: { cpuUsPerSend: us(cpu.errors).toFixed(1) } },
  { variant: 'registry.send, event level all', work: `${sends} sends`, runsMs: wall.all, items: sends, baselineOf: 'live provider send() directly', paired: true, extra: { cpuUsPerSend: us(cpu.all).toFixed(1) } },
  { variant: 'guarded storage read', work: `${resolves} reads`, runsMs: readRuns, items: resolves },
  { variant: 'registry.resolve (cached)', work: `${resolves} resolves`, runsMs: resolveRuns, items: resolves, baselineOf: 'guarded storage read' },
];
const errorsRatio = ratio(cpu.errors, cpu.direct);
const allRatio = ratio(cpu.all, cpu.direct);

report({
  scenario: 'registry overhead',
  goal: 'registry.send / live provider send() on the memory transport ≤ 1.3',
  variants,
  goals: [
    {
      name: 'Registry: registry.send / provider.send (memory, level errors)',
      value: errorsRatio,
      limit: 1.3,
      unit: ' ×',
      detail: `${us(cpu.errors).toFixed(1)} µs vs ${us(cpu.direct).toFixed(1)} µs CPU per send: +${(us(cpu.errors) - us(cpu.direct)).toFixed(1)} µs`,
    },
    {
      name: 'Registry: registry.send / provider.send (memory, level all)',
      value: allRatio,
      limit: 1.3,
      unit: ' ×',
      detail: `${us(cpu.all).toFixed(1)} µs vs ${us(cpu.direct).toFixed(1)} µs CPU per send: +${(us(cpu.all) - us(cpu.direct)).toFixed(1)} µs (one redacted send event per send)`,
    },
  ],
  notes: [
    `per send, CPU: provider.send ${us(cpu.direct).toFixed(1)} µs, registry.send ${us(cpu.errors).toFixed(1)} µs at level errors (${errorsRatio.toFixed(2)} ×), ${us(cpu.all).toFixed(1)} µs at level all (${allRatio.toFixed(2)} ×); wall: ${us(wall.direct).toFixed(1)} / ${us(wall.errors).toFixed(1)} / ${us(wall.all).toFixed(1)} µs`,
    `cost of each piece, µs of CPU per call: ${Object.entries(costs).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('; ')}`,
    'memoryStorage() announces changes (the watch hook), so resolve() and send() serve the cached record; a store without watch costs one storage read per send.',
  ],
});
