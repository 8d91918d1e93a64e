import { Agent, type Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { hashEmail, hashPhone } from '../../src/providers/threema/index.js';
import { rejection, setup, type Setup } from './helpers.js';

let s: Setup;
afterEach(async () => s?.close());

describe('sending through the registry to the mock gateway', () => {
  it('delivers an E2E text the recipient can decrypt', async () => {
    s = await setup();
    const result = await s.registry.send(s.id, { to: 'echoecho', text: 'Grüezi 👋 from transportkit' });
    const [got] = s.gateway.inbox('ECHOECHO');
    expect(got?.content).toEqual({ type: 'text', text: 'Grüezi 👋 from transportkit' });
    expect(got?.padding).toBeGreaterThanOrEqual(1);
    expect(got?.noDeliveryReceipts).toBe(false);
    expect(result).toMatchObject({ messageId: got?.messageId, accepted: ['echoecho'], rejected: [], cost: { amount: 1, unit: 'credits' } });
    expect(s.gateway.credits).toBe(99);
  });

  it('resolves phone and e-mail recipients through hashed lookups, cached', async () => {
    s = await setup({ config: { deliveryReceipts: false } });
    await s.registry.send(s.id, { to: '+41 79 123 45 67', text: 'by phone' });
    await s.registry.send(s.id, { to: 'EchoEcho@Example.com', text: 'by e-mail' });
    await s.registry.send(s.id, { to: '+41791234567', text: 'again' });
    expect(s.gateway.inbox('ECHOECHO').map((m) => m.content)).toEqual([
      { type: 'text', text: 'by phone' },
      { type: 'text', text: 'by e-mail' },
      { type: 'text', text: 'again' },
    ]);
    expect(s.gateway.inbox('ECHOECHO').every((m) => m.noDeliveryReceipts)).toBe(true);
    const paths = s.gateway.requests.filter((r) => r.endpoint === 'lookup').map((r) => r.path);
    expect(paths).toEqual([`/lookup/phone_hash/${hashPhone('41791234567')}`, `/lookup/email_hash/${hashEmail('echoecho@example.com')}`]);
    expect(s.gateway.counters.pubkeys).toBe(1);
  });

  it('computes the public key and box key once per recipient until the TTL expires', async () => {
    s = await setup({ config: { publicKeyCacheTtlSeconds: 60 } });
    await Promise.all(Array.from({ length: 5 }, (_, i) => s.registry.send(s.id, { to: 'ECHOECHO', text: `m${i}` })));
    for (let i = 0; i < 5; i++) await s.registry.send(s.id, { to: 'ECHOECHO', text: `n${i}` });
    expect(s.gateway.counters.pubkeys).toBe(1);
    expect(s.gateway.inbox('ECHOECHO')).toHaveLength(10);
    s.clock.advance(61_000);
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'after ttl' });
    expect(s.gateway.counters.pubkeys).toBe(2);
  });

  it('sends to several recipients, and refuses the whole send before any I/O when one is unknown', async () => {
    s = await setup({ mock: { users: [{ id: 'ECHOECHO' }, { id: 'USER0002', email: 'two@example.org' }] } });
    const result = await s.registry.send(s.id, { to: ['ECHOECHO', 'two@example.org'], text: 'to both' });
    expect(result.accepted).toEqual(['ECHOECHO', 'two@example.org']);
    expect(s.gateway.inbox('USER0002')[0]?.content).toEqual({ type: 'text', text: 'to both' });
    const before = s.gateway.counters.send_e2e;
    const error = await rejection(s.registry.send(s.id, { to: ['ECHOECHO', 'NOBODY99'], text: 'x' }));
    expect(error).toMatchObject({ code: 'INVALID_RECIPIENT', upstream: { rejected: ['NOBODY99'] } });
    expect(s.gateway.counters.send_e2e).toBe(before);
  });

  it('refuses invalid addresses without I/O', async () => {
    s = await setup();
    expect(await rejection(s.registry.send(s.id, { to: 'not an address!', text: 'x' }))).toMatchObject({ code: 'INVALID_RECIPIENT' });
    const p = await s.provider();
    expect(p.validateAddress('echoecho')).toStrictEqual({ ok: true, normalized: 'ECHOECHO' });
    expect(p.validateAddress('+41 79 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    expect(p.validateAddress('A@Example.org')).toStrictEqual({ ok: true, normalized: 'a@example.org' });
    expect(p.validateAddress('12')).toMatchObject({ ok: false });
    expect(s.gateway.requests).toHaveLength(0);
  });

  it('refuses a low-order recipient public key', async () => {
    s = await setup();
    s.gateway.addUser({ id: 'BADKEY01', publicKey: `public:${'00'.repeat(32)}` });
    const error = await rejection(s.registry.send(s.id, { to: 'BADKEY01', text: 'x' }));
    expect(error).toMatchObject({ code: 'INVALID_RECIPIENT', message: expect.stringContaining('non-contributory') });
    expect(s.gateway.counters.send_e2e).toBe(0);
  });

  it('sends files with a thumbnail the recipient can decrypt, and downloads them back', async () => {
    s = await setup();
    const p = await s.provider();
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    const thumb = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3]);
    const result = await p.sendFile('ECHOECHO', { data, mediaType: 'application/pdf', name: 'report.pdf', caption: 'Bericht äöü', thumbnail: { data: thumb } });
    const [got] = s.gateway.inbox('ECHOECHO');
    expect(got?.content).toMatchObject({ type: 'file', file: { mediaType: 'application/pdf', name: 'report.pdf', caption: 'Bericht äöü', size: 5000, thumbnailMediaType: 'image/jpeg', renderingType: 'file' } });
    expect(Buffer.from(got!.file!.data).equals(Buffer.from(data))).toBe(true);
    expect(Buffer.from(got!.file!.thumbnail!).equals(Buffer.from(thumb))).toBe(true);
    expect(result).toMatchObject({ messageId: got?.messageId, cost: { amount: 3 } });
    if (got?.content?.type !== 'file') throw new Error('expected a file');
    const downloaded = await p.downloadFile(got.content.file);
    expect(Buffer.from(downloaded.data).equals(Buffer.from(data))).toBe(true);
  });

  it('refuses a file to a recipient without the file capability, before uploading', async () => {
    s = await setup({ mock: { users: [{ id: 'TEXTONLY', capabilities: ['text'] }] } });
    const p = await s.provider();
    expect(await rejection(p.sendFile('TEXTONLY', { data: new Uint8Array([1]), mediaType: 'text/plain' }))).toMatchObject({ code: 'UNSUPPORTED' });
    expect(await rejection(p.sendFile('TEXTONLY', { data: new Uint8Array(), mediaType: 'text/plain' }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'file.data' });
    expect(s.gateway.counters.upload_blob).toBe(0);
    expect(await p.capabilitiesOf('TEXTONLY')).toEqual(['text']);
  });

  it('sends delivery receipts', async () => {
    s = await setup();
    const p = await s.provider();
    await p.sendDeliveryReceipt('ECHOECHO', 'read', ['0102030405060708']);
    expect(s.gateway.inbox('ECHOECHO')[0]?.content).toEqual({ type: 'delivery-receipt', status: 'read', messageIds: ['0102030405060708'] });
    expect(await rejection(p.sendDeliveryReceipt('ECHOECHO', 'read', ['xyz']))).toMatchObject({ code: 'MESSAGE_INVALID' });
  });

  it('bulk-looks-up phones and e-mails, keyed back to the inputs, seeding the caches', async () => {
    s = await setup({ mock: { users: [{ id: 'AAAAAAAA', phone: '41791111111' }, { id: 'BBBBBBBB', email: 'test@example.com' }] } });
    const p = await s.provider();
    const matches = await p.bulkLookup({ phones: ['+41 79 111 11 11', '+41790000000'], emails: ['Test@Example.com'] });
    expect(matches).toEqual([
      { input: '+41 79 111 11 11', kind: 'phone', identity: 'AAAAAAAA', publicKey: s.gateway.user('AAAAAAAA')!.publicKey },
      { input: 'Test@Example.com', kind: 'email', identity: 'BBBBBBBB', publicKey: s.gateway.user('BBBBBBBB')!.publicKey },
    ]);
    await p.send({ to: ['+41791111111', 'test@example.com'], text: 'cached' });
    expect(s.gateway.counters.pubkeys).toBe(0);
    expect(s.gateway.counters.lookup).toBe(0);
    expect(s.gateway.inbox('BBBBBBBB')).toHaveLength(1);
  });
});

