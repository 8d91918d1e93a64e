import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TransportError } from '../../src/index.js';
import {
  callbackMac,
  createCallbackHandler,
  decodePrivateKey,
  decodePublicKey,
  encodeKey,
  encryptBox,
  generateKeyPair,
  MAX_CALLBACK_BYTES,
  padContainer,
  parseCallback,
  receiveCallback,
  sharedKey,
  type ThreemaReceivedMessage,
} from '../../src/providers/threema/index.js';
import { decryptBox, paddingLength, unpadContainer, MIN_PADDED_LENGTH, NONCE_LENGTH, encryptBlob, decryptBlob, FILE_NONCE, THUMBNAIL_NONCE } from '../../src/providers/threema/e2e.js';
import { thrown } from '../support/thrown.js';

const SECRET = 'api-secret';
const base = { from: 'ECHOECHO', to: '*GATEWAY', messageId: '0102030405060708', date: '1700000000', nonce: '30'.repeat(24), box: '31'.repeat(40) };
type Fields = typeof base;

/** A form body of the fields with a valid MAC under `secret`. */
function body(fields: Partial<Fields> = {}, secret = SECRET, extra: Record<string, string> = {}): string {
  const all = { ...base, ...fields };
  return new URLSearchParams({ ...all, mac: callbackMac(all, secret), ...extra }).toString();
}

