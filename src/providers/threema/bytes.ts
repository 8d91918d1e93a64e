import { TransportError, type TransportErrorCode } from '../../core/errors.js';

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** How a failed hex decode is reported: the code, the field named, and a reason for `details`. */
export interface HexContext {
  readonly code: TransportErrorCode;
  readonly field: string;
  readonly reason?: string;
}

/**
 * Decodes hex strictly (Buffer.from silently stops at the first bad digit, which would turn a
 * typo into a shorter key), optionally checking the decoded length. Never echoes the input.
 */
export function hexToBytes(hex: string, length: number | undefined, context: HexContext): Uint8Array {
  const expected = length === undefined ? 'hex digits' : `${length * 2} hex digits`;
  if (typeof hex !== 'string' || !HEX.test(hex) || hex.length === 0 || (length !== undefined && hex.length !== length * 2)) {
    throw new TransportError(context.code, `${context.field} must be ${expected}`, {
      field: context.field,
      ...(context.reason === undefined ? {} : { details: { reason: context.reason } }),
    });
  }
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** Lowercase hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** True when every byte is zero (constant time for a given length). */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (const b of bytes) acc |= b;
  return acc === 0;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
