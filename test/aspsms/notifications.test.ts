import { hkdfSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRegistry,
  memoryStorage,
  memoryTransport,
  toNodeListener,
  type LogEntry,
  type ProviderRegistry,
  type TransportError,
  type TransportStorage,
} from '../../src/index.js';
import { aspsms, aspsmsSendDetails, createAspsmsNotificationHandler, createAspsmsNotificationListener, isAspsmsProvider } from '../../src/providers/aspsms/index.js';
import { startAspsmsMock } from '../../src/testing/index.js';
import { leaksIn, printout } from '../smtp/helpers/leaks.js';
import { PASSWORD, USER_KEY } from './setup.js';

const OK = '+41791234567';
const UNKNOWN = '+41790000000';
const SECRETS = { userKey: USER_KEY, password: PASSWORD };

/** A registry on a store whose delivery statuses can be made to fail, with the handler on 127.0.0.1. */
async function world(mockOptions: Parameters<typeof startAspsmsMock>[0] = {}) {
  const mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 1000 }], unknownRecipients: [UNKNOWN], ...mockOptions });
  const inner = memoryStorage();
  const store = { failing: false };
  const storage: TransportStorage = {
    ...inner,
    deliveries: {
      get: (id) => inner.deliveries.get(id),
      advance: async (status) => {
        if (store.failing) throw new Error('database down');
        return inner.deliveries.advance(status);
      },
    },
  };
  const logs: LogEntry[] = [];
  const registry: ProviderRegistry = createRegistry({ storage, types: [aspsms(), memoryTransport()], logger: (e) => logs.push(e) });
  const errors: TransportError[] = [];
  const server = http.createServer(toNodeListener(createAspsmsNotificationHandler({ registry, onError: (e) => errors.push(e) })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = await registry.create({
    type: 'aspsms',
    id: 'sms',
    name: 'SMS',
    eventLevel: 'debug',
    config: { userKey: USER_KEY, originator: 'Shop', serviceUrl: mock.url, notificationUrl: `${base}/aspsms/notify?tenant=acme` },
    secrets: { password: PASSWORD },
  });
  return {
    mock,
    registry,
    store,
    logs,
    errors,
    base,
    id: provider.id,
    async close() {
      await registry.close();
      await mock.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A notification URL of a sent message with the placeholders filled as ASPSMS would. */
function filled(template: string, fields: Record<string, string>): string {
  return template.replace(/<([A-Z]+)>/g, (whole, name: string) => (fields[name] === undefined ? whole : encodeURIComponent(fields[name]!)));
}

async function get(url: string, method = 'GET'): Promise<number> {
  return (await fetch(url, { method })).status;
}

describe('ASPSMS delivery notifications', () => {
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
  });
  afterAll(async () => w.close());

  it('a delivered notification updates the status and is a message.status event', async () => {
    const result = await w.registry.send(w.id, { to: OK, text: 'Grüezi' });
    await w.mock.settled();
    expect(w.mock.notifications.at(-1)).toMatchObject({ outcome: 200 });
    expect(await w.registry.deliveryStatus(result.messageId!)).toMatchObject({ messageId: result.messageId, providerId: w.id, state: 'delivered' });
    const events = await w.registry.events({ types: ['message.status'] });
    expect(events.at(-1)?.fields).toMatchObject({ messageId: result.messageId, state: 'delivered' });
  });

  it('a non-delivery notification (unknown subscriber) records failed with the reason', async () => {
    const result = await w.registry.send(w.id, { to: UNKNOWN, text: 'Grüezi' });
    await w.mock.settled();
    const status = await w.registry.deliveryStatus(result.messageId!);
    expect(status).toMatchObject({ state: 'failed', reason: '101 unknown subscriber' });
    // DSCTS is read in the provider's time zone: within seconds of now.
    expect(Math.abs(Date.parse(status!.at) - Date.now())).toBeLessThan(60_000);
    const events = await w.registry.events({ types: ['message.status'] });
    expect(events.at(-1)).toMatchObject({ severity: 'warn', fields: { messageId: result.messageId, state: 'failed', reason: '101 unknown subscriber' } });
  });

  it('a multi-recipient SMS gets a status per reference', async () => {
    const result = await w.registry.send(w.id, { to: [OK, UNKNOWN, '+41791234568'], text: 'an alle' });
    await w.mock.settled();
    const references = aspsmsSendDetails(result)!.references;
    expect(await w.registry.deliveryStatus(references[OK]!)).toMatchObject({ state: 'delivered', providerId: w.id });
    expect(await w.registry.deliveryStatus(references[UNKNOWN]!)).toMatchObject({ state: 'failed', reason: '101 unknown subscriber' });
    expect(await w.registry.deliveryStatus(references['+41791234568']!)).toMatchObject({ state: 'delivered' });
    // The message's own status: the first final report.
    expect(['delivered', 'failed']).toContain((await w.registry.deliveryStatus(result.messageId!))?.state);
  });

  it('builds the URLs with the host query kept, never with the password or UserKey; configured URLs win', async () => {
    await w.registry.send(w.id, { to: OK, text: 'x' });
    const urls = w.mock.sent.at(-1)!.notificationUrls;
    expect(urls.delivered).toMatch(new RegExp(`^${w.base}/aspsms/notify\\?tenant=acme&p=sms&m=[A-Z2-7]{16}&n=1&t=[A-Za-z0-9_-]{32}&s=delivered&trn=<TRN>&dst=<DST>&rsn=<RSN>&at=<DSCTS>$`));
    expect(urls.failed).toContain('&s=failed&');
    expect(urls.buffered).toContain('&s=buffered&');
    expect(leaksIn(JSON.stringify(w.mock.sent.map((m) => m.notificationUrls)), SECRETS)).toEqual([]);

    await w.registry.update(w.id, { config: { deliveryNotificationUrl: `${w.base}/own?id=` } });
    await w.registry.send(w.id, { to: OK, text: 'y' });
    expect(w.mock.sent.at(-1)!.notificationUrls).toMatchObject({ delivered: `${w.base}/own?id=`, failed: expect.stringContaining('&s=failed&') });
    await w.registry.update(w.id, { config: { deliveryNotificationUrl: undefined } });
  });

  it('refuses an invalid notificationUrl, naming the field', async () => {
    for (const notificationUrl of ['ftp://example.org/x', 'https://example.org/x#frag', 'https://example.org/x?m=1', 'https://user:pw@example.org/']) {
      await expect(w.registry.update(w.id, { config: { notificationUrl } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.notificationUrl' });
    }
  });

  it('the live provider verifies tokens but shows no key, in any printout', async () => {
    const provider = await w.registry.resolve(w.id);
    if (!isAspsmsProvider(provider)) throw new Error('not ASPSMS');
    expect(provider.verifyNotificationToken({ messageId: 'ABC', recipients: 1, token: 'A'.repeat(32) })).toBe(false);
    // The derivation as documented in the provider; the key must not show anywhere.
    const key = Buffer.from(hkdfSync('sha256', PASSWORD, USER_KEY, 'transportkit/aspsms notification token v1', 32));
    const text = printout(provider, w.registry, JSON.stringify(provider));
    expect(leaksIn(text, { ...SECRETS, key })).toEqual([]);
  });
});

describe('refused notifications', () => {
  let w: Awaited<ReturnType<typeof world>>;
  /** Sends a message (the mock calls nothing) and returns its delivered URL, filled for a recipient. */
  let sent: (to: string | string[]) => Promise<{ messageId: string; url: (fields?: Record<string, string>) => string; template: string }>;

  beforeAll(async () => {
    w = await world({ notify: false });
    await w.registry.create({ type: 'memory', id: 'mem', config: { channel: 'sms' } });
    await w.registry.create({
      type: 'aspsms',
      id: 'sms2',
      config: { userKey: USER_KEY, originator: 'Shop', serviceUrl: w.mock.url, notificationUrl: `${w.base}/aspsms/notify` },
      secrets: { password: PASSWORD },
    });
    sent = async (to) => {
      const result = await w.registry.send(w.id, { to, text: 'x' });
      const template = w.mock.sent.at(-1)!.notificationUrls.delivered!;
      const messageId = result.messageId!;
      return { messageId, template, url: (fields = {}) => filled(template, { TRN: `${messageId}0`, DST: '0', RSN: '000', DSCTS: '01012026120000', ...fields }) };
    };
  });
  afterAll(async () => w.close());

  it('a valid one is taken, and the status changes', async () => {
    const message = await sent(OK);
    expect(await get(message.url())).toBe(200);
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'delivered', at: '2026-01-01T11:00:00.000Z' });
  });

  it('forged or misused URLs are a bare 400 (405 for POST) and store nothing', async () => {
    const a = await sent(OK);
    const b = await sent([OK, UNKNOWN]);
    const tokenOf = (url: string) => new URL(url).searchParams.get('t')!;
    const forged = tokenOf(a.template).replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
    w.errors.length = 0;
    const cases: [string, string, number][] = [
      ['forged token', a.url().replace(`t=${tokenOf(a.template)}`, `t=${forged}`), 400],
      ['token of another message', a.url().replace(`m=${a.messageId}`, `m=${b.messageId}`).replace(`trn=${a.messageId}0`, `trn=${b.messageId}0`), 400],
      ['token of another recipient count', a.url().replace('&n=1&', '&n=2&'), 400],
      ['token of another provider', a.url().replace('p=sms&', 'p=sms2&'), 400],
      ['a trn of another message', a.url({ TRN: `${b.messageId}0` }), 400],
      ['a trn beyond the recipients', a.url({ TRN: `${a.messageId}1` }), 400],
      ['a non-ASPSMS provider', a.url().replace('p=sms&', 'p=mem&'), 400],
      ['an unknown provider', a.url().replace('p=sms&', 'p=nobody&'), 400],
      ['a repeated parameter', `${a.url()}&m=${a.messageId}`, 400],
      ['an unknown status', a.url({ DST: '7' }), 400],
      ['no query', `${w.base}/aspsms/notify`, 400],
    ];
    for (const [what, url, status] of cases) expect([what, await get(url)]).toEqual([what, status]);
    expect(await get(a.url(), 'POST')).toBe(405);
    const response = await fetch(a.url().replace(`t=${tokenOf(a.template)}`, `t=${forged}`));
    expect(await response.text()).toBe('400');

    expect(await w.registry.deliveryStatus(a.messageId)).toMatchObject({ state: 'accepted' });
    expect(await w.registry.deliveryStatus(b.messageId)).toMatchObject({ state: 'accepted' });
    expect(await w.registry.deliveryStatus(`${b.messageId}0`)).toBeUndefined();
    expect(w.errors.map((e) => e.details?.reason)).toEqual([
      'bad-token',
      'bad-token',
      'bad-token',
      'bad-token',
      'wrong-reference',
      'wrong-reference',
      'not-aspsms',
      'unknown-provider',
      'bad-field',
      'bad-field',
      'bad-field',
      'method',
      'bad-token',
    ]);
    expect(w.errors.every((e) => e.code === 'MESSAGE_INVALID')).toBe(true);
  });

  it('buffered and not-yet-submitted reports change no status but are events', async () => {
    const message = await sent(OK);
    expect(await get(message.url({ DST: '1', RSN: '107' }).replace('s=delivered', 's=buffered'))).toBe(200);
    expect(await get(message.url({ DST: '-1' }))).toBe(200);
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'accepted' });
    const events = await w.registry.events({ types: ['aspsms.buffered'] });
    expect(events.slice(-2).map((e) => e.fields)).toEqual([
      expect.objectContaining({ messageId: message.messageId, reference: `${message.messageId}0`, status: 1, reasonCode: '107' }),
      expect.objectContaining({ messageId: message.messageId, status: -1 }),
    ]);
  });

  it('without <DST> the kind of URL decides; a replay changes nothing', async () => {
    const message = await sent(OK);
    const failedUrl = filled(message.template.replace('s=delivered', 's=failed'), { TRN: `${message.messageId}0`, RSN: '107' });
    // The token does not cover `s`: the token holder (ASPSMS) chooses the URL.
    expect(await get(failedUrl)).toBe(200);
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'failed', reason: '107 absent subscriber' });
    expect(await get(message.url())).toBe(200);
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'failed' });
  });

  it('answers 503 while the store fails, so the caller can report again', async () => {
    const message = await sent(OK);
    w.store.failing = true;
    w.errors.length = 0;
    try {
      expect(await get(message.url())).toBe(503);
    } finally {
      w.store.failing = false;
    }
    expect(w.errors[0]).toMatchObject({ code: 'STORAGE_FAILED', retryable: true, details: { reason: 'unavailable' } });
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'accepted' });
    expect(await get(message.url())).toBe(200);
    expect(await w.registry.deliveryStatus(message.messageId)).toMatchObject({ state: 'delivered' });
  });

  it('a throwing onError and a failing registry still get every request answered', async () => {
    const message = await sent(OK);
    const broken = createAspsmsNotificationHandler({
      registry: {
        resolve: (id) => w.registry.resolve(id),
        recordDeliveryStatus: () => Promise.reject(new Error('boom')),
        recordEvent: () => Promise.reject(new Error('boom')),
      },
      onError: () => {
        throw new Error('host bug');
      },
    });
    expect((await broken(new Request(message.url()))).status).toBe(503);
    expect((await broken(new Request(message.url({ DST: '1' })))).status).toBe(503);
    expect((await broken(new Request('http://x/?p=sms'))).status).toBe(400);
    const unresolvable = createAspsmsNotificationHandler({
      registry: { resolve: () => Promise.reject(new Error('db down')), recordDeliveryStatus: async () => true, recordEvent: async () => undefined },
    });
    expect((await unresolvable(new Request(message.url()))).status).toBe(503);
    expect(() => createAspsmsNotificationHandler({ registry: {} as never })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'registry' }));
  });

  it('a changed password invalidates the links of earlier messages', async () => {
    const message = await sent(OK);
    await w.registry.setSecret(w.id, 'password', 'Neues-Passwort-2026');
    try {
      expect(await get(message.url())).toBe(400);
    } finally {
      await w.registry.setSecret(w.id, 'password', PASSWORD);
    }
    expect(await get(message.url())).toBe(200);
  });

  it('createAspsmsNotificationListener serves node:http', async () => {
    const message = await sent(OK);
    const server = http.createServer(createAspsmsNotificationListener({ registry: w.registry }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await get(message.url().replace(w.base, `http://127.0.0.1:${port}`))).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('nothing secret in events, logs, errors or the answers', async () => {
    const events = await w.registry.events();
    expect(events.some((e) => e.type === 'aspsms.request')).toBe(true);
    const haystack = JSON.stringify(events) + JSON.stringify(w.logs) + printout(w.errors);
    expect(leaksIn(haystack, SECRETS)).toEqual([]);
    // The tokens stay out of the debug envelopes too.
    const tokens = w.mock.sent.map((m) => new URL(m.notificationUrls.delivered!).searchParams.get('t')!);
    expect(tokens.length).toBeGreaterThan(3);
    expect(tokens.filter((t) => JSON.stringify(events).includes(t))).toEqual([]);
  });
});