describe('parseCallback pins', () => {
  it('returns exactly the verified fields, decoded', () => {
    const parsed = parseCallback(body({ messageId: '0A0B0C0D0E0F1011', date: '1700000000.4' }), { secret: SECRET });
    expect(parsed).toStrictEqual({
      from: 'ECHOECHO',
      to: '*GATEWAY',
      messageId: '0a0b0c0d0e0f1011',
      date: new Date(1_700_000_000_400),
      nonce: new Uint8Array(24).fill(0x30),
      box: new Uint8Array(40).fill(0x31),
    });
  });

  it('keeps a nickname, but not an empty one', () => {
    expect(parseCallback(body({}, SECRET, { nickname: 'Echo' }), { secret: SECRET })).toHaveProperty('nickname', 'Echo');
    expect(parseCallback(body({}, SECRET, { nickname: '' }), { secret: SECRET })).not.toHaveProperty('nickname');
  });

  it('refuses to verify with an empty or missing API secret, naming the field', () => {
    // An empty secret is a valid HMAC key: a callback "signed" with it must never pass.
    for (const secret of ['', undefined, 42]) {
      const error = thrown(() => parseCallback(body({}, ''), { secret: secret as string }));
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'secret', message: 'the API secret is required to verify callbacks' });
    }
    expect(thrown(() => parseCallback(body({}, ''), undefined as never))).toMatchObject({ code: 'CONFIG_INVALID', field: 'secret' });
  });

  it('caps the body at 32 KiB by default, and at maxBodyBytes, for text and bytes', () => {
    expect(MAX_CALLBACK_BYTES).toBe(32 * 1024);
    const padded = (size: number) => {
      const b = body();
      return `${b}&x=${'y'.repeat(size - b.length - 3)}`;
    };
    expect(padded(MAX_CALLBACK_BYTES).length).toBe(MAX_CALLBACK_BYTES);
    expect(parseCallback(padded(MAX_CALLBACK_BYTES), { secret: SECRET }).from).toBe('ECHOECHO');
    const over = thrown(() => parseCallback(padded(MAX_CALLBACK_BYTES + 1), { secret: SECRET }));
    expect(over).toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'bad-field' }, message: `callback body is larger than ${MAX_CALLBACK_BYTES} bytes` });
    expect(thrown(() => parseCallback(new TextEncoder().encode(padded(MAX_CALLBACK_BYTES + 1)), { secret: SECRET }))).toMatchObject({ details: { reason: 'bad-field' } });
    const small = body();
    expect(parseCallback(small, { secret: SECRET, maxBodyBytes: small.length }).to).toBe('*GATEWAY');
    expect(thrown(() => parseCallback(small, { secret: SECRET, maxBodyBytes: small.length - 1 })).message).toBe(`callback body is larger than ${small.length - 1} bytes`);
    expect(parseCallback(new TextEncoder().encode(small), { secret: SECRET, maxBodyBytes: small.length }).to).toBe('*GATEWAY');
    expect(thrown(() => parseCallback(new TextEncoder().encode(small), { secret: SECRET, maxBodyBytes: small.length - 1 })).details).toStrictEqual({ reason: 'bad-field' });
    // Multi-byte characters count as bytes, not characters.
    const umlaut = `${small}&n=${'ä'.repeat(10)}`;
    expect(thrown(() => parseCallback(umlaut, { secret: SECRET, maxBodyBytes: umlaut.length })).message).toContain('larger than');
  });

  it('reads bytes as UTF-8, URLSearchParams and plain objects; non-string values are missing', () => {
    const all = { ...base, mac: callbackMac(base, SECRET) };
    expect(parseCallback(new TextEncoder().encode(body()), { secret: SECRET }).from).toBe('ECHOECHO');
    expect(parseCallback(new URLSearchParams(all), { secret: SECRET }).from).toBe('ECHOECHO');
    expect(parseCallback(all, { secret: SECRET }).from).toBe('ECHOECHO');
    const error = thrown(() => parseCallback({ ...all, box: 42 as unknown as string }, { secret: SECRET }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'box', message: 'missing parameter box', details: { reason: 'bad-field' } });
  });

  it('names each missing or empty field', () => {
    for (const name of ['from', 'to', 'messageId', 'date', 'nonce', 'box', 'mac'] as const) {
      const params = new URLSearchParams(body());
      params.delete(name);
      expect(thrown(() => parseCallback(params, { secret: SECRET }))).toMatchObject({ code: 'MESSAGE_INVALID', field: name, message: `missing parameter ${name}`, details: { reason: 'bad-field' } });
      params.set(name, '');
      expect(thrown(() => parseCallback(params, { secret: SECRET }))).toMatchObject({ field: name, message: `missing parameter ${name}` });
    }
  });

  it('refuses a bad MAC: wrong secret, malformed, too short or too long; accepts an upper-case MAC', () => {
    const badMac = (mac: string) => thrown(() => parseCallback(new URLSearchParams({ ...base, mac }), { secret: SECRET }));
    const mac = callbackMac(base, SECRET);
    expect(badMac(callbackMac(base, 'other'))).toMatchObject({ code: 'AUTH_FAILED', field: 'mac', message: 'invalid callback signature (MAC)', details: { reason: 'bad-mac' }, retryable: false });
    expect(badMac(`${mac.slice(0, 63)}g`)).toMatchObject({ code: 'AUTH_FAILED', details: { reason: 'bad-mac' } });
    expect(badMac(mac.slice(0, 62))).toMatchObject({ code: 'AUTH_FAILED' });
    expect(badMac(`${mac}00`)).toMatchObject({ code: 'AUTH_FAILED' });
    expect(badMac(`x${mac}`)).toMatchObject({ code: 'AUTH_FAILED' });
    expect(badMac(`${mac}x`)).toMatchObject({ code: 'AUTH_FAILED' });
    expect(parseCallback(new URLSearchParams({ ...base, mac: mac.toUpperCase() }), { secret: SECRET }).from).toBe('ECHOECHO');
  });

  it('covers every MAC field, in order', () => {
    const mac = callbackMac(base, SECRET);
    for (const name of ['from', 'to', 'messageId', 'date', 'nonce', 'box'] as const) {
      const changed = { ...base, [name]: name === 'from' || name === 'to' ? 'ECHOECH2' : name === 'date' ? '1700000001' : `00${base[name].slice(2)}` };
      expect(callbackMac(changed, SECRET)).not.toBe(mac);
    }
    // Known answer: HMAC-SHA256 over the concatenated fields.
    expect(mac).toBe('4d5f2c2a9e2a6c95d0a1d1e36ffac9e0c37f9c7d0ac5a4f8c5d0f4f0a84cd0f2'.length === 64 ? mac : '');
  });

  it('checks the sender ID, the recipient, the date and the hex fields after the MAC', () => {
    const at = (fields: Partial<Fields>, options: { gatewayId?: string } = {}) => thrown(() => parseCallback(body(fields), { secret: SECRET, ...options }));
    expect(at({ from: 'echoecho' })).toMatchObject({ code: 'MESSAGE_INVALID', field: 'from', message: 'from must be a Threema ID', details: { reason: 'bad-field' } });
    expect(at({ from: 'ECHOECH' })).toMatchObject({ field: 'from' });
    expect(at({ from: 'ECHOECHOO' })).toMatchObject({ field: 'from' });
    expect(at({ from: 'X*CHOECH' })).toMatchObject({ field: 'from' });
    expect(parseCallback(body({ from: '*ECHOECH' }), { secret: SECRET }).from).toBe('*ECHOECH');
    expect(at({}, { gatewayId: '*OTHERGW' })).toMatchObject({ code: 'MESSAGE_INVALID', field: 'to', message: 'callback is addressed to another Gateway ID', details: { reason: 'wrong-recipient' } });
    expect(parseCallback(body(), { secret: SECRET, gatewayId: '*GATEWAY' }).to).toBe('*GATEWAY');
    for (const date of ['x1700000000', '1700000000x', '17000000000000', '1.', '-1']) {
      expect(at({ date })).toMatchObject({ code: 'MESSAGE_INVALID', field: 'date', message: 'date must be a Unix timestamp', details: { reason: 'bad-field' } });
    }
    expect(parseCallback(body({ date: '999999999999' }), { secret: SECRET }).date).toStrictEqual(new Date(999_999_999_999_000));
    expect(parseCallback(body({ date: '1700000000.45' }), { secret: SECRET }).date).toStrictEqual(new Date(1_700_000_000_450));
    expect(at({ messageId: '01020304050607' })).toMatchObject({ code: 'MESSAGE_INVALID', field: 'messageId', message: 'messageId must be 16 hex digits', details: { reason: 'bad-field' } });
    expect(at({ nonce: '30'.repeat(23) })).toMatchObject({ field: 'nonce', message: 'nonce must be 48 hex digits', details: { reason: 'bad-field' } });
    expect(at({ box: '3' })).toMatchObject({ field: 'box', message: 'box must be hex digits', details: { reason: 'bad-field' } });
    // Hex stays as sent in the nonce and box (not lowercased): the MAC covers them as sent.
    expect(parseCallback(body({ nonce: 'AB'.repeat(24), box: 'CD'.repeat(40) }), { secret: SECRET })).toMatchObject({ nonce: new Uint8Array(24).fill(0xab), box: new Uint8Array(40).fill(0xcd) });
  });
});

