import { createHash, sign, type KeyObject } from 'node:crypto';
import type { DkimCanonicalization } from '../config.js';

/**
 * The header fields signed by default: RFC 6376 5.4.1's list, plus the List-Unsubscribe-Post of
 * RFC 8058 (one-click unsubscribe needs it signed).
 */
export const DEFAULT_DKIM_HEADERS = [
  'from', 'sender', 'reply-to', 'subject', 'date', 'message-id', 'to', 'cc', 'mime-version', 'content-type',
  'content-transfer-encoding', 'content-id', 'content-description', 'resent-date', 'resent-from', 'resent-sender',
  'resent-to', 'resent-cc', 'resent-message-id', 'in-reply-to', 'references', 'list-id', 'list-help',
  'list-unsubscribe', 'list-unsubscribe-post', 'list-subscribe', 'list-post', 'list-owner', 'list-archive',
] as const;

/** What {@link dkimSignatureHeader} signs with. */
export interface DkimSigningKey {
  readonly domain: string;
  readonly selector: string;
  /** Header names to sign (any case); `from` is added when missing. */
  readonly headerFields: readonly string[];
  readonly canonicalization: DkimCanonicalization;
  /** An RSA private key. */
  readonly key: KeyObject;
}

interface HeaderField {
  /** Lowercase name. */
  readonly name: string;
  /** The field as it stands in the message, folding included, without the final CRLF. */
  readonly raw: string;
}

/** The message with every line ending CRLF (as SMTP transmits it) and a final CRLF. */
export function crlfMessage(message: string): string {
  const text = message.replace(/\r\n|\r|\n/g, '\r\n');
  return text.endsWith('\r\n') ? text : `${text}\r\n`;
}

/** Splits a CRLF message into its header fields and its body. */
function split(message: string): { fields: HeaderField[]; body: string } {
  const end = message.startsWith('\r\n') ? 0 : message.indexOf('\r\n\r\n');
  const head = end < 0 ? message : message.slice(0, end);
  const body = end < 0 ? '' : message.slice(end + (end === 0 ? 2 : 4));
  const fields: HeaderField[] = [];
  for (const line of head.split('\r\n')) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && fields.length > 0) {
      const last = fields.pop()!;
      fields.push({ name: last.name, raw: `${last.raw}\r\n${line}` });
    } else {
      fields.push({ name: line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase(), raw: line });
    }
  }
  return { fields, body };
}

/** RFC 6376 3.4.1 / 3.4.2: one header field, canonicalized, with its CRLF left off. */
function canonicalHeader(raw: string, mode: 'simple' | 'relaxed'): string {
  if (mode === 'simple') return raw;
  const colon = raw.indexOf(':');
  const name = raw.slice(0, colon).trim().toLowerCase();
  const value = raw
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 3.4.3 / 3.4.4: the canonical body. */
export function canonicalBody(body: string, mode: 'simple' | 'relaxed'): string {
  if (mode === 'simple') return `${body.replace(/(?:\r\n)+$/, '')}\r\n`;
  const text = body
    .split('\r\n')
    .map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''))
    .join('\r\n')
    .replace(/(?:\r\n)+$/, '');
  return text === '' ? '' : `${text}\r\n`;
}

/** Folds `tag=value` items into header lines of at most 78 characters, breaking long values (h=, bh=) where DKIM allows whitespace. */
function fold(start: string, tags: readonly string[]): string {
  let out = start;
  let line = start.length;
  for (const [index, tag] of tags.entries()) {
    const piece = `${tag}${index < tags.length - 1 ? ';' : ''}`;
    if (line + 1 + piece.length <= 76) {
      out += ` ${piece}`;
      line += 1 + piece.length;
      continue;
    }
    // A tag that does not fit on a line of its own is broken at its separators (h= at colons) or anywhere (base64).
    const chunks = piece.length <= 74 ? [piece] : (piece.match(/.{1,72}(?::|$)|.{1,72}/g) ?? [piece]);
    for (const chunk of chunks) {
      out += `\r\n ${chunk}`;
      line = 1 + chunk.length;
    }
  }
  return out;
}

/**
 * The `DKIM-Signature` field (folded, with its CRLF) for a CRLF message (see {@link crlfMessage}):
 * rsa-sha256 over the body hash and the configured header fields, each instance present signed
 * from the bottom up (RFC 6376 5.4.2), with `t=` the signing time.
 */
export function dkimSignatureHeader(message: string, signer: DkimSigningKey, nowMs: number): string {
  const [headerMode, bodyMode] = signer.canonicalization.split('/') as ['simple' | 'relaxed', 'simple' | 'relaxed'];
  const { fields, body } = split(message);
  const bodyHash = createHash('sha256').update(canonicalBody(body, bodyMode), 'latin1').digest('base64');
  const wanted = [...new Set(['from', ...signer.headerFields.map((n) => n.trim().toLowerCase()).filter((n) => n !== '')])];
  const signed: HeaderField[] = [];
  for (const name of wanted) signed.push(...fields.filter((f) => f.name === name).reverse());
  const tags = [
    'v=1',
    'a=rsa-sha256',
    `c=${signer.canonicalization}`,
    `d=${signer.domain}`,
    `s=${signer.selector}`,
    `t=${Math.floor(nowMs / 1000)}`,
    `h=${signed.map((f) => f.name).join(':')}`,
    `bh=${bodyHash}`,
  ];
  // b= comes last and empty: its value is what is signed over, then appended as it is.
  const unsigned = `${fold('DKIM-Signature:', tags)};\r\n b=`;
  const data = [...signed.map((f) => canonicalHeader(f.raw, headerMode)), canonicalHeader(unsigned, headerMode)].join('\r\n');
  const signature = sign('sha256', Buffer.from(data, 'latin1'), signer.key).toString('base64');
  const lines = signature.match(/.{1,72}/g) ?? [];
  return `${unsigned}${lines.join('\r\n ')}\r\n`;
}
