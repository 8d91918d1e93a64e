/** The parts of a captured `multipart/signed` message, split on the exact bytes (reference 1.8). */
export interface SignedParts {
  /** Unfolded top-level headers. */
  readonly headers: string;
  readonly boundary: string;
  /** Exactly the bytes between `--B\r\n` and `\r\n--B`: what the signature covers. */
  readonly signed: Buffer;
  /** The DER signature (smime.p7s). */
  readonly signature: Buffer;
}

/** Splits a signed message without a MIME library, so the test sees the bytes as transmitted. */
export function splitSigned(raw: Buffer): SignedParts {
  const text = raw.toString('latin1');
  const headerEnd = text.indexOf('\r\n\r\n');
  const headers = text.slice(0, headerEnd).replace(/\r\n[ \t]+/g, ' ');
  const boundary = /boundary="?([^";\r\n]+)"?/i.exec(headers)?.[1];
  if (!boundary) throw new Error('no boundary in the top-level headers');
  const open = `--${boundary}\r\n`;
  const start = text.indexOf(open) + open.length;
  const end = text.indexOf(`\r\n--${boundary}`, start);
  const second = text.slice(end + `\r\n--${boundary}\r\n`.length);
  const sigBody = second.slice(second.indexOf('\r\n\r\n') + 4, second.indexOf(`\r\n--${boundary}--`));
  return {
    headers,
    boundary,
    signed: raw.subarray(start, end),
    signature: Buffer.from(sigBody.replace(/\s+/g, ''), 'base64'),
  };
}