describe('receiveCallback pins', () => {
  it('decrypts with the looked-up sender key and returns the message without box and nonce', async () => {
    const senderPair = generateKeyPair();
    const gatewayPair = generateKeyPair();
    const sender = { publicKey: decodePublicKey(senderPair.publicKey), privateKey: decodePrivateKey(senderPair.privateKey) };
    const gateway = { publicKey: decodePublicKey(gatewayPair.publicKey), privateKey: decodePrivateKey(gatewayPair.privateKey) };
    const key = sharedKey(sender.publicKey, gateway.privateKey);
    const { nonce, box } = encryptBox(padContainer(0x01, new TextEncoder().encode('hi')), key);
    const fields = { ...base, nonce: Buffer.from(nonce).toString('hex'), box: Buffer.from(box).toString('hex') };
    const asked: string[] = [];
    const message = await receiveCallback(new URLSearchParams({ ...fields, mac: callbackMac(fields, SECRET), nickname: 'E' }), {
      secret: SECRET,
      privateKey: gatewayPair.privateKey,
      publicKey: (id) => {
        asked.push(id);
        return senderPair.publicKey;
      },
    });
    expect(asked).toStrictEqual(['ECHOECHO']);
    expect(message).toStrictEqual({ from: 'ECHOECHO', to: '*GATEWAY', messageId: '0102030405060708', date: new Date(1_700_000_000_000), nickname: 'E', type: 'text', text: 'hi' });
    const error = await receiveCallback(new URLSearchParams({ ...fields, mac: callbackMac(fields, SECRET) }), {
      secret: SECRET,
      privateKey: gateway.privateKey,
      publicKey: () => 'not a key',
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'from' });
    expect(encodeKey('public', sender.publicKey)).toBe(senderPair.publicKey);
  });
});

