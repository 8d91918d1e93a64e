import { z } from 'zod';
import { TransportError } from '../../core/errors.js';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.js';
import { receiveError } from './e2e.js';

/** Type bytes of the end-to-end containers transportkit reads or writes. */
export const MESSAGE_TYPES = { text: 0x01, image: 0x02, file: 0x17, deliveryReceipt: 0x80 } as const;

/**
 * Names of the other end-to-end message types (Threema's protocol, `csp.struct.yml`), given to
 * a `raw` message so a host can tell a location from a reaction without a table of its own.
 */
export const RAW_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x10: 'location',
  0x13: 'video',
  0x14: 'audio',
  0x15: 'poll-setup',
  0x16: 'poll-vote',
  0x18: 'contact-set-profile-picture',
  0x19: 'contact-delete-profile-picture',
  0x1a: 'contact-request-profile-picture',
  0x60: 'call-offer',
  0x61: 'call-answer',
  0x62: 'call-ice-candidates',
  0x63: 'call-hangup',
  0x64: 'call-ringing',
  0x81: 'group-delivery-receipt',
  0x82: 'reaction',
  0x83: 'group-reaction',
  0x90: 'typing-indicator',
  0x91: 'edit',
  0x92: 'delete',
  0x93: 'group-edit',
  0x94: 'group-delete',
  0xa0: 'forward-security-envelope',
  0xfc: 'empty',
};

/** File extensions of common media types, for the default name of a file message. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'application/json': 'json',
  'application/msword': 'doc',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.ms-excel': 'xls',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/calendar': 'ics',
  'text/vcard': 'vcf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'audio/aac': 'aac',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'video/mp4': 'mp4',
};

/**
 * The file name written when a file message has none: `file` plus the extension of its media
 * type (`file.pdf`), or `file`. The official SDKs cannot parse a file message without `n`.
 */
export function defaultFileName(mediaType: string): string {
  const extension = EXTENSIONS[mediaType.toLowerCase().split(';')[0]!.trim()];
  return extension === undefined ? 'file' : `file.${extension}`;
}

/** Status of a delivery receipt (`acknowledged`/`declined` now mean 👍/👎 in the apps). */
export type DeliveryStatus = 'received' | 'read' | 'acknowledged' | 'declined';
const STATUS_CODES: Readonly<Record<DeliveryStatus, number>> = { received: 1, read: 2, acknowledged: 3, declined: 4 };
const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS_CODES).map(([k, v]) => [v, k])) as Record<number, DeliveryStatus>;

/** How an app renders a file message. */
export type RenderingType = 'file' | 'media' | 'sticker';
const RENDERING: readonly RenderingType[] = ['file', 'media', 'sticker'];

/** The content of a file message (the JSON of type 0x17), with readable names. */
export interface FileMessageContent {
  /** Blob id of the encrypted file (32 hex digits). */
  readonly blobId: string;
  /** Key of the file and thumbnail blobs (64 hex digits). */
  readonly key: string;
  readonly mediaType: string;
  /** Plaintext size in bytes. */
  readonly size: number;
  readonly name?: string;
  readonly thumbnailBlobId?: string;
  readonly thumbnailMediaType?: string;
  readonly caption?: string;
  readonly renderingType: RenderingType;
  /** Correlates several files (32 ASCII characters). */
  readonly correlationId?: string;
  /** `w`, `h`, `a` (animated) for images, `d` (seconds) for audio/video. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Decoded content of an end-to-end message. */
export type ThreemaContent =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'file'; readonly file: FileMessageContent }
  | {
      readonly type: 'delivery-receipt';
      readonly status: DeliveryStatus;
      /** Ids (16 hex digits each) of the messages the receipt is about. */
      readonly messageIds: readonly string[];
    }
  | {
      /** The deprecated image message (0x02): the image blob is boxed with the message key pair. */
      readonly type: 'image';
      readonly blobId: string;
      readonly size: number;
      /** Nonce of the image box (48 hex digits). */
      readonly nonce: string;
    }
  | {
      /**
       * A message type transportkit does not model (location, reaction, edit, delete, poll,
       * ...): its type byte and unpadded bytes, for the host to handle or ignore.
       */
      readonly type: 'raw';
      /** The type byte, e.g. `0x10` for a location. */
      readonly messageType: number;
      /** The name of the type from {@link RAW_TYPE_NAMES}, when known. */
      readonly typeName?: string;
      readonly bytes: Uint8Array;
    };

const hex = (len: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), `must be ${len} hex digits`);
const fileJsonSchema = z.object({
  b: hex(32),
  k: hex(64),
  m: z.string().min(1).max(255),
  s: z.number().int().min(0),
  n: z.string().max(1024).optional(),
  t: hex(32).optional(),
  p: z.string().max(255).optional(),
  d: z.string().max(20_000).optional(),
  j: z.number().int().min(0).max(2).optional(),
  i: z.number().int().min(0).max(1).optional(),
  c: z.string().max(64).optional(),
  x: z.record(z.string(), z.unknown()).optional(),
});

/**
 * The JSON object of a file message, keys in the usual order, optional keys only when set; `n`
 * is always written ({@link defaultFileName} when the file has no name).
 */
