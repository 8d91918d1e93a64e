import { setImmediate } from 'node:timers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryStorage, TransportError, type EmailMessage, type MessageShape, type SendResult, type TextMessage } from '../../src/index.js';
import { CircuitBreakers } from '../../src/registry/circuit.js';
import { Router, type Route, type RouteSendOptions, type RouterHost } from '../../src/registry/router.js';
import type { IdempotencyStore } from '../../src/storage/types.js';
import { rejected } from '../support/thrown.js';

const PHONE = '+41791234567';
const TEXT: TextMessage = { to: PHONE, text: 'hello' };
const MAIL: EmailMessage = { to: 'alice@example.org', subject: 'Hi', text: 'hello' };
const NOW = Date.UTC(2026, 0, 1);

type Outcome = 'ok' | Error;
interface Sent {
  readonly id: string;
  readonly message: EmailMessage | TextMessage;
  readonly options: { readonly signal: AbortSignal; readonly redact?: readonly string[] };
}
interface Note {
  readonly providerId: string;
  readonly severity: string;
  readonly type: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

/**
 * A router on a scripted host: each provider answers its outcomes in turn (then `ok`), `mail` is
 * an e-mail provider, `ghost` cannot be resolved, every other id is a text provider. The clock
 * stands still unless a test moves it.
 */
function setup(options: { script?: Record<string, Outcome[]>; idempotency?: IdempotencyStore; onNote?: (note: Note) => void } = {}) {
  const script = options.script ?? {};
  const sends: Sent[] = [];
  const notes: Note[] = [];
  const circuits = new CircuitBreakers({ failureThreshold: 1, cooldownMs: 1_000 });
  const host: RouterHost = {
    clock: { now: () => NOW },
    idempotency: options.idempotency ?? memoryStorage().idempotency,
    circuits,
    async sendOnce(id, message, sendOptions) {
      sends.push({ id, message, options: sendOptions });
      const outcome = script[id]?.shift() ?? 'ok';
      if (outcome !== 'ok') throw outcome;
      return { providerId: id, messageId: `${id}-${sends.length}`, accepted: [String(message.to)], rejected: [] } satisfies SendResult;
    },
    async shapeOf(id): Promise<MessageShape> {
      if (id === 'ghost') throw new TransportError('NOT_FOUND', 'provider ghost does not exist', { providerId: id });
      return id === 'mail' ? 'email' : 'text';
    },
    note(providerId, severity, type, message, fields) {
      const note = { providerId, severity, type, message, fields };
      notes.push(note);
      options.onNote?.(note);
    },
  };
  const router = new Router(host);
  const send = (providers: string[], route: Omit<Route, 'providers'> | undefined, message: EmailMessage | TextMessage = TEXT, sendOptions: RouteSendOptions = {}) =>
    router.send(providers, route && { providers, ...route }, message, sendOptions);
  return { router, circuits, sends, notes, send, sentTo: () => sends.map((s) => s.id) };
}

const fault = (code: ConstructorParameters<typeof TransportError>[0], options: ConstructorParameters<typeof TransportError>[2] = {}) => new TransportError(code, `${code} from upstream`, options);
/** Fixes Math.random: the backoff's jitter (0 gives 0 ms or the Retry-After) and round-robin's first provider. */
const random = (value: number) => vi.spyOn(Math, 'random').mockReturnValue(value);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Router: retries, failover and counters', () => {
  it('retries a provider, fails over to the next and counts each step', async () => {
    random(0);
    const { router, notes, send } = setup({ script: { a: [fault('UNAVAILABLE'), fault('UNAVAILABLE')] } });
    const result = await send(['a', 'b'], undefined, TEXT, { retry: { attempts: 2 } });
    expect(result).toStrictEqual({
      providerId: 'b',
      messageId: 'b-3',
      accepted: [PHONE],
      rejected: [],
      attempts: [
        { providerId: 'a', ok: false, code: 'UNAVAILABLE', decision: 'retry' },
        { providerId: 'a', ok: false, code: 'UNAVAILABLE', decision: 'next' },
        { providerId: 'b', ok: true },
      ],
    });
    expect(notes).toStrictEqual([
      { providerId: 'a', severity: 'info', type: 'route.retry', message: 'retrying a in 0 ms after UNAVAILABLE', fields: { code: 'UNAVAILABLE', delayMs: 0, attempt: 2 } },
      { providerId: 'a', severity: 'warn', type: 'route.failover', message: 'skipped a: UNAVAILABLE, trying b', fields: { code: 'UNAVAILABLE', next: 'b' } },
    ]);
    expect(Object.fromEntries(router.counters)).toStrictEqual({
      a: { sent: 0, retried: 1, skipped: 0, failed: { UNAVAILABLE: 2 } },
      b: { sent: 1, retried: 0, skipped: 0, failed: {} },
    });
  });

