import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import {
  callbackMac,
  decodeContent,
  decodePrivateKey,
  decodePublicKey,
  decryptBlob,
  decryptBox,
  derivePublicKey,
  encodeContent,
  encodeKey,
  encryptBlob,
  encryptBox,
  hashEmail,
  hashPhone,
  isLowOrderPublicKey,
  padContainer,
  parseCallback,
  receiveCallback,
  sharedKey,
  unpadContainer,
} from '../../src/providers/threema/index.js';
import { HASHES, V, hex, toHex } from './vectors.js';

const myPriv = decodePrivateKey(V.myPrivateKey);
const otherPriv = decodePrivateKey(V.otherPrivateKey);
const myPub = decodePublicKey(V.myPublicKey);
const otherPub = decodePublicKey(V.otherPublicKey);
/** Sender my → recipient other; the same key from both sides. */
const key = sharedKey(otherPub, myPriv);

describe('§1 key material', () => {
  it.each([
    [V.myPrivateKey, V.myPublicKey],
    [V.otherPrivateKey, V.otherPublicKey],
    [V.mockPrivateKey, V.mockPublicKey],
    [V.rsOwnSec, V.rsOwnPub],
    [V.rsDocPriv, V.rsDocPub],
  ])('derives the public key of %s', (priv, pub) => {
    expect(derivePublicKey(priv)).toBe(pub);
  });

  it('decodes and encodes the official key string format', () => {
    const raw = '1234567890123456789012345678901234567890123456789012345678901234';
    expect(toHex(decodePrivateKey(`private:${raw}`))).toBe(raw);
    expect(toHex(decodePrivateKey(raw.toUpperCase()))).toBe(raw);
    expect(encodeKey('private', myPriv)).toBe(V.myPrivateKey);
    const ff = new Uint8Array(32);
    ff[0] = 0xff;
    ff[31] = 0xee;
    expect(encodeKey('public', ff)).toBe('public:ff000000000000000000000000000000000000000000000000000000000000ee');
    expect(toHex(decodePublicKey('5cf143cd8f3652f31d9b44786c323fbc222ecfcbb8dac5caf5caa257ac272df0'.toUpperCase()))).toBe(
      '5cf143cd8f3652f31d9b44786c323fbc222ecfcbb8dac5caf5caa257ac272df0',
    );
  });

  it.each([
    ['imnotarealkey', /invalid key format/],
    ['5cf143cd8f3652f31d9b44786c323fbc222ecfcbb8dac5ca', /invalid key format/],
    ['qyz143cd8f3652f31d9b44786c323fbc222ecfcbb8dac5caf5caa257ac272df0', /invalid key format/],
    [V.myPublicKey, /invalid key type/],
    ['foo:1234567890123456789012345678901234567890123456789012345678901234', /invalid key type/],
  ])('refuses %s as a private key without echoing it', (value, message) => {
    let error: unknown;
    try {
      decodePrivateKey(value);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'privateKey', message });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(value.slice(-20));
  });
});

describe('§2 the SDK box', () => {
  it('computes the documented shared key from both sides', () => {
    expect(toHex(key)).toBe(V.sharedKey);
    expect(toHex(sharedKey(myPub, otherPriv))).toBe(V.sharedKey);
  });

  it('decrypts to the reference text with 199 bytes of padding', () => {
    const plaintext = decryptBox(hex(V.box), hex(V.nonce), sharedKey(myPub, otherPriv));
    const { type, data } = unpadContainer(plaintext);
    expect(decodeContent(type, data)).toEqual({ type: 'text', text: V.text });
    expect(plaintext[plaintext.length - 1]).toBe(199);
    expect(plaintext.length).toBe(235);
  });

  it('re-encrypts byte-identically with the same nonce and padding', () => {
    const { type, data } = encodeContent({ type: 'text', text: V.text });
    const { box } = encryptBox(padContainer(type, data, 199), key, hex(V.nonce));
    expect(toHex(box)).toBe(V.box);
  });
});