describe('HTTP status mapping, retries and timeouts', () => {
  it('maps 401, 402, 404 and 413', async () => {
    // A gateway that still enforces the 4000-byte box of the older docs, behind a provider left at 7812.
    s = await setup({ mock: { maxBoxBytes: 4000 }, config: { maxBoxBytes: 7812 } });
    s.gateway.failNext('credits', { status: 401 });
    expect(await rejection((await s.provider()).getBalance!())).toMatchObject({ code: 'AUTH_FAILED', upstream: { status: 401 } });
    s.gateway.setCredits(0);
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x' }))).toMatchObject({ code: 'INSUFFICIENT_CREDIT', upstream: { status: 402 } });
    s.gateway.setCredits(10);
    expect(await rejection(s.registry.send(s.id, { to: 'UNKNOWN1', text: 'x' }))).toMatchObject({ code: 'INVALID_RECIPIENT', upstream: { status: 404, rejected: ['UNKNOWN1'] } });
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x'.repeat(5000) }))).toMatchObject({ code: 'MESSAGE_INVALID', upstream: { status: 413 } });
  });

  it('refuses text over the configured box limit before any I/O', async () => {
    s = await setup({ config: { maxBoxBytes: 4000 } });
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'x'.repeat(3982) });
    expect(s.gateway.inbox('ECHOECHO')[0]?.box.length).toBe(8000);
    s.gateway.reset();
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x'.repeat(3983) }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message' });
    expect(s.gateway.requests).toHaveLength(0);
  });

  it('does not retry a failed send (5xx is a retryable UNAVAILABLE for the caller)', async () => {
    s = await setup();
    await (await s.provider()).lookupPublicKey('ECHOECHO');
    s.gateway.failNext('send_e2e', { status: 500 });
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x' }))).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { status: 500 } });
    expect(s.gateway.counters.send_e2e).toBe(1);
    s.gateway.failNext('send_e2e', { status: 429, retryAfter: 30 });
    expect(await rejection(s.registry.send(s.id, { to: 'ECHOECHO', text: 'x' }))).toMatchObject({ code: 'RATE_LIMITED', upstream: { status: 429, retryAfterSeconds: 30 } });
    expect(s.gateway.counters.send_e2e).toBe(2);
  });

  it('retries idempotent lookups with backoff on transient errors', async () => {
    s = await setup({ config: { lookupRetries: 2 } });
    s.gateway.failNext('pubkeys', { status: 503, times: 2 });
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'after retries' });
    expect(s.gateway.counters.pubkeys).toBe(3);
    expect(s.gateway.inbox('ECHOECHO')).toHaveLength(1);
    s.gateway.failNext('credits', { status: 500, times: 3 });
    const p = await s.provider();
    expect(await rejection(p.getBalance!())).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(s.gateway.counters.credits).toBe(3);
    s.gateway.failNext('credits', { status: 429, retryAfter: 0 });
    expect(await p.getBalance!()).toMatchObject({ amount: 99, unit: 'credits' });
    s.gateway.failNext('credits', { status: 401 });
    expect(await rejection(p.getBalance!())).toMatchObject({ code: 'AUTH_FAILED' });
    expect(s.gateway.counters.credits).toBe(6);
  });

  it('turns a slow gateway into TIMEOUT', async () => {
    s = await setup({ config: { timeoutMs: 150, lookupRetries: 0 } });
    s.gateway.failNext('credits', { delayMs: 3_000 });
    const p = await s.provider();
    expect(await rejection(p.verify!())).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('honours an abort signal', async () => {
    s = await setup();
    const p = await s.provider();
    const controller = new AbortController();
    s.gateway.failNext('credits', { delayMs: 3_000 });
    const pending = p.getBalance!({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await rejection(pending)).toMatchObject({ code: 'ABORTED' });
  });

  it('maps a connection failure to UNAVAILABLE', async () => {
    s = await setup({ config: { lookupRetries: 0 } });
    const p = await s.provider();
    await s.gateway.close();
    expect(await rejection(p.getBalance!())).toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('host-injected I/O', () => {
  it('uses the injected undici dispatcher for every request', async () => {
    let dispatched = 0;
    const agent = new Agent();
    const counting = agent.compose((dispatch: Dispatcher['dispatch']) => (opts, handler) => {
      dispatched += 1;
      return dispatch(opts, handler);
    });
    s = await setup({ type: { dispatcher: counting } });
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'via dispatcher' });
    expect(dispatched).toBe(2);
    await agent.close();
  });

  it('uses an injected fetch, and sends the bulk lookup JSON of three4j', async () => {
    const bodies: string[] = [];
    const response = `[{"phoneHash":"6fdcfe848aa3d4e43f0760a9fd4dc57155b99897da3943d58bee7990a01ef0f4","identity":"AAAAAAAA","publicKey": "e58771baf2db70989d0724ef77ba6bf867d46aaa24fc2c3f8f0f144d89a6264b"},{"emailHash":"bb4b64e6e3e9c1222ddac9c6f6d947a0ab74c0b230b7075b5ea8b5a32027222c","identity":"BBBBBBBB","publicKey": "6a2bd9a0912d4ce0e5c6fc6c9b8ac14a8fdb6282a34c7e0f5fe57d57c54fb69f"}]`;
    s = await setup({
      type: {
        fetch: async (url, init) => {
          bodies.push(`${init.method} ${new URL(url).pathname} ${String(init.body)}`);
          return new Response(response, { status: 200 });
        },
      },
    });
    const matches = await (await s.provider()).bulkLookup({ phones: ['41791111111'], emails: ['test@example.com'] });
    expect(bodies).toEqual([
      'POST /lookup/bulk {"phoneHashes":["6fdcfe848aa3d4e43f0760a9fd4dc57155b99897da3943d58bee7990a01ef0f4"],"emailHashes":["bb4b64e6e3e9c1222ddac9c6f6d947a0ab74c0b230b7075b5ea8b5a32027222c"]}',
    ]);
    expect(matches.map((m) => [m.input, m.identity, m.publicKey])).toEqual([
      ['41791111111', 'AAAAAAAA', 'public:e58771baf2db70989d0724ef77ba6bf867d46aaa24fc2c3f8f0f144d89a6264b'],
      ['test@example.com', 'BBBBBBBB', 'public:6a2bd9a0912d4ce0e5c6fc6c9b8ac14a8fdb6282a34c7e0f5fe57d57c54fb69f'],
    ]);
  });
});