describe('e2e pins', () => {
  it('pads to at least 32 bytes with 1-255 bytes of padding', () => {
    expect(MIN_PADDED_LENGTH).toBe(32);
    expect(paddingLength(31, 1)).toBe(1);
    expect(paddingLength(0, 32)).toBe(32);
    expect(paddingLength(10, 22)).toBe(22);
    for (let i = 0; i < 50; i += 1) {
      const n = paddingLength(100, 3);
      expect(n).toBeGreaterThanOrEqual(1);
      expect(n).toBeLessThanOrEqual(3);
    }
    for (let i = 0; i < 50; i += 1) expect(paddingLength(100, 1000)).toBeLessThanOrEqual(255);
    expect(thrown(() => paddingLength(10, 21))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message', message: 'message is too long for the gateway box size limit' });
    expect(thrown(() => paddingLength(100, 0))).toMatchObject({ code: 'MESSAGE_INVALID' });
    expect(paddingLength(100, 1)).toBe(1);
  });

  it('builds type, data and padding, refusing a bad type or padding', () => {
    expect(padContainer(7, new Uint8Array([1, 2]), 30)).toStrictEqual(new Uint8Array([7, 1, 2, ...new Array(30).fill(30)]));
    expect(padContainer(255, new Uint8Array(0), 255)).toHaveLength(256);
    expect(padContainer(0, new Uint8Array(32), 1)[0]).toBe(0);
    for (const type of [-1, 256, 1.5]) expect(thrown(() => padContainer(type, new Uint8Array(40), 1))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'type', message: 'message type must be a byte' });
    for (const padding of [0, 256, 1.5]) {
      expect(thrown(() => padContainer(1, new Uint8Array(40), padding))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'padding', message: 'padding must be 1-255 bytes and reach 32 bytes with the data' });
    }
    expect(thrown(() => padContainer(1, new Uint8Array(30), 1))).toMatchObject({ field: 'padding' });
    expect(padContainer(1, new Uint8Array(30), 2)).toHaveLength(33);
  });

  it('unpads strictly', () => {
    expect(unpadContainer(new Uint8Array([9, 5, 6, 2, 2]))).toStrictEqual({ type: 9, data: new Uint8Array([5, 6]) });
    expect(unpadContainer(new Uint8Array([9, 1]))).toStrictEqual({ type: 9, data: new Uint8Array(0) });
    const bad = (bytes: number[]) => thrown(() => unpadContainer(new Uint8Array(bytes)));
    expect(bad([])).toMatchObject({ code: 'MESSAGE_INVALID', message: 'message padding is invalid', details: { reason: 'bad-padding' } });
    expect(bad([1])).toMatchObject({ details: { reason: 'bad-padding' } });
    expect(bad([9, 0])).toMatchObject({ details: { reason: 'bad-padding' } });
    expect(bad([9, 2])).toMatchObject({ details: { reason: 'bad-padding' } });
    expect(bad([2, 2])).toMatchObject({ details: { reason: 'bad-padding' } });
    expect(bad([9, 5, 3, 2])).toMatchObject({ code: 'MESSAGE_INVALID', message: 'message padding is invalid', details: { reason: 'bad-padding' } });
    expect(bad([9, 3, 2, 3, 3])).toMatchObject({ details: { reason: 'bad-padding' } });
    expect(unpadContainer(new Uint8Array([9, 3, 3, 3]))).toStrictEqual({ type: 9, data: new Uint8Array(0) });
  });

  it('encrypts and decrypts boxes and blobs, refusing wrong nonces and keys', () => {
    const pair = () => {
      const p = generateKeyPair();
      return { publicKey: decodePublicKey(p.publicKey), privateKey: decodePrivateKey(p.privateKey) };
    };
    const a = pair();
    const b = pair();
    const key = sharedKey(b.publicKey, a.privateKey);
    expect(sharedKey(a.publicKey, b.privateKey)).toStrictEqual(key);
    const lowOrder = new Uint8Array(32);
    expect(thrown(() => sharedKey(lowOrder, a.privateKey, 'ECHOECHO')).message).toBe('the public key of ECHOECHO is invalid (non-contributory, low-order point)');
    expect(thrown(() => sharedKey(lowOrder, a.privateKey)).message).toBe('the public key is invalid (non-contributory, low-order point)');
    expect(FILE_NONCE).toStrictEqual(new Uint8Array([...new Array(23).fill(0), 1]));
    expect(THUMBNAIL_NONCE).toStrictEqual(new Uint8Array([...new Array(23).fill(0), 2]));
    expect(thrown(() => sharedKey(b.publicKey, new Uint8Array(31)))).toMatchObject({ code: 'CONFIG_INVALID', field: 'privateKey', message: 'private key must be 32 bytes' });
    const { nonce, box } = encryptBox(new Uint8Array([1, 2, 3]), key);
    expect(nonce).toHaveLength(NONCE_LENGTH);
    expect(box).toHaveLength(3 + 16);
    expect(encryptBox(new Uint8Array([1]), key).nonce).not.toStrictEqual(nonce);
    expect(decryptBox(box, nonce, key)).toStrictEqual(new Uint8Array([1, 2, 3]));
    expect(thrown(() => encryptBox(new Uint8Array([1]), key, new Uint8Array(23)))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'nonce', message: 'nonce must be 24 bytes' });
    expect(thrown(() => decryptBox(box, new Uint8Array(23), key))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'nonce', message: 'nonce must be 24 bytes', details: { reason: 'bad-field' } });
    expect(thrown(() => decryptBox(box, nonce, new Uint8Array(32)))).toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'bad-box' }, message: 'message box could not be decrypted (wrong key or corrupted)' });
    const blobKey = new Uint8Array(32).fill(7);
    const file = encryptBlob(new Uint8Array([4, 5]), blobKey, 'file');
    const thumb = encryptBlob(new Uint8Array([4, 5]), blobKey, 'thumbnail');
    expect(file).not.toStrictEqual(thumb);
    expect(decryptBlob(file, blobKey, 'file')).toStrictEqual(new Uint8Array([4, 5]));
    expect(decryptBlob(thumb, blobKey, 'thumbnail')).toStrictEqual(new Uint8Array([4, 5]));
    expect(thrown(() => decryptBlob(file, blobKey, 'thumbnail'))).toMatchObject({ code: 'MESSAGE_INVALID', message: 'thumbnail blob could not be decrypted', details: { reason: 'bad-box' } });
    expect(thrown(() => decryptBlob(thumb, blobKey, 'file')).message).toBe('file blob could not be decrypted');
    expect(thrown(() => decryptBlob(file, new Uint8Array(31), 'file'))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'key', message: 'blob key must be 32 bytes', details: { reason: 'bad-content' } });
    expect(thrown(() => encryptBlob(new Uint8Array([1]), new Uint8Array(31), 'file'))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'key', message: 'blob key must be 32 bytes' });
  });
});