describe('§3 phone and e-mail hashes', () => {
  it.each(HASHES)('%s (%s) hashes to the documented value', (input, kind, expected) => {
    expect(kind === 'phone' ? hashPhone(input) : hashEmail(input)).toBe(expected);
  });
});

describe('§5 callback MAC', () => {
  const rs =
    'from=ECHOECHO&to=*TESTTST&messageId=0102030405060708&date=1616950936&nonce=ffffffffffffffffffffffffffffffffffffffffffffffff&box=012345abcdef&mac=622b362e8353658ee649a5548acecc9ce9b88384d6b7e08e212446d68455b14e';
  it('verifies the Rust SDK vector and decodes its fields', () => {
    const cb = parseCallback(rs, { secret: 'nevergonnagiveyouup' });
    expect(cb).toMatchObject({ from: 'ECHOECHO', to: '*TESTTST', messageId: '0102030405060708' });
    expect(toHex(cb.nonce)).toBe('ff'.repeat(24));
    expect(toHex(cb.box)).toBe('012345abcdef');
    expect(cb.nickname).toBeUndefined();
    expect(cb.date.getTime()).toBe(1616950936 * 1000);
  });

  it('refuses the Rust vector with the wrong secret (and computes the documented wrong MAC)', () => {
    expect(() => parseCallback(rs, { secret: 'nevergonnaletyoudown' })).toThrow(expect.objectContaining({ code: 'AUTH_FAILED', details: { reason: 'bad-mac' } }));
    const fields = Object.fromEntries(new URLSearchParams(rs)) as Parameters<typeof callbackMac>[0];
    expect(callbackMac(fields, 'nevergonnaletyoudown')).toBe('cd15b0c3c012b68b15670c7c4c8d9b12a3a99d2af85556e351413e3217edfbfe');
  });

  it('verifies the three4j vector with its nickname outside the MAC', () => {
    const body =
      'from=SENDERXY&to=RECEIVER&messageId=0011223344556677&date=1650000000&nonce=001122334455667700112233445566770011223344556677&box=0123456789abcdef&nickname=three4j&mac=c1d77e5a605511635c9150fb7c1f6ad9eaedf02352e981b6a1d687c742e84c15';
    const cb = parseCallback(body, { secret: 'secret' });
    expect(cb).toMatchObject({ from: 'SENDERXY', to: 'RECEIVER', messageId: '0011223344556677', nickname: 'three4j' });
    expect(cb.date.toISOString()).toBe(new Date(1650000000 * 1000).toISOString());
    expect(() => parseCallback(body.replace('three4j', 'changed'), { secret: 'secret' })).not.toThrow();
  });

  it.each([
    ['from=x&to=x&date=x&nonce=x&box=x&mac=x', 'x', /missing parameter messageId/, 'MESSAGE_INVALID'],
    ['from=x&to=x&messageId=x&date=x&nonce=x&box=x', 'x', /missing parameter mac/, 'MESSAGE_INVALID'],
    ['from=x&to=x&messageId=x&date=x&nonce=x&box=x&mac=x', 'x', /invalid callback signature/, 'AUTH_FAILED'],
  ])('refuses %s', (body, secret, message, code) => {
    expect(() => parseCallback(body, { secret })).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('runs the full computed vector: MAC, decrypt, parse', async () => {
    const body = `from=TESTSNDR&to=*TESTGWY&messageId=0102030405060708&date=1700000000&nonce=${V.nonce}&box=${V.box}&nickname=Tester&mac=2b6c7f8f23ef4c325a3872f0a76b405806883868116fac7ddbed331315a4bafb`;
    const message = await receiveCallback(body, {
      secret: 'gatewaysecret',
      gatewayId: '*TESTGWY',
      privateKey: V.otherPrivateKey,
      publicKey: (id) => (id === 'TESTSNDR' ? V.myPublicKey : Promise.reject(new Error('unknown sender'))),
    });
    expect(message).toEqual({
      type: 'text',
      text: V.text,
      from: 'TESTSNDR',
      to: '*TESTGWY',
      messageId: '0102030405060708',
      date: new Date('2023-11-14T22:13:20Z'),
      nickname: 'Tester',
    });
    await expect(
      receiveCallback(body, { secret: 'gatewaysecret', gatewayId: '*OTHERID', privateKey: V.otherPrivateKey, publicKey: () => V.myPublicKey }),
    ).rejects.toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'wrong-recipient' } });
  });
});