  it('wraps a thrown non-TransportError as UNAVAILABLE of the provider; the last fault is the cause of the final error', async () => {
    // No route object (a provider id with retry, a channel default): a skipped provider must not need one.
    const { sends, notes, send } = setup({ script: { a: [new Error('socket hang up')] } });
    const error = await rejected(send(['mail', 'a'], undefined, TEXT, { retry: { attempts: 1 } }));
    const attempts = [
      { providerId: 'mail', ok: false, decision: 'skipped', reason: 'message-shape' },
      { providerId: 'a', ok: false, code: 'UNAVAILABLE', decision: 'next' },
    ];
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'every provider of the route failed (mail: message-shape, a: UNAVAILABLE)', retryable: true });
    expect(error.details).toStrictEqual({ outcome: 'not-sent', attempts });
    expect(error.cause).toMatchObject({ code: 'UNAVAILABLE', message: 'Error: socket hang up', providerId: 'a' });
    expect(sends.map((s) => s.id)).toStrictEqual(['a']);
    expect(notes.map((n) => [n.severity, n.type, n.message, n.fields])).toStrictEqual([
      ['warn', 'route.skipped', 'skipped mail: it takes another message shape and the route has no mapMessage, trying a', { reason: 'message-shape' }],
      ['warn', 'route.failover', 'skipped a: UNAVAILABLE, no provider left', { code: 'UNAVAILABLE', next: undefined }],
    ]);
  });

  it('a provider skipped for its message shape last: the final error is retryable with UNSUPPORTED as its cause', async () => {
    const { router, send } = setup({ script: { a: [fault('AUTH_FAILED')] } });
    const error = await rejected(send(['a', 'mail'], {}));
    expect([error.code, error.message, error.retryable]).toStrictEqual(['UNAVAILABLE', 'every provider of the route failed (a: AUTH_FAILED, mail: message-shape)', true]);
    expect(error.cause).toBeInstanceOf(TransportError);
    expect(error.cause).toMatchObject({ code: 'UNSUPPORTED', message: 'provider mail takes another message shape', providerId: 'mail' });
    expect(router.counters.get('mail')).toStrictEqual({ sent: 0, retried: 0, skipped: 1, failed: {} });
  });

  it('stops on a fault of the message even on the last allowed attempt, keeping its provider, field and upstream', async () => {
    const cause = new Error('400 Bad Request');
    const { sends, send } = setup({ script: { a: [fault('MESSAGE_INVALID', { providerId: 'a', field: 'text', upstream: { status: 400 }, cause })] } });
    const error = await rejected(send(['a', 'b'], {}, TEXT, { retry: { attempts: 1 } }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', message: 'MESSAGE_INVALID from upstream', retryable: false, providerId: 'a', field: 'text', upstream: { status: 400 } });
    expect(error.cause).toBe(cause);
    expect(error.details).toStrictEqual({ attempts: [{ providerId: 'a', ok: false, code: 'MESSAGE_INVALID', decision: 'stop' }] });
    expect(sends.map((s) => s.id)).toStrictEqual(['a']);
  });

  it('moves on when the wait would end exactly at the end of the time budget', async () => {
    random(0);
    const { send, sentTo } = setup({ script: { a: [fault('RATE_LIMITED', { upstream: { retryAfterSeconds: 1 } })] } });
    const result = await send(['a', 'b'], {}, TEXT, { retry: { attempts: 3, budgetMs: 1_000 } });
    expect(result.attempts).toStrictEqual([
      { providerId: 'a', ok: false, code: 'RATE_LIMITED', decision: 'next' },
      { providerId: 'b', ok: true },
    ]);
    expect(sentTo()).toStrictEqual(['a', 'b']);
  });

  it('an abort while waiting to retry ends the send with ABORTED (not sent), no further attempt', async () => {
    random(0.5); // a wait of 100 ms: the abort has to cut it short
    const controller = new AbortController();
    const { sends, send } = setup({ script: { a: [fault('UNAVAILABLE')] }, onNote: (note) => note.type === 'route.retry' && controller.abort() });
    const error = await rejected(send(['a', 'b'], {}, TEXT, { signal: controller.signal, retry: { baseDelayMs: 200 } }));
    expect(error).toMatchObject({ code: 'ABORTED', message: 'the send was aborted or ran out of its time budget while waiting to retry', providerId: 'a', retryable: false });
    expect(error.details).toStrictEqual({ outcome: 'not-sent', attempts: [{ providerId: 'a', ok: false, code: 'UNAVAILABLE', decision: 'retry' }] });
    expect(sends).toHaveLength(1);
  });

  it('passes the send signal (and redact only when given) to each attempt', async () => {
    const { sends, send } = setup();
    const controller = new AbortController();
    await send(['a'], {}, TEXT, { redact: ['s3cret'] });
    await send(['a'], {}, TEXT, { signal: controller.signal });
    controller.abort();
    expect(sends.map((s) => s.options)).toStrictEqual([
      { signal: expect.any(AbortSignal), redact: ['s3cret'] },
      { signal: expect.any(AbortSignal) },
    ]);
    expect(sends[1]?.options.signal.aborted).toBe(true);
  });
});

