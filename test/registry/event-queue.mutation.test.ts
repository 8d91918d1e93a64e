import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransportError, type LogEntry, type ProviderEvent } from '../../src/index.js';
import { EventQueue, REGISTRY_EVENT_SOURCE } from '../../src/registry/event-queue.js';
import type { EventStore } from '../../src/storage/types.js';

const NOW = Date.UTC(2026, 0, 1);

function event(n: number): ProviderEvent {
  return { id: `e${n}`, time: new Date(NOW).toISOString(), providerId: 'p', providerType: 'memory', severity: 'info', type: 'send', message: `m${n}`, fields: {} };
}

/** An event store whose `appendMany` calls wait until the test answers them. */
function storeByHand() {
  const writes: { batch: readonly ProviderEvent[]; done: () => void; fail: (cause: unknown) => void }[] = [];
  const store: EventStore = {
    appendMany: (batch) => new Promise<void>((done, fail) => writes.push({ batch, done, fail })),
    list: async () => [],
    prune: async () => 0,
  };
  return { store, writes, ids: () => writes.map((w) => w.batch.map((e) => e.id)) };
}

/** Lets every pending promise reaction run (setImmediate is not faked here). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function queueOn(store: EventStore, capacity: number, batchSize: number, logs?: LogEntry[]) {
  return new EventQueue({ store, clock: { now: () => NOW }, logger: logs && ((entry) => void logs.push(entry)), capacity, batchSize });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('EventQueue batching', () => {
  it('the first event of a batch lingers 20 ms for more before the write', async () => {
    const { store, ids } = storeByHand();
    const queue = queueOn(store, 10, 3);
    queue.push(event(1));
    queue.push(event(2));
    await vi.advanceTimersByTimeAsync(19);
    await settle();
    expect(ids()).toStrictEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await settle();
    expect(ids()).toStrictEqual([['e1', 'e2']]);
  });

  it('with batches of one, each event is written at once, without lingering', async () => {
    const { store, writes, ids } = storeByHand();
    const queue = queueOn(store, 10, 1);
    queue.push(event(1));
    await settle();
    expect(ids()).toStrictEqual([['e1']]);
    writes[0]!.done();
    await settle();
    queue.push(event(2));
    await settle();
    expect(ids()).toStrictEqual([['e1'], ['e2']]);
  });

  it('flush writes a lingering batch at once and resolves once it is written; with nothing queued it writes nothing', async () => {
    const { store, writes, ids } = storeByHand();
    const queue = queueOn(store, 10, 5);
    await queue.flush();
    queue.push(event(1));
    let flushed = false;
    void queue.flush().then(() => (flushed = true));
    await settle();
    expect([ids(), flushed]).toStrictEqual([[['e1']], false]);
    writes[0]!.done();
    await settle();
    expect([flushed, queue.stats()]).toStrictEqual([true, { queued: 0, written: 1, dropped: 0, failed: 0 }]);
  });
});

describe('EventQueue when the store is slow', () => {
  it('drops beyond capacity, counts the drops, and writes one events.dropped event once there is room', async () => {
    const { store, writes, ids } = storeByHand();
    const logs: LogEntry[] = [];
    const queue = queueOn(store, 2, 2, logs);
    queue.push(event(1));
    queue.push(event(2));
    await vi.advanceTimersByTimeAsync(20);
    await settle();
    // e1, e2 are being written; e3, e4 fill the queue, e5 is dropped.
    for (const n of [3, 4, 5]) queue.push(event(n));
    expect(queue.stats()).toStrictEqual({ queued: 2, written: 0, dropped: 1, failed: 0 });
    writes[0]!.done();
    await settle();
    // The queue was still full when the write ended: no room for the drop report yet, so e6, e7 fit and e8 is dropped.
    for (const n of [6, 7, 8]) queue.push(event(n));
    expect(queue.stats()).toStrictEqual({ queued: 2, written: 2, dropped: 2, failed: 0 });
    writes[1]!.done();
    await settle();
    writes[2]!.done();
    await settle();
    writes[3]!.done();
    await queue.flush();
    const message = '2 event(s) dropped: the event queue was full (event store slow or down)';
    expect(ids().slice(0, 3)).toStrictEqual([['e1', 'e2'], ['e3', 'e4'], ['e6', 'e7']]);
    expect(writes[3]!.batch).toStrictEqual([
      { id: expect.any(String), time: new Date(NOW).toISOString(), providerId: REGISTRY_EVENT_SOURCE, providerType: 'registry', severity: 'warn', type: 'events.dropped', message, fields: { dropped: 2, total: 2 } },
    ]);
    expect(writes).toHaveLength(4);
    expect(logs).toStrictEqual([
      { level: 'warn', time: NOW, msg: message, providerId: '(registry)', providerType: 'registry', event: 'events.dropped', fields: { dropped: 2, total: 2 } },
    ]);
    expect(queue.stats()).toStrictEqual({ queued: 0, written: 7, dropped: 2, failed: 0 });
  });

  it('a failed write counts its events as failed and logs what the store said; the queue goes on', async () => {
    const { store, writes } = storeByHand();
    const logs: LogEntry[] = [];
    const queue = queueOn(store, 10, 1, logs);
    const causes: [unknown, { code: unknown; message: string }][] = [
      [new TransportError('TIMEOUT', 'storage events.appendMany did not answer'), { code: 'TIMEOUT', message: 'storage events.appendMany did not answer' }],
      [new Error('disk full'), { code: undefined, message: 'disk full' }],
      ['disk full', { code: undefined, message: 'disk full' }],
      [{ code: 'EIO', message: 42 }, { code: 'EIO', message: '[object Object]' }],
      [null, { code: undefined, message: 'null' }],
    ];
    for (const [n, [cause]] of causes.entries()) {
      queue.push(event(n));
      await settle();
      writes[n]!.fail(cause);
      await settle();
    }
    expect(logs).toStrictEqual(
      causes.map(([, error]) => ({ level: 'error', time: NOW, msg: 'event store write failed; events lost', providerId: '(registry)', providerType: 'registry', event: 'events.failed', fields: { lost: 1, error } })),
    );
    queue.push(event(9));
    await settle();
    writes[causes.length]!.done();
    await queue.flush();
    expect(queue.stats()).toStrictEqual({ queued: 0, written: 1, dropped: 0, failed: causes.length });
  });

  it('a throwing logger or none at all does not stop the queue', async () => {
    for (const logger of [undefined, () => { throw new Error('logger down'); }]) {
      const { store, writes } = storeByHand();
      const queue = new EventQueue({ store, clock: { now: () => NOW }, logger, capacity: 1, batchSize: 1 });
      queue.push(event(1));
      queue.push(event(2));
      await settle();
      writes[0]!.fail(new Error('down'));
      await settle();
      writes[1]!.done();
      await queue.flush();
      expect(writes.map((w) => w.batch.map((e) => e.type))).toStrictEqual([['send'], ['events.dropped']]);
      expect(queue.stats()).toStrictEqual({ queued: 0, written: 1, dropped: 1, failed: 1 });
    }
  });
});