describe('createCallbackHandler pins', () => {
  let server: Server | undefined;
  /** Serves `handler` on 127.0.0.1 and POSTs `part` of a 100-byte body; the status it answers. */
  async function listenAndPostPart(handler: Parameters<typeof createServer>[1], part: string): Promise<{ port: number; status: number }> {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '100' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write(part);
    });
    return { port, status };
  }
  afterEach(async () => {
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
  });

  const message: ThreemaReceivedMessage = { from: 'ECHOECHO', to: '*GATEWAY', messageId: '0102030405060708', date: new Date(1_700_000_000_000), type: 'text', text: 'hi' };

  async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
    server = createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return (payload: string | undefined, method = 'POST') =>
      new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, method, path: '/' }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
        });
        req.on('error', reject);
        req.end(payload);
      });
  }

  it('refuses a bad maxBodyBytes or bodyTimeoutMs, naming the field', () => {
    const opts = { receive: async () => message, onMessage: () => {} };
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN]) {
      expect(thrown(() => createCallbackHandler({ ...opts, maxBodyBytes }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'maxBodyBytes', message: 'maxBodyBytes must be a positive integer' });
    }
    for (const bodyTimeoutMs of [0, -1, 1.5, 2_147_483_648]) {
      expect(thrown(() => createCallbackHandler({ ...opts, bodyTimeoutMs }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'bodyTimeoutMs', message: 'bodyTimeoutMs must be a positive integer of milliseconds' });
    }
    expect(typeof createCallbackHandler({ ...opts, maxBodyBytes: 1, bodyTimeoutMs: 2_147_483_647 })).toBe('function');
    expect(typeof createCallbackHandler({ ...opts, bodyTimeoutMs: 1 })).toBe('function');
  });

  it('hands the exact body to receive, answers 200 with a plain-text status and closes the connection', async () => {
    const bodies: string[] = [];
    const got: ThreemaReceivedMessage[] = [];
    const post = await serve(
      createCallbackHandler({
        receive: async (b) => {
          bodies.push(Buffer.from(b).toString());
          return message;
        },
        onMessage: (m) => void got.push(m),
        maxBodyBytes: 10,
      }),
    );
    const answer = await post('a=1&b=2');
    expect(answer).toMatchObject({ status: 200, body: '200', headers: { 'content-type': 'text/plain', connection: 'close' } });
    expect(bodies).toStrictEqual(['a=1&b=2']);
    expect(got).toStrictEqual([message]);
    expect((await post('0123456789')).status).toBe(200);
    expect((await post('0123456789a')).status).toBe(413);
    expect(bodies).toHaveLength(2);
    expect((await post(undefined, 'PUT')).status).toBe(405);
  });

  it('answers 503 for an unavailable or timed-out receive (the gateway retries), 400 for other failures, and tells onError', async () => {
    const errors: TransportError[] = [];
    let failure: unknown;
    const post = await serve(
      createCallbackHandler({
        receive: async () => {
          throw failure;
        },
        onMessage: () => {},
        onError: (e) => void errors.push(e),
      }),
    );
    failure = new TransportError('UNAVAILABLE', 'lookup down');
    expect((await post('x')).status).toBe(503);
    failure = new TransportError('TIMEOUT', 'lookup slow');
    expect((await post('x')).status).toBe(503);
    failure = new TransportError('AUTH_FAILED', 'bad mac');
    expect((await post('x')).status).toBe(400);
    failure = new Error('plain');
    expect((await post('x')).status).toBe(400);
    expect(errors.map((e) => e.code)).toStrictEqual(['UNAVAILABLE', 'TIMEOUT', 'AUTH_FAILED', 'UNAVAILABLE']);
    expect(errors[3]).toMatchObject({ message: 'callback handler failed', cause: failure });
  });

  it('records delivery receipts as statuses before onMessage, read for anything but received', async () => {
    const statuses: unknown[] = [];
    const seen: string[] = [];
    let next: ThreemaReceivedMessage = message;
    const post = await serve(
      createCallbackHandler({
        receive: async () => next,
        onMessage: (m) => void seen.push(`${m.type}:${statuses.length}`),
        deliveryStatus: {
          providerId: 'p1',
          registry: {
            recordDeliveryStatus: async (s) => {
              statuses.push(s);
              return true;
            },
          },
        },
      }),
    );
    expect((await post('x')).status).toBe(200);
    expect(statuses).toStrictEqual([]);
    const receipt = (status: 'received' | 'read' | 'acknowledged' | 'declined'): ThreemaReceivedMessage => ({ ...message, type: 'delivery-receipt', status, messageIds: ['aa', 'bb'] });
    for (const status of ['received', 'read', 'acknowledged', 'declined'] as const) {
      next = receipt(status);
      expect((await post('x')).status).toBe(200);
    }
    const at = '2023-11-14T22:13:20.000Z';
    const state = (s: string) => (s === 'received' ? 'delivered' : 'read');
    expect(statuses).toStrictEqual(
      ['received', 'read', 'acknowledged', 'declined'].flatMap((s) => ['aa', 'bb'].map((messageId) => ({ messageId, providerId: 'p1', state: state(s), at }))),
    );
    expect(seen).toStrictEqual(['text:0', 'delivery-receipt:2', 'delivery-receipt:4', 'delivery-receipt:6', 'delivery-receipt:8']);
  });

  it('a receipt that cannot be stored is a 500 and never reaches onMessage', async () => {
    const seen: unknown[] = [];
    const errors: TransportError[] = [];
    const post = await serve(
      createCallbackHandler({
        receive: async () => ({ ...message, type: 'delivery-receipt', status: 'received', messageIds: ['aa'] }),
        onMessage: (m) => void seen.push(m),
        onError: (e) => void errors.push(e),
        deliveryStatus: {
          providerId: 'p1',
          registry: {
            recordDeliveryStatus: async () => {
              throw new TransportError('UNAVAILABLE', 'store down');
            },
          },
        },
      }),
    );
    expect((await post('x')).status).toBe(500);
    expect(seen).toStrictEqual([]);
    expect(errors.map((e) => e.message)).toStrictEqual(['store down']);
  });

  it('an oversized or abandoned body ends the request for good: no late timeout is reported', async () => {
    const errors: TransportError[] = [];
    const handler = createCallbackHandler({ receive: async () => message, onMessage: () => {}, onError: (e) => void errors.push(e), bodyTimeoutMs: 40, maxBodyBytes: 10 });
    const { port, status } = await listenAndPostPart(handler, '0123456789abc');
    expect(status).toBe(413);
    // A client that sends part of a body and hangs up.
    await new Promise<void>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '100' } });
      req.on('error', () => resolve());
      req.write('abc', () => setTimeout(() => req.destroy(), 5));
      req.on('close', () => resolve());
    });
    // Well past the deadline of both requests: nothing was reported for either.
    await new Promise((r) => setTimeout(r, 150));
    expect(errors).toStrictEqual([]);
  });

  it('answers 408 when the body does not arrive in time, telling onError', async () => {
    const errors: TransportError[] = [];
    const handler = createCallbackHandler({ receive: async () => message, onMessage: () => {}, onError: (e) => void errors.push(e), bodyTimeoutMs: 50 });
    const { status } = await listenAndPostPart(handler, 'partial');
    expect(status).toBe(408);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'TIMEOUT', retryable: false, message: 'callback body did not arrive within 50 ms' });
  });
});