describe('Router: circuits', () => {
  it('a recipient fault does not open the circuit, a provider fault does; an open one is skipped with a note', async () => {
    const { router, circuits, notes, send, sentTo } = setup({ script: { a: [fault('INVALID_RECIPIENT'), fault('UNAVAILABLE')] } });
    await send(['a', 'b'], {});
    expect(circuits.state('a', NOW)).toBe('closed');
    await send(['a', 'b'], {}, TEXT, { retry: { attempts: 1 } });
    expect(circuits.state('a', NOW)).toBe('open');
    notes.length = 0;
    const result = await send(['a', 'b'], {});
    expect(result.attempts).toStrictEqual([
      { providerId: 'a', ok: false, decision: 'skipped', reason: 'circuit-open' },
      { providerId: 'b', ok: true },
    ]);
    expect(notes).toStrictEqual([{ providerId: 'a', severity: 'warn', type: 'route.skipped', message: 'skipped a: circuit open', fields: { reason: 'circuit-open' } }]);
    expect(sentTo()).toStrictEqual(['a', 'b', 'a', 'b', 'b']);
    expect(router.counters.get('a')).toStrictEqual({ sent: 0, retried: 0, skipped: 1, failed: { INVALID_RECIPIENT: 1, UNAVAILABLE: 1 } });
  });
});

