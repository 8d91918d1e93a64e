import { describe, expect, it } from 'vitest';
import {
  TransportError,
  type DeliveryCapabilities,
  type DeliveryProvider,
  type EmailMessage,
  type SendResult,
  type TestOptions,
  type TextMessage,
  type TransportProvider,
} from '../../src/index.js';
import { runTest } from '../../src/registry/test-run.js';

const START = Date.parse('2026-11-29T12:00:00Z');
const STARTED_AT = '2026-11-29T12:00:00.000Z';
const PHONE = '+41791234567';
const ACCEPTED: SendResult = { providerId: 'p1', messageId: 'm1', accepted: [PHONE], rejected: [] };

/**
 * One Test run over scripted parts. The clock moves only when a part is called, each by its own
 * amount (resolve 5 ms, send 17 ms, the provider's parts as given), so every duration is exact.
 * The recorder redacts "hunter2" as the registry's redacts a secret.
 */
function world() {
  const clock = { t: START, now: () => clock.t };
  /** A provider method that takes `ms` and then returns (or throws) what `value` does. */
  const took = <T>(ms: number, value: () => T) => async (): Promise<Awaited<T>> => {
    clock.t += ms;
    return await value();
  };
  const sent: (EmailMessage | TextMessage)[] = [];
  const run = (provider: TransportProvider | Error, options: TestOptions = {}, outcome: SendResult | Error = ACCEPTED) =>
    runTest(
      {
        providerId: 'p1',
        type: 'host',
        name: 'Host A',
        clock,
        recorder: { redact: (text) => text.replaceAll('hunter2', '[redacted]') },
        resolve: took(5, () => {
          if (provider instanceof Error) throw provider;
          return provider;
        }),
        send: async (message) => {
          clock.t += 17;
          sent.push(message);
          if (outcome instanceof Error) throw outcome;
          return outcome;
        },
      },
      options,
    );
  return { took, run, sent };
}

type Parts = Pick<DeliveryProvider, 'diagnostics' | 'verify' | 'getBalance'>;

function delivery(parts: Partial<Parts> = {}, capabilities: Partial<DeliveryCapabilities> = {}): DeliveryProvider {
  return {
    kind: 'delivery',
    id: 'p1',
    type: 'host',
    channel: 'sms',
    capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false, ...capabilities },
    validateAddress: (a) => ({ ok: true, normalized: a }),
    send: async () => {
      throw new Error('a Test sends through run.send, never the provider directly');
    },
    close: async () => {},
    ...parts,
  };
}

const route = (channel: 'email' | 'sms'): TransportProvider => ({
  kind: 'route',
  id: 'r1',
  type: 'route',
  channel,
  route: { providers: ['a', 'b'], strategy: 'failover' },
  close: async () => {},
});