describe('§6 padding', () => {
  it('writes the spec examples', () => {
    expect(toHex(padContainer(1, new Uint8Array(31).fill(0x41), 1)).slice(-2)).toBe('01');
    expect(toHex(padContainer(1, new Uint8Array(40), 3)).slice(-6)).toBe('030303');
    expect(toHex(padContainer(1, new Uint8Array(40), 10)).slice(-20)).toBe('0a'.repeat(10));
  });

  it('removes padding (Rust and three4j cases) and refuses a container without it', () => {
    expect(toHex(unpadContainer(hex('01022a030303')).data)).toBe('022a');
    expect(unpadContainer(hex('01022a030303')).type).toBe(1);
    expect(toHex(unpadContainer(hex('0102030401')).data)).toBe('020304');
    expect(toHex(unpadContainer(hex(`01020304${'ff'.repeat(255)}`)).data)).toBe('020304');
    expect(() => unpadContainer(hex('01022a'))).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID', details: { reason: 'bad-padding' } }));
    expect(() => unpadContainer(hex('01022a00'))).toThrow(expect.objectContaining({ details: { reason: 'bad-padding' } }));
    expect(() => unpadContainer(hex('0102030302'))).toThrow(expect.objectContaining({ details: { reason: 'bad-padding' } }));
  });

  it('refuses a nonce of 4 bytes', () => {
    expect(() => decryptBox(hex(V.box), hex('01020304'), key)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID' }));
  });
});

describe('§7 deterministic message boxes', () => {
  const seal = (container: Uint8Array) => toHex(encryptBox(container, key, hex(V.nonce)).box);
  const open = (box: string) => unpadContainer(decryptBox(hex(box), hex(V.nonce), sharedKey(myPub, otherPriv)));

  it('7.1 text "Hi" with the minimum padding', () => {
    const { type, data } = encodeContent({ type: 'text', text: 'Hi' });
    const container = padContainer(type, data, 30);
    expect(toHex(container)).toBe(`014869${'1e'.repeat(30)}`);
    expect(seal(container)).toBe(V.box71);
  });

  it('7.2 text of 31 "A" with padding 1', () => {
    const { type, data } = encodeContent({ type: 'text', text: 'A'.repeat(31) });
    expect(seal(padContainer(type, data, 1))).toBe(V.box72);
  });

  it('7.3 a "read" delivery receipt for two ids, both ways', () => {
    const { type, data } = encodeContent({ type: 'delivery-receipt', status: 'read', messageIds: ['0102030405060708', '1112131415161718'] });
    expect(seal(padContainer(type, data, 15))).toBe(V.box73);
    const c = open(V.box73);
    expect(decodeContent(c.type, c.data)).toEqual({ type: 'delivery-receipt', status: 'read', messageIds: ['0102030405060708', '1112131415161718'] });
  });

  it('7.4 the deprecated image message decodes', () => {
    const c = open(V.box74);
    expect(decodeContent(c.type, c.data)).toEqual({ type: 'image', blobId: '00112233445566778899aabbccddeeff', size: 258, nonce: '516f4f1562dda0704a7bae8997cf0b354c6980181152ac32' });
  });

  it('7.5 the file message decrypts and parses', () => {
    const c = open(V.box75);
    expect(decodeContent(c.type, c.data)).toEqual({
      type: 'file',
      file: {
        blobId: '0123456789abcdef0123456789abcdef',
        key: '0102030401020304010203040102030401020304010203040102030401020304',
        mediaType: 'application/pdf',
        name: 'secret.pdf',
        size: 2048,
        renderingType: 'file',
        thumbnailBlobId: 'abcdef0123456789abcdef0123456789',
        thumbnailMediaType: 'image/jpeg',
        caption: 'Caption äöü',
      },
    });
  });

  it('serialises file JSON like the Rust minimal and full cases', () => {
    const base = { blobId: '0123456789abcdef0123456789abcdef', key: '01020304'.repeat(8), mediaType: 'application/pdf', size: 2048 };
    const minimal = JSON.parse(new TextDecoder().decode(encodeContent({ type: 'file', file: { ...base, renderingType: 'file' } }).data));
    // The Rust minimal case plus `n`: a file message always carries a name (the official SDKs need it).
    expect(minimal).toEqual({ b: base.blobId, k: base.key, m: 'application/pdf', n: 'file.pdf', s: 2048, j: 0, i: 0 });
    const full = JSON.parse(
      new TextDecoder().decode(
        encodeContent({
          type: 'file',
          file: { ...base, renderingType: 'sticker', thumbnailBlobId: 'abcdef0123456789abcdef0123456789', thumbnailMediaType: 'image/jpeg', name: 'secret.pdf', caption: 'This is a fancy file', metadata: { a: true, h: 320, w: 240, d: 12.7 } },
        }).data,
      ),
    );
    expect(Object.keys(full)).toHaveLength(11);
    expect(full).toMatchObject({ j: 2, i: 0, t: 'abcdef0123456789abcdef0123456789', p: 'image/jpeg', d: 'This is a fancy file', x: { a: true, h: 320, w: 240, d: 12.7 } });
    const media = JSON.parse(new TextDecoder().decode(encodeContent({ type: 'file', file: { ...base, renderingType: 'media' } }).data));
    expect(media).toMatchObject({ j: 1, i: 1 });
  });
});

describe('§8 blob secretbox with the fixed nonces', () => {
  const blobKey = hex('0102030401020304010203040102030401020304010203040102030401020304');
  it.each([
    ['01020304', 'file', '744bcfe61a87c15bfda8d8853c7291122a31f660'],
    ['050607', 'thumbnail', '58e77f8148cbae67733170856700e0572acd5b'],
    [Buffer.from('Hello Threema!').toString('hex'), 'file', 'c3f5839825c5cfd0fe70208c990e11a663569908f8b3b50fdbff3d9fd02c'],
  ] as const)('%s as %s', (plain, kind, expected) => {
    expect(toHex(encryptBlob(hex(plain), blobKey, kind))).toBe(expected);
    expect(toHex(decryptBlob(hex(expected), blobKey, kind))).toBe(plain);
  });
});

describe('§9 libsodium crypto_box KAT and small-order keys', () => {
  it('matches box.c / box2.c', () => {
    const k = sharedKey(hex(V.bobPk), hex(V.aliceSk));
    expect(toHex(k)).toBe(V.kpBeforeNm);
    expect(toHex(encryptBox(hex(V.kpMessage), k, hex(V.kpNonce)).box)).toBe(V.kpBox);
    expect(toHex(decryptBox(hex(V.kpBox), hex(V.kpNonce), sharedKey(hex(V.alicePk), hex(V.bobSk))))).toBe(V.kpMessage);
    expect(toHex(nacl.secretbox(hex(V.kpMessage), hex(V.kpNonce), hex(V.kpBeforeNm)))).toBe(V.kpBox);
  });

  const lowOrder = [
    '00'.repeat(32),
    V.smallOrder,
    `01${'00'.repeat(31)}`,
    `ec${'ff'.repeat(30)}7f`,
    '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  ];
  it.each(lowOrder)('refuses the low-order public key %s', (pk) => {
    expect(isLowOrderPublicKey(hex(pk))).toBe(true);
    expect(() => decodePublicKey(pk)).toThrow(expect.objectContaining({ details: { reason: 'low-order-public-key' } }));
    expect(() => sharedKey(hex(pk), myPriv, 'BADKEY01')).toThrow(expect.objectContaining({ code: 'INVALID_RECIPIENT', message: expect.stringContaining('non-contributory') }));
  });

  it('accepts ordinary public keys', () => {
    for (const pk of [V.myPublicKey, V.otherPublicKey, V.echoPublicKey]) expect(isLowOrderPublicKey(decodePublicKey(pk))).toBe(false);
  });
});