describe('Router: strategies', () => {
  it('a strategy that orders no provider: nothing is sent and nothing probed', async () => {
    const { sends, send } = setup();
    const error = await rejected(send(['a', 'b'], { strategy: () => [] }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', message: 'every provider of the route failed ()', details: { outcome: 'not-sent', attempts: [] } });
    expect(sends).toStrictEqual([]);
  });

  it('refuses a strategy that returns one unknown id among known ones', async () => {
    const { sends, send } = setup();
    const error = await rejected(send(['a', 'b'], { strategy: () => ['a', 'zz'] }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: "invalid route.strategy: must return some of the route's provider ids", field: 'route.strategy', retryable: false });
    expect(sends).toStrictEqual([]);
  });

  it('round-robin starts at a random provider, then goes on from there through the rest in order', async () => {
    random(0.99); // floor(0.99 · 3) = 2: the first send starts at c
    const { send } = setup({ script: { c: [fault('INVALID_RECIPIENT')], a: [fault('INVALID_RECIPIENT')] } });
    const first = await send(['a', 'b', 'c'], { strategy: 'round-robin' });
    expect(first.attempts.map((a) => a.providerId)).toStrictEqual(['c', 'a', 'b']);
    const second = await send(['a', 'b', 'c'], { strategy: 'round-robin' });
    expect(second.attempts).toStrictEqual([{ providerId: 'a', ok: true }]);
  });

  it('round-robin keeps one turn per provider list (ids are not simply joined)', async () => {
    random(0);
    const { send } = setup();
    expect((await send(['ab', 'c'], { strategy: 'round-robin' })).providerId).toBe('ab');
    expect((await send(['a', 'bc'], { strategy: 'round-robin' })).providerId).toBe('a');
    expect((await send(['ab', 'c'], { strategy: 'round-robin' })).providerId).toBe('c');
  });
});

describe('Router: message shapes and mapMessage', () => {
  it('an e-mail (with a subject, or only html) goes to an e-mail provider as it is', async () => {
    const { sends, send } = setup();
    const htmlOnly = { to: 'alice@example.org', html: '<p>hi</p>' } as unknown as EmailMessage;
    expect((await send(['mail'], {}, MAIL)).providerId).toBe('mail');
    expect((await send(['mail'], {}, htmlOnly)).providerId).toBe('mail');
    expect(sends.map((s) => s.message)).toStrictEqual([MAIL, htmlOnly]);
  });

  it('a provider that cannot be resolved gets the message as it is, so its send reports the fault', async () => {
    const { send } = setup({ script: { ghost: [fault('NOT_FOUND', { providerId: 'ghost' })] } });
    const result = await send(['ghost', 'a'], {});
    expect(result.attempts).toStrictEqual([
      { providerId: 'ghost', ok: false, code: 'NOT_FOUND', decision: 'next' },
      { providerId: 'a', ok: true },
    ]);
  });

  it("mapMessage gets each provider's shape (the message's own when unknown); undefined skips the provider", async () => {
    const targets: unknown[] = [];
    const mapMessage: Route['mapMessage'] = (message, target) => {
      targets.push(target);
      return target.providerId === 'mail' ? undefined : message;
    };
    const { notes, send } = setup({ script: { ghost: [fault('NOT_FOUND')] } });
    const result = await send(['mail', 'ghost', 'a'], { mapMessage }, MAIL);
    expect(result.attempts).toStrictEqual([
      { providerId: 'mail', ok: false, decision: 'skipped', reason: 'message-shape' },
      { providerId: 'ghost', ok: false, code: 'NOT_FOUND', decision: 'next' },
      { providerId: 'a', ok: true },
    ]);
    expect(targets).toStrictEqual([
      { providerId: 'mail', shape: 'email' },
      { providerId: 'ghost', shape: 'email' },
      { providerId: 'a', shape: 'text' },
    ]);
    expect(notes[0]).toStrictEqual({ providerId: 'mail', severity: 'warn', type: 'route.skipped', message: "skipped mail: the route's mapMessage gave no message for it, trying ghost", fields: { reason: 'message-shape' } });
  });

  it('a mapMessage that throws stops the send with CONFIG_INVALID naming the provider', async () => {
    const bug = new Error('no phone number for this user');
    const { sends, send } = setup();
    const error = await rejected(send(['a', 'b'], { mapMessage: () => { throw bug; } }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: 'route.mapMessage failed for provider a', field: 'route.mapMessage', providerId: 'a', retryable: false });
    expect(error.cause).toBe(bug);
    expect(sends).toStrictEqual([]);
  });
});

describe('Router: idempotency', () => {
  it('the same key with another message is CONFLICT on options.idempotencyKey, not retryable', async () => {
    const { send } = setup();
    await send(['a'], {}, TEXT, { idempotencyKey: 'order-1' });
    const error = await rejected(send(['a'], {}, { to: PHONE, text: 'other' }, { idempotencyKey: 'order-1' }));
    expect(error).toMatchObject({ code: 'CONFLICT', message: 'idempotency key "order-1" was used for another message', field: 'options.idempotencyKey', retryable: false });
  });

  it('a repeat after an unknown outcome gets the stored error with its provider and retryable, marked replayed', async () => {
    const { sends, send } = setup({ script: { a: [fault('TIMEOUT', { providerId: 'a' })] } });
    const first = await rejected(send(['a'], {}, TEXT, { idempotencyKey: 'k' }));
    const again = await rejected(send(['a'], {}, TEXT, { idempotencyKey: 'k' }));
    const attempts = [{ providerId: 'a', ok: false, code: 'TIMEOUT', decision: 'stop' }];
    expect([first.code, first.retryable, first.providerId, first.details]).toStrictEqual(['TIMEOUT', true, 'a', { attempts }]);
    expect([again.code, again.message, again.retryable, again.providerId, again.details]).toStrictEqual(['TIMEOUT', 'TIMEOUT from upstream', true, 'a', { attempts, replayed: true }]);
    expect(sends).toHaveLength(1);
  });

  it('a stored error without retryable (an older or foreign record) replays as not retryable', async () => {
    const idempotency: IdempotencyStore = {
      claim: async () => ({ status: 'completed', result: { ok: false, error: { code: 'UNAVAILABLE', message: 'it failed' } } }),
      complete: async () => undefined,
      release: async () => undefined,
    };
    const error = await rejected(setup({ idempotency }).send(['a'], {}, TEXT, { idempotencyKey: 'k' }));
    expect([error.code, error.message, error.retryable, error.providerId, error.details]).toStrictEqual(['UNAVAILABLE', 'it failed', false, undefined, { replayed: true }]);
  });

  it('waiting for a send in progress elsewhere: an abort ends the wait at once with TIMEOUT (outcome unknown)', async () => {
    const controller = new AbortController();
    let claims = 0;
    let finished = false;
    // In progress elsewhere; the caller aborts while the router waits, and the other send finishes
    // only after that. A third claim gets the key, so a router that keeps waiting fails, not hangs.
    const idempotency: IdempotencyStore = {
      async claim() {
        claims += 1;
        if (claims === 1) {
          setImmediate(() => {
            controller.abort();
            setImmediate(() => (finished = true));
          });
        }
        if (claims >= 3) return { status: 'claimed' };
        return finished ? { status: 'completed', result: { ok: true, result: { providerId: 'a', accepted: [PHONE], rejected: [], attempts: [] } } } : { status: 'in-progress' };
      },
      complete: async () => undefined,
      release: async () => undefined,
    };
    const { sends, send } = setup({ idempotency });
    const error = await rejected(send(['a'], {}, TEXT, { idempotencyKey: 'k', signal: controller.signal }));
    expect(error).toMatchObject({ code: 'TIMEOUT', message: 'the send with idempotency key "k" is still in progress elsewhere', retryable: true });
    expect(error.details).toStrictEqual({ outcome: 'unknown' });
    expect([claims, sends.length]).toStrictEqual([2, 0]);
  });
});