export function fileMessageJson(file: FileMessageContent): Record<string, unknown> {
  const j = RENDERING.indexOf(file.renderingType);
  return {
    b: file.blobId.toLowerCase(),
    k: file.key.toLowerCase(),
    m: file.mediaType,
    n: file.name ?? defaultFileName(file.mediaType),
    s: file.size,
    ...(file.thumbnailBlobId === undefined ? {} : { t: file.thumbnailBlobId.toLowerCase(), p: file.thumbnailMediaType ?? 'image/jpeg' }),
    ...(file.caption === undefined ? {} : { d: file.caption }),
    j,
    i: j === 1 ? 1 : 0,
    ...(file.correlationId === undefined ? {} : { c: file.correlationId }),
    ...(file.metadata === undefined ? {} : { x: file.metadata }),
  };
}

/** Encodes content as `{ type, data }`, ready for {@link padContainer}. */
export function encodeContent(content: ThreemaContent): { readonly type: number; readonly data: Uint8Array } {
  switch (content.type) {
    case 'text':
      return { type: MESSAGE_TYPES.text, data: new TextEncoder().encode(content.text) };
    case 'file':
      return { type: MESSAGE_TYPES.file, data: new TextEncoder().encode(JSON.stringify(fileMessageJson(content.file))) };
    case 'delivery-receipt': {
      const code = STATUS_CODES[content.status];
      if (code === undefined) throw new TransportError('MESSAGE_INVALID', 'unknown delivery status', { field: 'status' });
      if (content.messageIds.length === 0) throw new TransportError('MESSAGE_INVALID', 'a receipt needs at least one message id', { field: 'messageIds' });
      const ids = content.messageIds.map((id, i) => hexToBytes(id, 8, { code: 'MESSAGE_INVALID', field: `messageIds[${i}]` }));
      return { type: MESSAGE_TYPES.deliveryReceipt, data: concatBytes(Uint8Array.of(code), ...ids) };
    }
    case 'image': {
      // Written only to play incoming images (mock gateway, tests); providers send file messages.
      const size = Buffer.alloc(4);
      size.writeUInt32LE(content.size, 0);
      const blobId = hexToBytes(content.blobId, 16, { code: 'MESSAGE_INVALID', field: 'blobId' });
      return { type: MESSAGE_TYPES.image, data: concatBytes(blobId, new Uint8Array(size), hexToBytes(content.nonce, 24, { code: 'MESSAGE_INVALID', field: 'nonce' })) };
    }
    case 'raw':
      if (!Number.isInteger(content.messageType) || content.messageType < 0 || content.messageType > 255) {
        throw new TransportError('MESSAGE_INVALID', 'messageType must be a byte', { field: 'messageType' });
      }
      return { type: content.messageType, data: content.bytes };
  }
}

/**
 * Decodes the data of a container by its type: text, file, delivery receipt and the deprecated
 * image are typed; every other type is a `raw` message with its bytes (never an error).
 */
export function decodeContent(type: number, data: Uint8Array): ThreemaContent {
  switch (type) {
    case MESSAGE_TYPES.text:
      return { type: 'text', text: utf8(data, 'text') };
    case MESSAGE_TYPES.file:
      return { type: 'file', file: parseFileJson(utf8(data, 'file message')) };
    case MESSAGE_TYPES.deliveryReceipt:
      return decodeReceipt(data);
    case MESSAGE_TYPES.image:
      if (data.length !== 44) receiveError('bad-content', 'image message must be 44 bytes');
      return {
        type: 'image',
        blobId: bytesToHex(data.subarray(0, 16)),
        size: Buffer.from(data.buffer, data.byteOffset + 16, 4).readUInt32LE(0),
        nonce: bytesToHex(data.subarray(20, 44)),
      };
    default: {
      const typeName = RAW_TYPE_NAMES[type];
      return { type: 'raw', messageType: type, ...(typeName === undefined ? {} : { typeName }), bytes: new Uint8Array(data) };
    }
  }
}

function decodeReceipt(data: Uint8Array): ThreemaContent {
  const status = STATUS_NAMES[data[0] ?? 0];
  if (data.length < 9 || (data.length - 1) % 8 !== 0) receiveError('bad-content', 'delivery receipt must be a status and 8-byte message ids');
  if (status === undefined) receiveError('bad-content', 'delivery receipt has an unknown status');
  const messageIds: string[] = [];
  for (let i = 1; i < data.length; i += 8) messageIds.push(bytesToHex(data.subarray(i, i + 8)));
  return { type: 'delivery-receipt', status, messageIds };
}

function utf8(data: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return receiveError('bad-content', `${what} is not valid UTF-8`);
  }
}

/** Parses the JSON of a file message (required b, k, m, s). */
export function parseFileJson(json: string): FileMessageContent {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    receiveError('bad-content', 'file message is not valid JSON');
  }
  const parsed = fileJsonSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return receiveError('bad-content', `file message field ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const f = parsed.data;
  const rendering = RENDERING[f.j ?? (f.i === 1 ? 1 : 0)] ?? 'file';
  return {
    blobId: f.b.toLowerCase(),
    key: f.k.toLowerCase(),
    mediaType: f.m,
    size: f.s,
    renderingType: rendering,
    ...(f.n === undefined ? {} : { name: f.n }),
    ...(f.t === undefined ? {} : { thumbnailBlobId: f.t.toLowerCase(), thumbnailMediaType: f.p ?? 'image/jpeg' }),
    ...(f.d === undefined ? {} : { caption: f.d }),
    ...(f.c === undefined ? {} : { correlationId: f.c }),
    ...(f.x === undefined ? {} : { metadata: f.x }),
  };
}
