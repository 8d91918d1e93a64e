import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  callbackMac,
  createCallbackHandler,
  encryptBox,
  padContainer,
  sharedKey,
  decodePrivateKey,
  decodePublicKey,
  type ThreemaReceivedMessage,
} from '../../src/providers/threema/index.js';
import type { TransportError } from '../../src/index.js';
import { rejection, setup, type Setup } from './helpers.js';

let s: Setup | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
  await s?.close();
});

/** Starts the callback endpoint of a provider on 127.0.0.1 and collects what it hands over. */
async function endpoint(setupValue: Setup) {
  const provider = await setupValue.provider();
  const messages: ThreemaReceivedMessage[] = [];
  const errors: TransportError[] = [];
  let failHandler = false;
  server = createServer(
    createCallbackHandler({
      receive: (body) => provider.receive(body),
      onMessage: (m) => {
        if (failHandler) throw new Error('database down');
        messages.push(m);
      },
      onError: (e) => errors.push(e),
      maxBodyBytes: 20_000,
    }),
  );
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/threema`;
  const post = async (body: string, method = 'POST') => {
    const res = await request(url, { method: method as 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...(method === 'POST' ? { body } : {}) });
    await res.body.dump();
    return res.statusCode;
  };
  return { url, messages, errors, post, provider, failWith: (v: boolean) => void (failHandler = v) };
}

/** A callback body for arbitrary container bytes from a mock user (for malformed content). */
function rawCallback(st: Setup, from: string, container: Uint8Array, claimedFrom = from): string {
  const user = st.gateway.user(from)!;
  const key = sharedKey(decodePublicKey(st.gateway.publicKey), decodePrivateKey(user.privateKey));
  const { nonce, box } = encryptBox(container, key);
  const fields = { from: claimedFrom, to: st.gateway.gatewayId, messageId: '0102030405060708', date: '1700000000', nonce: Buffer.from(nonce).toString('hex'), box: Buffer.from(box).toString('hex') };
  return new URLSearchParams({ ...fields, mac: callbackMac(fields, st.gateway.secret) }).toString();
}

describe('receiving callbacks', () => {
  it('verifies, decrypts and decodes text, receipts and files; the sender key is cached', async () => {
    s = await setup();
    const p = await s.provider();
    const text = await p.receive(s.gateway.callback('ECHOECHO', { type: 'text', text: '私はガラスを食べられます。それは私を傷つけません。!' }, { nickname: 'Echo', date: new Date('2026-01-02T03:04:05Z') }).body);
    expect(text).toMatchObject({ type: 'text', text: '私はガラスを食べられます。それは私を傷つけません。!', from: 'ECHOECHO', to: s.gateway.gatewayId, nickname: 'Echo', date: new Date('2026-01-02T03:04:05Z') });
    expect(text.messageId).toMatch(/^[0-9a-f]{16}$/);
    const ids = [Buffer.from('00000000').toString('hex'), Buffer.from('11111111').toString('hex')];
    const receipt = await p.receive(new URLSearchParams(s.gateway.callback('ECHOECHO', { type: 'delivery-receipt', status: 'read', messageIds: ids }).body));
    expect(receipt).toMatchObject({ type: 'delivery-receipt', status: 'read', messageIds: ids });
    const file = { blobId: 'ab'.repeat(16), key: 'cd'.repeat(32), mediaType: 'image/png', size: 10, renderingType: 'media' as const, name: 'pic.png' };
    expect(await p.receive(s.gateway.callback('ECHOECHO', { type: 'file', file }).fields)).toMatchObject({ type: 'file', file });
    expect(s.gateway.counters.pubkeys).toBe(1);
    const events = await s.registry.events({ providerId: s.id });
    expect(events.filter((e) => e.type === 'threema.received')).toHaveLength(3);
  });

  it('answers the gateway over HTTP: 200, 400 for anything invalid, 405, 413, 500 when the handler fails', async () => {
    s = await setup();
    const ep = await endpoint(s);
    expect(await s.gateway.postCallback(ep.url, 'ECHOECHO', { type: 'text', text: 'over http' })).toBe(200);
    expect(ep.messages.map((m) => m.type === 'text' && m.text)).toEqual(['over http']);

    const good = s.gateway.callback('ECHOECHO', { type: 'text', text: 'tampered' }).fields;
    const tampered = new URLSearchParams({ ...good, box: `00${good.box!.slice(2)}` }).toString();
    expect(await ep.post(tampered)).toBe(400);
    expect(ep.errors.at(-1)).toMatchObject({ code: 'AUTH_FAILED', details: { reason: 'bad-mac' } });

    const fields = { from: 'ECHOECHO', to: s.gateway.gatewayId, messageId: '0102030405060708', date: '1700000000', nonce: '30'.repeat(24), box: '31'.repeat(200) };
    expect(await ep.post(new URLSearchParams({ ...fields, mac: callbackMac(fields, s.gateway.secret) }).toString())).toBe(400);
    expect(ep.errors.at(-1)).toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'bad-box' } });

    const other = { ...fields, to: '*OTHERGW' };
    expect(await ep.post(new URLSearchParams({ ...other, mac: callbackMac(other, s.gateway.secret) }).toString())).toBe(400);
    expect(ep.errors.at(-1)).toMatchObject({ details: { reason: 'wrong-recipient' } });

    // A type transportkit does not model is delivered raw (200), not refused: the gateway would give up on it.
    const errorsBefore = ep.errors.length;
    expect(await ep.post(rawCallback(s, 'ECHOECHO', padContainer(0x99, new Uint8Array([1, 2, 3]), 40)))).toBe(200);
    expect(ep.errors).toHaveLength(errorsBefore);
    expect(ep.messages.at(-1)).toMatchObject({ type: 'raw', messageType: 0x99, bytes: new Uint8Array([1, 2, 3]) });
    expect(ep.messages.at(-1)).not.toHaveProperty('typeName');

    const badPadding = padContainer(0x01, new TextEncoder().encode('hello'), 40);
    badPadding[badPadding.length - 2] = 7;
    expect(await ep.post(rawCallback(s, 'ECHOECHO', badPadding))).toBe(400);
    expect(ep.errors.at(-1)).toMatchObject({ details: { reason: 'bad-padding' } });

    expect(await ep.post(rawCallback(s, 'ECHOECHO', padContainer(0x01, new Uint8Array([0xff, 0xfe]))))).toBe(400);
    expect(ep.errors.at(-1)).toMatchObject({ details: { reason: 'bad-content' } });

    expect(await ep.post('', 'GET')).toBe(405);
    expect(await ep.post(`from=${'A'.repeat(30_000)}`)).toBe(413);
    ep.failWith(true);
    expect(await s.gateway.postCallback(ep.url, 'ECHOECHO', { type: 'text', text: 'handler fails' })).toBe(500);
    expect(ep.messages).toHaveLength(2);
  });

  it('refuses a callback from an unknown sender, or one whose box was made by someone else', async () => {
    s = await setup({ mock: { users: [{ id: 'ECHOECHO' }, { id: 'MALLORY1' }] } });
    const p = await s.provider();
    const container = padContainer(0x01, new TextEncoder().encode('x'));
    expect(await rejection(p.receive(rawCallback(s, 'ECHOECHO', container, 'STRANGER')))).toMatchObject({ code: 'INVALID_RECIPIENT', upstream: { status: 404 } });
    expect(await rejection(p.receive(rawCallback(s, 'MALLORY1', container, 'ECHOECHO')))).toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'bad-box' } });
  });
});

describe('the callback endpoint under hostile input and failing host callbacks', () => {
  /** Serves a handler on 127.0.0.1 and returns its URL. */
  async function serve(handler: ReturnType<typeof createCallbackHandler>): Promise<string> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/threema`;
  }
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);

  it('answers every request although onError and onMessage throw, and nothing is left unhandled', async () => {
    s = await setup();
    const provider = await s.provider();
    process.on('unhandledRejection', onUnhandled);
    try {
      const url = await serve(
        createCallbackHandler({
          receive: (body) => provider.receive(body),
          onMessage: async () => {
            throw new Error('database down');
          },
          onError: () => {
            throw new Error('the error reporter fails too');
          },
        }),
      );
      const post = async (body: string) => {
        const res = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        await res.body.dump();
        return res.statusCode;
      };
      expect(await post('from=ECHOECHO&mac=00')).toBe(400);
      expect(await s.gateway.postCallback(url, 'ECHOECHO', { type: 'text', text: 'handler fails' })).toBe(500);
      // A synchronous throw in receive() and onMessage is answered the same way.
      server!.removeAllListeners('request');
      server!.on(
        'request',
        createCallbackHandler({
          receive: () => {
            throw new Error('sync failure');
          },
          onMessage: () => undefined,
          onError: () => {
            throw new Error('again');
          },
        }),
      );
      expect(await post('x=1')).toBe(400);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('answers 408 to a body that does not arrive within bodyTimeoutMs, and tells onError', async () => {
    const errors: TransportError[] = [];
    const url = await serve(
      createCallbackHandler({
        receive: () => Promise.reject(new Error('never called')),
        onMessage: () => undefined,
        onError: (e) => errors.push(e),
        bodyTimeoutMs: 200,
      }),
    );
    const { hostname, port } = new URL(url);
    const started = Date.now();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: hostname, port, path: '/threema', method: 'POST', headers: { 'content-length': '1000', 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('from=ECHO'); // and then nothing more
    });
    expect(status).toBe(408);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(errors).toMatchObject([{ code: 'TIMEOUT' }]);
  });

  it('refuses a bad bodyTimeoutMs or maxBodyBytes with a coded error', () => {
    const base = { receive: () => Promise.reject(new Error('x')), onMessage: () => undefined };
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) {
      expect(() => createCallbackHandler({ ...base, bodyTimeoutMs: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'bodyTimeoutMs' }));
      expect(() => createCallbackHandler({ ...base, maxBodyBytes: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'maxBodyBytes' }));
    }
  });
});

describe('delivery receipts update the delivery status', () => {
  it('records delivered and read for the acknowledged message ids, forward only', async () => {
    s = await setup();
    const provider = await s.provider();
    const sent = await s.registry.send(provider.id, { to: 'ECHOECHO', text: 'receipt me' });
    const messageId = sent.messageId!;
    server = createServer(
      createCallbackHandler({
        receive: (body) => provider.receive(body),
        onMessage: () => undefined,
        deliveryStatus: { registry: s.registry, providerId: provider.id },
      }),
    );
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/threema`;
    expect(await s.gateway.postCallback(url, 'ECHOECHO', { type: 'delivery-receipt', status: 'read', messageIds: [messageId] })).toBe(200);
    expect(await s.gateway.postCallback(url, 'ECHOECHO', { type: 'delivery-receipt', status: 'received', messageIds: [messageId] })).toBe(200);
    expect(await s.registry.deliveryStatus(messageId)).toMatchObject({ messageId, providerId: provider.id, state: 'read' });
    expect((await s.registry.events({ types: ['message.status'] })).map((e) => e.fields.state)).toContain('read');
  });
});
