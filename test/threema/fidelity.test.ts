import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, memoryTransport } from '../../src/index.js';
import {
  createCallbackHandler,
  decodePrivateKey,
  decodePublicKey,
  encryptBox,
  hashPhone,
  padContainer,
  sharedKey,
  type ThreemaReceivedMessage,
} from '../../src/providers/threema/index.js';
import { rejection, setup, type Setup } from './helpers.js';

let s: Setup | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
  server = undefined;
  await s?.close();
  s = undefined;
});

/** A GET to the mock as the official SDKs make it: credentials in the query. */
async function sdkGet(st: Setup, path: string): Promise<{ status: number; text: string }> {
  const url = new URL(path, st.gateway.url);
  url.searchParams.set('from', st.gateway.gatewayId);
  url.searchParams.set('secret', st.gateway.secret);
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text() };
}

/** The callback endpoint of the provider, collecting what it hands to the host. */
async function endpoint(st: Setup) {
  const provider = await st.provider();
  const messages: ThreemaReceivedMessage[] = [];
  server = createServer(createCallbackHandler({ receive: (body) => provider.receive(body), onMessage: (m) => void messages.push(m) }));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, messages, provider };
}

describe('the mock gateway normalises its plaintext lookups like its hash lookups', () => {
  it('finds users registered in any spelling by /lookup/phone and /lookup/email, as the official SDKs call them', async () => {
    s = await setup({
      mock: {
        users: [
          { id: 'ECHOECHO', phone: '+41 79 123 45 67', email: ' EchoEcho@Example.COM ' },
          { id: 'USER0002', phone: '0044 20 7946 0000' },
        ],
      },
    });
    // The SDKs send E.164 digits without + and the address as typed.
    expect(await sdkGet(s, 'lookup/phone/41791234567')).toEqual({ status: 200, text: 'ECHOECHO' });
    expect(await sdkGet(s, `lookup/phone/${encodeURIComponent('+41 (0)79 123 45 67')}`)).toEqual({ status: 200, text: 'ECHOECHO' });
    expect(await sdkGet(s, 'lookup/phone/442079460000')).toEqual({ status: 200, text: 'USER0002' });
    expect(await sdkGet(s, 'lookup/email/echoecho@example.com')).toEqual({ status: 200, text: 'ECHOECHO' });
    expect(await sdkGet(s, 'lookup/email/ECHOECHO@example.com')).toEqual({ status: 200, text: 'ECHOECHO' });
    // Whoever the hash lookups find, the plaintext lookups find too.
    expect(await sdkGet(s, `lookup/phone_hash/${hashPhone('41791234567')}`)).toEqual({ status: 200, text: 'ECHOECHO' });
    expect((await sdkGet(s, 'lookup/phone/41790000000')).status).toBe(404);
  });

  it('resolves the trunk-prefix notation +41 (0)79 and 0041 (0)79 to the number without the 0', async () => {
    s = await setup();
    await s.registry.send(s.id, { to: '+41 (0)79 123 45 67', text: 'trunk' });
    await s.registry.send(s.id, { to: '0041 (0)79 123 45 67', text: 'double zero' });
    expect(s.gateway.inbox('ECHOECHO').map((m) => m.content)).toEqual([
      { type: 'text', text: 'trunk' },
      { type: 'text', text: 'double zero' },
    ]);
    const hashes = s.gateway.requests.filter((r) => r.endpoint === 'lookup').map((r) => r.path);
    expect(hashes).toEqual([`/lookup/phone_hash/${hashPhone('41791234567')}`]);
    expect((await s.provider()).validateAddress('+41 (0)79 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
  });
});

describe('one message per person', () => {
  it('delivers once to a person reached by phone, e-mail and ID, or listed twice; every address is accepted', async () => {
    s = await setup();
    const to = ['+41791234567', 'EchoEcho@example.com', 'ECHOECHO', 'echoecho'];
    const result = await s.registry.send(s.id, { to, text: 'only once' });
    expect(s.gateway.inbox('ECHOECHO')).toHaveLength(1);
    const messageId = s.gateway.inbox('ECHOECHO')[0]!.messageId;
    expect(result).toMatchObject({ accepted: to, rejected: [], messageId, cost: { amount: 1, unit: 'credits' } });
    expect(result.rejections).toBeUndefined();
    expect(result.details).toEqual({
      messageIds: Object.fromEntries(to.map((a) => [a, messageId])),
      identities: Object.fromEntries(to.map((a) => [a, 'ECHOECHO'])),
    });
    expect(s.gateway.credits).toBe(99);
  });

  it('bulkLookup maps every input, duplicates and other spellings included, and asks for each hash once', async () => {
    const bodies: string[] = [];
    s = await setup({
      mock: { users: [{ id: 'AAAAAAAA', phone: '41791111111' }, { id: 'BBBBBBBB', email: 'test@example.com' }] },
      type: {
        fetch: async (url, init) => {
          if (new URL(url).pathname.endsWith('/lookup/bulk')) bodies.push(String(init.body));
          return fetch(url, init as RequestInit);
        },
      },
    });
    const p = await s.provider();
    const phones = ['+41791111111', '+41 79 111 11 11', '+41791111111', '+41 (0)79 111 11 11', '+41790000000'];
    const emails = ['Test@Example.com', 'test@example.com'];
    const matches = await p.bulkLookup({ phones, emails });
    expect(matches.map((m) => [m.input, m.kind, m.identity])).toEqual([
      ['+41791111111', 'phone', 'AAAAAAAA'],
      ['+41 79 111 11 11', 'phone', 'AAAAAAAA'],
      ['+41791111111', 'phone', 'AAAAAAAA'],
      ['+41 (0)79 111 11 11', 'phone', 'AAAAAAAA'],
      ['Test@Example.com', 'email', 'BBBBBBBB'],
      ['test@example.com', 'email', 'BBBBBBBB'],
    ]);
    const sent = JSON.parse(bodies[0]!) as { phoneHashes: string[]; emailHashes: string[] };
    expect(sent.phoneHashes).toHaveLength(2);
    expect(sent.emailHashes).toHaveLength(1);
  });
});

describe('per-recipient outcome', () => {
  it('reports each refused recipient with its HTTP status and whether it is temporary', async () => {
    s = await setup({ mock: { users: [{ id: 'AAAAAAAA' }, { id: 'BBBBBBBB' }, { id: 'CCCCCCCC' }] } });
    s.gateway.failNext('send_e2e', { status: 503 });
    s.gateway.failNext('send_e2e', { status: 400 });
    const result = await s.registry.send(s.id, { to: ['AAAAAAAA', 'BBBBBBBB', 'CCCCCCCC'], text: 'x' });
    expect(result).toMatchObject({ accepted: ['CCCCCCCC'], rejected: ['AAAAAAAA', 'BBBBBBBB'], cost: { amount: 1 } });
    expect(result.rejections).toEqual([
      expect.objectContaining({ recipient: 'AAAAAAAA', status: 503, temporary: true, code: 'UNAVAILABLE' }),
      expect.objectContaining({ recipient: 'BBBBBBBB', status: 400, temporary: false, code: 'INVALID_RECIPIENT' }),
    ]);
  });

  it('when every recipient is refused, the error keeps each status, retryable when one is temporary', async () => {
    s = await setup({ mock: { users: [{ id: 'AAAAAAAA' }, { id: 'BBBBBBBB' }] } });
    s.gateway.failNext('send_e2e', { status: 503 });
    s.gateway.failNext('send_e2e', { status: 400 });
    const error = await rejection(s.registry.send(s.id, { to: ['AAAAAAAA', 'BBBBBBBB'], text: 'x' }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { status: 503, rejected: ['AAAAAAAA', 'BBBBBBBB'] } });
    expect((error.details as { rejections: unknown[] }).rejections).toEqual([
      expect.objectContaining({ recipient: 'AAAAAAAA', status: 503, temporary: true }),
      expect.objectContaining({ recipient: 'BBBBBBBB', status: 400, temporary: false }),
    ]);
    s.gateway.failNext('send_e2e', { status: 400, times: 2 });
    expect(await rejection(s.registry.send(s.id, { to: ['AAAAAAAA', 'BBBBBBBB'], text: 'x' }))).toMatchObject({ code: 'INVALID_RECIPIENT', retryable: false });
  });
});

describe('text that is not well-formed Unicode is refused before any I/O', () => {
  const lone = ['broken \uD83D', 'tail \uDE00 first', `${'😀'.slice(0, 1)}`];

  it.each(lone)('Threema text %j', async (text) => {
    s ??= await setup();
    const error = await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    const direct = await rejection((await s.provider()).send({ to: 'ECHOECHO', text }));
    expect(direct).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(s.gateway.requests).toHaveLength(0);
  });

  it('file captions and names too', async () => {
    s = await setup();
    const p = await s.provider();
    const file = { data: new Uint8Array([1, 2, 3]), mediaType: 'application/pdf' };
    expect(await rejection(p.sendFile('ECHOECHO', { ...file, caption: 'cut \uD83D' }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'file.caption' });
    expect(await rejection(p.sendFile('ECHOECHO', { ...file, name: '\uDE00.pdf' }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'file.name' });
    expect(s.gateway.requests).toHaveLength(0);
  });

  it('every text channel of the registry, a host channel included', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const sms = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const pager = await registry.create({ type: 'memory', config: { channel: 'pager' } });
    for (const id of [sms.id, pager.id]) {
      expect(await rejection(registry.send(id, { to: '+41791234567', text: 'x \uD800 y' }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    }
    expect(memory.outbox()).toHaveLength(0);
    await registry.close();
  });
});

describe('file messages carry a name', () => {
  it('writes a default name from the media type, which the recipient (and the official SDKs) can read', async () => {
    s = await setup();
    const p = await s.provider();
    await p.sendFile('ECHOECHO', { data: new Uint8Array([37, 80, 68, 70]), mediaType: 'application/pdf' });
    await p.sendFile('ECHOECHO', { data: new Uint8Array([1]), mediaType: 'application/x-unknown' });
    await p.sendFile('ECHOECHO', { data: new Uint8Array([2]), mediaType: 'text/plain', name: 'notes.txt' });
    const inbox = s.gateway.inbox('ECHOECHO');
    expect(inbox.map((m) => m.error)).toEqual([undefined, undefined, undefined]);
    expect(inbox.map((m) => (m.content?.type === 'file' ? m.content.file.name : undefined))).toEqual(['file.pdf', 'file', 'notes.txt']);
  });

  it('the mock flags a file message without a name, as an official SDK would fail on it', async () => {
    s = await setup();
    const user = s.gateway.user('ECHOECHO')!;
    const json = JSON.stringify({ b: '0'.repeat(32), k: '1'.repeat(64), m: 'application/pdf', s: 1, i: 0 });
    const key = sharedKey(decodePublicKey(user.publicKey), decodePrivateKey(s.gateway.privateKey));
    const { nonce, box } = encryptBox(padContainer(0x17, new TextEncoder().encode(json)), key);
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const form = new URLSearchParams({ from: s.gateway.gatewayId, secret: s.gateway.secret, to: 'ECHOECHO', nonce: hex(nonce), box: hex(box) });
    const res = await request(new URL('send_e2e', s.gateway.url), { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(s.gateway.inbox('ECHOECHO')[0]?.error).toMatch(/without a name/);
  });
});

describe('one box limit by default', () => {
  it('provider and mock both default to 7812 bytes: a text between 4000 and 7812 bytes is delivered, one byte more is refused before I/O', async () => {
    s = await setup();
    // box = 16 (tag) + 1 (type) + text + at least 1 byte of padding
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'x'.repeat(7812 - 18) });
    expect(s.gateway.inbox('ECHOECHO')[0]?.content).toEqual({ type: 'text', text: 'x'.repeat(7794) });
    expect(s.gateway.inbox('ECHOECHO')[0]!.box.length / 2).toBe(7812);
    const before = s.gateway.requests.length;
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x'.repeat(7795) }))).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(s.gateway.requests).toHaveLength(before);
  });
});

describe('incoming messages transportkit does not model', () => {
  const cases: [string, number, Uint8Array][] = [
    ['location', 0x10, new TextEncoder().encode('47.3769,8.5417,10.0\nBahnhofplatz, Zürich')],
    ['reaction', 0x82, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9])],
    ['edit', 0x91, new Uint8Array([8, 7, 6, 5, 4, 3, 2, 1, 0x0a])],
    ['delete', 0x92, new Uint8Array([1, 1, 2, 3, 5, 8, 13, 21])],
  ];

  it.each(cases)('a %s (0x%s) is handed over raw and answered 200, so the gateway does not give up', async (typeName, messageType, bytes) => {
    s = await setup();
    const ep = await endpoint(s);
    expect(await s.gateway.postCallback(ep.url, 'ECHOECHO', { type: 'raw', messageType, bytes })).toBe(200);
    expect(ep.messages).toEqual([expect.objectContaining({ from: 'ECHOECHO', type: 'raw', messageType, typeName, bytes })]);
  });

  it('downloads and decrypts the image of a deprecated image message (0x02); a deleted blob is NOT_FOUND', async () => {
    s = await setup();
    const ep = await endpoint(s);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...Buffer.from('JFIF image bytes'), 0xff, 0xd9]);
    const content = s.gateway.storeImage('ECHOECHO', jpeg);
    expect(await s.gateway.postCallback(ep.url, 'ECHOECHO', content)).toBe(200);
    const message = ep.messages[0]!;
    expect(message).toMatchObject({ type: 'image', blobId: content.blobId, size: jpeg.length, nonce: content.nonce });
    if (message.type !== 'image') throw new Error('not an image');
    expect(await ep.provider.downloadImage(message)).toEqual(jpeg);
    expect(await rejection(ep.provider.downloadImage({ ...message, blobId: 'f'.repeat(32) }))).toMatchObject({ code: 'NOT_FOUND', upstream: { status: 404 } });
  });
});

describe('gateway faults are not blamed on the recipient', () => {
  it('a /pubkeys answer that is no key is UNAVAILABLE; a low-order key stays INVALID_RECIPIENT', async () => {
    s = await setup({ config: { lookupRetries: 0 } });
    s.gateway.failNext('pubkeys', { status: 200, body: '<html>maintenance</html>' });
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x' }))).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
    s.gateway.addUser({ id: 'LOWORDER', publicKey: `public:${'00'.repeat(32)}` });
    expect(await rejection(s.registry.send(s.id, { to: 'LOWORDER', text: 'x' }))).toMatchObject({ code: 'INVALID_RECIPIENT' });
  });
});