describe('runTest', () => {
  it('a delivery provider: config, its diagnostics, verify, balance and the test send, each timed', async () => {
    const { took, run, sent } = world();
    const provider = delivery(
      {
        diagnostics: took(7, () => [{ name: 'certificate', ok: true, detail: 'valid until 2027' }, { name: 'dns', ok: true }]),
        verify: took(11, () => ({ detail: 'smtp.example.org ready' })),
        getBalance: took(13, () => ({ amount: 12.5, unit: 'credits', checkedAt: STARTED_AT })),
      },
      { balance: true },
    );
    expect(await run(provider, { to: PHONE })).toStrictEqual({
      ok: true,
      providerId: 'p1',
      type: 'host',
      startedAt: STARTED_AT,
      durationMs: 5 + 7 + 11 + 13 + 17,
      steps: [
        { name: 'config', ok: true, durationMs: 5, detail: 'type host' },
        // Every diagnostic is timed from the start of the diagnostics call.
        { name: 'certificate', ok: true, detail: 'valid until 2027', durationMs: 7 },
        { name: 'dns', ok: true, durationMs: 7 },
        { name: 'verify', ok: true, durationMs: 11, detail: 'smtp.example.org ready' },
        { name: 'balance', ok: true, durationMs: 13, detail: '12.5 credits' },
        { name: 'send', ok: true, durationMs: 17, detail: 'accepted by upstream as m1' },
      ],
      sendResult: ACCEPTED,
    });
    expect(sent).toStrictEqual([{ to: PHONE, text: `Test message from transport provider "Host A" (${STARTED_AT}).` }]);
  });

  it('a verify without detail is "reachable, credentials accepted"; a send without messageId names only who accepted it', async () => {
    const { took, run } = world();
    const report = await run(delivery({ verify: took(11, () => ({})) }), { to: PHONE }, { providerId: 'p1', accepted: [PHONE], rejected: [] });
    expect(report.steps.map(({ name, detail }) => [name, detail])).toStrictEqual([
      ['config', 'type host'],
      ['verify', 'reachable, credentials accepted'],
      ['send', 'accepted by upstream'],
    ]);
  });

  it('verify only when the provider has it; balance only with both the capability and the method; no send without `to`', async () => {
    const { took, run } = world();
    const names = async (provider: DeliveryProvider) => (await run(provider)).steps.map((s) => s.name);
    const balance = took(13, () => ({ amount: 1, unit: 'credits', checkedAt: STARTED_AT }));
    expect(await names(delivery())).toStrictEqual(['config']);
    expect(await names(delivery({ getBalance: balance }))).toStrictEqual(['config']);
    expect(await names(delivery({}, { balance: true }))).toStrictEqual(['config']);
    expect(await names(delivery({ getBalance: balance }, { balance: true }))).toStrictEqual(['config', 'balance']);
  });

  it('failing steps carry the code and the redacted message; the report has the first failure’s code and no send result', async () => {
    const { took, run } = world();
    const provider = delivery(
      {
        verify: took(11, () => {
          throw new TransportError('AUTH_FAILED', 'password hunter2 rejected');
        }),
        getBalance: took(13, () => {
          throw new Error('socket closed while sending hunter2');
        }),
      },
      { balance: true },
    );
    expect(await run(provider, { to: PHONE }, new TransportError('RATE_LIMITED', 'slow down'))).toStrictEqual({
      ok: false,
      providerId: 'p1',
      type: 'host',
      startedAt: STARTED_AT,
      durationMs: 5 + 11 + 13 + 17,
      steps: [
        { name: 'config', ok: true, durationMs: 5, detail: 'type host' },
        { name: 'verify', ok: false, durationMs: 11, detail: 'password [redacted] rejected', code: 'AUTH_FAILED' },
        { name: 'balance', ok: false, durationMs: 13, detail: 'socket closed while sending [redacted]', code: 'UNAVAILABLE' },
        { name: 'send', ok: false, durationMs: 17, detail: 'slow down', code: 'RATE_LIMITED' },
      ],
      errorCode: 'AUTH_FAILED',
    });
  });

  it('diagnostics that reject become one failing "diagnostics" step (no code: the report says UNAVAILABLE)', async () => {
    const { took, run } = world();
    const provider = delivery({
      diagnostics: took(7, () => {
        throw new Error('cannot read the certificate of hunter2');
      }),
    });
    expect(await run(provider)).toStrictEqual({
      ok: false,
      providerId: 'p1',
      type: 'host',
      startedAt: STARTED_AT,
      durationMs: 12,
      steps: [
        { name: 'config', ok: true, durationMs: 5, detail: 'type host' },
        { name: 'diagnostics', ok: false, detail: 'cannot read the certificate of [redacted]', durationMs: 7 },
      ],
      errorCode: 'UNAVAILABLE',
    });
  });

  it('a provider that cannot be built fails the config step; nothing else runs', async () => {
    const { run, sent } = world();
    expect(await run(new TransportError('SECRET_UNREADABLE', 'secret "password" of p1 cannot be opened'), { to: PHONE })).toStrictEqual({
      ok: false,
      providerId: 'p1',
      type: 'host',
      startedAt: STARTED_AT,
      durationMs: 5,
      steps: [{ name: 'config', ok: false, durationMs: 5, detail: 'secret "password" of p1 cannot be opened', code: 'SECRET_UNREADABLE' }],
      errorCode: 'SECRET_UNREADABLE',
    });
    expect(sent).toStrictEqual([]);
  });

  it('an e-mail provider gets a subject; a given text is sent as given', async () => {
    const { run, sent } = world();
    await run(delivery({}, { message: 'email' }), { to: 'a@example.org', text: 'hello' });
    expect(sent).toStrictEqual([{ to: 'a@example.org', subject: 'Test: Host A', text: 'hello' }]);
  });

  it('a route sends by its channel’s shape and names the provider that accepted', async () => {
    const text = `Test message from transport provider "Host A" (${STARTED_AT}).`;
    const email = world();
    const mail = await email.run(route('email'), { to: 'a@example.org' }, { providerId: 'b', messageId: 'm2', accepted: ['a@example.org'], rejected: [] });
    expect(mail.steps.map(({ name, detail }) => [name, detail])).toStrictEqual([['config', 'type host'], ['send', 'accepted by b as m2']]);
    expect(email.sent).toStrictEqual([{ to: 'a@example.org', subject: 'Test: Host A', text }]);
    const sms = world();
    const smsReport = await sms.run(route('sms'), { to: PHONE }, { providerId: 'a', accepted: [PHONE], rejected: [] });
    expect(smsReport.steps.at(-1)).toStrictEqual({ name: 'send', ok: true, durationMs: 17, detail: 'accepted by a' });
    expect(sms.sent).toStrictEqual([{ to: PHONE, text }]);
  });

  it('a verifier is only resolved: it neither verifies (that needs a user and a code) nor sends', async () => {
    const { run, sent } = world();
    const verifier: TransportProvider = {
      kind: 'verifier',
      id: 'p1',
      type: 'totp',
      channel: 'totp',
      verify: async () => {
        throw new Error('not for the Test');
      },
      close: async () => {},
    };
    expect((await run(verifier, { to: 'u1' })).steps.map((s) => s.name)).toStrictEqual(['config']);
    expect(sent).toStrictEqual([]);
  });
});
