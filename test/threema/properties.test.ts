import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeContent,
  decryptBlob,
  decryptBox,
  encodeContent,
  encryptBlob,
  encryptBox,
  generateKeyPair,
  decodePrivateKey,
  decodePublicKey,
  padContainer,
  paddingLength,
  randomBlobKey,
  sharedKey,
  unpadContainer,
  MIN_PADDED_LENGTH,
} from '../../src/providers/threema/index.js';

const alice = generateKeyPair();
const bob = generateKeyPair();
const aliceToBob = sharedKey(decodePublicKey(bob.publicKey), decodePrivateKey(alice.privateKey));
const bobFromAlice = sharedKey(decodePublicKey(alice.publicKey), decodePrivateKey(bob.privateKey));

describe('padding properties', () => {
  it('padding length is always 1-255 and reaches 32 bytes with the data', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000 }), (len) => {
        const n = paddingLength(len);
        expect(n).toBeGreaterThanOrEqual(1);
        expect(n).toBeLessThanOrEqual(255);
        expect(len + n).toBeGreaterThanOrEqual(MIN_PADDED_LENGTH);
      }),
      { numRuns: 500 },
    );
  });

  it('a capped padding stays within the cap', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100 }), fc.integer({ min: 32, max: 255 }), (len, max) => {
        const n = paddingLength(len, max);
        expect(n).toBeLessThanOrEqual(Math.max(max, MIN_PADDED_LENGTH - len));
        expect(len + n).toBeGreaterThanOrEqual(MIN_PADDED_LENGTH);
      }),
    );
  });

  it('pad then unpad returns type and data for any bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 2000 }), (type, data) => {
        const container = padContainer(type, data);
        const n = container[container.length - 1]!;
        expect(container.length - 1 - data.length).toBe(n);
        expect(container.length - 1).toBeGreaterThanOrEqual(MIN_PADDED_LENGTH);
        const out = unpadContainer(container);
        expect(out.type).toBe(type);
        expect(Buffer.from(out.data).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('unpad never crashes on arbitrary plaintext: it returns or throws MESSAGE_INVALID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const { data } = unpadContainer(bytes);
          expect(data.length).toBeLessThan(bytes.length);
        } catch (e) {
          expect(e).toMatchObject({ code: 'MESSAGE_INVALID', details: { reason: 'bad-padding' } });
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('encryption round trips', () => {
  it('any text encrypts and decrypts to itself', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 500 }), (text) => {
        const { type, data } = encodeContent({ type: 'text', text });
        const { nonce, box } = encryptBox(padContainer(type, data), aliceToBob);
        const c = unpadContainer(decryptBox(box, nonce, bobFromAlice));
        expect(decodeContent(c.type, c.data)).toEqual({ type: 'text', text });
      }),
      { numRuns: 200 },
    );
  });

  it('any file of any size round-trips through the blob secretbox', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 20_000 }), fc.boolean(), (data, thumb) => {
        const key = randomBlobKey();
        const kind = thumb ? 'thumbnail' : 'file';
        const blob = encryptBlob(data, key, kind);
        expect(blob.length).toBe(data.length + 16);
        expect(Buffer.from(decryptBlob(blob, key, kind)).equals(Buffer.from(data))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('a flipped bit anywhere in the box is refused, never crashes', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (text, pos, bit) => {
        const { type, data } = encodeContent({ type: 'text', text });
        const { nonce, box } = encryptBox(padContainer(type, data), aliceToBob);
        const broken = Uint8Array.from(box);
        broken[pos % broken.length]! ^= 1 << bit;
        expect(() => decryptBox(broken, nonce, bobFromAlice)).toThrow(expect.objectContaining({ code: 'MESSAGE_INVALID', details: { reason: 'bad-box' } }));
      }),
      { numRuns: 100 },
    );
  });
});
