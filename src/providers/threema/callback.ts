import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTransportError, TransportError } from '../../core/errors.js';
import { bytesToHex, hexToBytes } from './bytes.js';
import { decodeContent, type ThreemaContent } from './content.js';
import { decryptBox, receiveError, sharedKey, unpadContainer } from './e2e.js';
import { decodePrivateKey, decodePublicKey } from './keys.js';

/** Default cap of a callback body: a 7812-byte box in hex plus the other fields fits. */
export const MAX_CALLBACK_BYTES = 32_768;

/** The verified fields of a gateway callback, before decryption. */
export interface ThreemaCallback {
  /** Sender's Threema ID. */
  readonly from: string;
  /** The receiving Gateway ID. */
  readonly to: string;
  /** The sender's message id (16 hex digits, lowercase). */
  readonly messageId: string;
  /** When the sender sent it. */
  readonly date: Date;
  readonly nonce: Uint8Array;
  readonly box: Uint8Array;
  /** The sender's public nickname; NOT covered by the MAC, so display it, never trust it. */
  readonly nickname?: string;
}

/** A received, verified and decrypted message: the envelope plus its typed content. */
export type ThreemaReceivedMessage = Omit<ThreemaCallback, 'box' | 'nonce'> & ThreemaContent;

/** What {@link parseCallback} needs. */
export interface ParseCallbackOptions {
  /** The API secret of the Gateway ID (the MAC key). */
  readonly secret: string;
  /** When set, a callback addressed to another ID is refused. */
  readonly gatewayId?: string;
  /** Largest accepted body in bytes (default {@link MAX_CALLBACK_BYTES}). */
  readonly maxBodyBytes?: number;
}

/** What {@link receiveCallback} needs on top of {@link ParseCallbackOptions}. */
export interface ReceiveCallbackOptions extends ParseCallbackOptions {
  /** The Gateway ID's private key (`private:...`). */
  readonly privateKey: string | Uint8Array;
  /** Looks up the sender's public key, e.g. `provider.lookupPublicKey` or a local directory. */
  publicKey(threemaId: string): Promise<string | Uint8Array> | string | Uint8Array;
}

/** The form of a callback as received: the raw body, parsed params, or a plain object. */
export type CallbackInput = string | Uint8Array | URLSearchParams | Readonly<Record<string, string | undefined>>;

const MAC_FIELDS = ['from', 'to', 'messageId', 'date', 'nonce', 'box'] as const;
const REQUIRED = [...MAC_FIELDS, 'mac'] as const;

/** The callback fields covered by the MAC, as sent (hex stays hex text, the date decimal text). */
export type CallbackMacFields = Readonly<Record<'from' | 'to' | 'messageId' | 'date' | 'nonce' | 'box', string>>;

/** The callback MAC: HMAC-SHA256 with the API secret over from‖to‖messageId‖date‖nonce‖box. */
export function callbackMac(fields: CallbackMacFields, secret: string): string {
  // String keys and data are UTF-8.
  const hmac = createHmac('sha256', secret);
  for (const name of MAC_FIELDS) hmac.update(fields[name]);
  return hmac.digest('hex');
}

function toParams(input: CallbackInput, maxBytes: number): Map<string, string> {
  if (typeof input === 'string' || input instanceof Uint8Array) {
    // Text is counted in UTF-8 bytes, as it arrived.
    const body = Buffer.from(input);
    if (body.length > maxBytes) receiveError('bad-field', `callback body is larger than ${maxBytes} bytes`);
    return new Map(new URLSearchParams(body.toString()));
  }
  const entries = input instanceof URLSearchParams ? [...input] : Object.entries(input);
  return new Map(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Parses a gateway callback and verifies its MAC in constant time, before anything else is
 * trusted. A missing field, a bad MAC (`AUTH_FAILED`), a malformed field or a callback for
 * another ID is a TransportError whose `details.reason` says which; answer the gateway with
 * a bare 400 then.
 */
export function parseCallback(input: CallbackInput, options: ParseCallbackOptions): ThreemaCallback {
  if (typeof options?.secret !== 'string' || options.secret.length === 0) {
    throw new TransportError('CONFIG_INVALID', 'the API secret is required to verify callbacks', { field: 'secret' });
  }
  const params = toParams(input, options.maxBodyBytes ?? MAX_CALLBACK_BYTES);
  const fields: Record<string, string> = {};
  for (const name of REQUIRED) {
    const value = params.get(name);
    if (value === undefined || value.length === 0) receiveError('bad-field', `missing parameter ${name}`, name);
    fields[name] = value;
  }
  const given = /^[0-9a-fA-F]{64}$/.test(fields.mac!) ? Buffer.from(fields.mac!, 'hex') : undefined;
  const expected = Buffer.from(callbackMac(fields as CallbackMacFields, options.secret), 'hex');
  if (given === undefined || !timingSafeEqual(given, expected)) receiveError('bad-mac', 'invalid callback signature (MAC)', 'mac');
  const from = fields.from!;
  const to = fields.to!;
  if (!/^[A-Z0-9*][A-Z0-9]{7}$/.test(from)) receiveError('bad-field', 'from must be a Threema ID', 'from');
  if (options.gatewayId !== undefined && to !== options.gatewayId) receiveError('wrong-recipient', 'callback is addressed to another Gateway ID', 'to');
  if (!/^\d{1,12}(\.\d+)?$/.test(fields.date!)) receiveError('bad-field', 'date must be a Unix timestamp', 'date');
  const nickname = params.get('nickname');
  return {
    from,
    to,
    messageId: bytesToHex(bytesField(fields.messageId!, 8, 'messageId')),
    date: new Date(Math.round(Number(fields.date) * 1000)),
    nonce: bytesField(fields.nonce!, 24, 'nonce'),
    box: bytesField(fields.box!, undefined, 'box'),
    ...(nickname === undefined || nickname.length === 0 ? {} : { nickname }),
  };
}

/** Decodes a hex field; a malformed one is a receive error naming the field. */
function bytesField(value: string, length: number | undefined, field: string): Uint8Array {
  try {
    return hexToBytes(value, length, { code: 'MESSAGE_INVALID', field });
  } catch (cause) {
    return receiveError('bad-field', (cause as TransportError).message, field);
  }
}

/** Decrypts a verified callback with a precomputed box key and decodes its content. */
export function openCallback(callback: ThreemaCallback, boxKey: Uint8Array): ThreemaReceivedMessage {
  const { type, data } = unpadContainer(decryptBox(callback.box, callback.nonce, boxKey));
  const { box: _box, nonce: _nonce, ...envelope } = callback;
  return { ...envelope, ...decodeContent(type, data) };
}

/**
 * Verifies, decrypts and decodes a gateway callback in one step: MAC, sender's public key,
 * strict padding removal, typed content (text, file, delivery receipt). Every failure is a
 * TransportError, never a crash. With a provider, prefer `provider.receive(body)`, which caches
 * the sender's key.
 */
export async function receiveCallback(input: CallbackInput, options: ReceiveCallbackOptions): Promise<ThreemaReceivedMessage> {
  const callback = parseCallback(input, options);
  const privateKey = decodePrivateKey(options.privateKey);
  const publicKey = decodePublicKey(await options.publicKey(callback.from), { code: 'MESSAGE_INVALID', field: 'from' });
  return openCallback(callback, sharedKey(publicKey, privateKey, callback.from));
}

/** Default time a callback body may take to arrive, in milliseconds. */
const CALLBACK_BODY_TIMEOUT_MS = 10_000;

/** Options of {@link createCallbackHandler}. */
export interface CallbackHandlerOptions {
  /** Verifies and decrypts a body, e.g. `(body) => provider.receive(body)`. */
  receive(body: Uint8Array): Promise<ThreemaReceivedMessage>;
  /**
   * Handles a message; when it throws, the gateway gets a 500 and may deliver again. A replayed
   * valid callback (the same `messageId`) is handed over again: de-duplicate by `messageId`.
   */
  onMessage(message: ThreemaReceivedMessage): Promise<void> | void;
  /** Told about refused callbacks (bad MAC, bad box, ...), failing handlers and slow bodies; an error it throws is ignored. */
  onError?(error: TransportError): void;
  /** Largest accepted body in bytes (default {@link MAX_CALLBACK_BYTES}). */
  readonly maxBodyBytes?: number;
  /**
   * Milliseconds the whole body may take to arrive (default 10 000, 10 seconds);
   * a slower request gets a 408 and its connection is closed, whatever the server's own timeouts.
   */
  readonly bodyTimeoutMs?: number;
  /**
   * Records delivery receipts as delivery statuses of the messages they acknowledge
   * (`registry.deliveryStatus(messageId)`): `received` is `delivered`; `read`, `acknowledged` and
   * `declined` are `read`. A receipt whose status cannot be stored answers 500, so the gateway
   * delivers it again.
   */
  readonly deliveryStatus?: {
    /** The registry (or anything with `recordDeliveryStatus`). */
    readonly registry: {
      /** Stores a status; it only moves forward. */
      recordDeliveryStatus(status: { messageId: string; providerId: string; state: 'delivered' | 'read'; at: string }): Promise<boolean>;
    };
    /** The Threema provider whose messages the receipts are about. */
    readonly providerId: string;
  };
}

/** The delivery state a Threema receipt status stands for. */
function receiptState(status: string): 'delivered' | 'read' {
  return status === 'received' ? 'delivered' : 'read';
}

/**
 * A `node:http` request listener for the gateway's callback URL: reads the form with a size
 * cap and a deadline, answers 200 after `onMessage` succeeded, a bare 400 for any invalid
 * callback (no detail helps an attacker), 413 for an oversized body, 408 for a body that does
 * not arrive within `bodyTimeoutMs`, 405 for anything but POST. No host callback can crash the
 * process: a throwing `onMessage` is a 500, a throwing `onError` is ignored, and every request
 * gets an answer. The handler does not de-duplicate: a replayed valid callback reaches
 * `onMessage` again, so de-duplicate by `messageId`.
 */
export function createCallbackHandler(options: CallbackHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const max = options.maxBodyBytes ?? MAX_CALLBACK_BYTES;
  const deadline = options.bodyTimeoutMs ?? CALLBACK_BODY_TIMEOUT_MS;
  if (!Number.isSafeInteger(max) || max < 1) throw new TransportError('CONFIG_INVALID', 'maxBodyBytes must be a positive integer', { field: 'maxBodyBytes' });
  if (!Number.isSafeInteger(deadline) || deadline < 1 || deadline > 2_147_483_647) {
    throw new TransportError('CONFIG_INVALID', 'bodyTimeoutMs must be a positive integer of milliseconds', { field: 'bodyTimeoutMs' });
  }
  const reply = (res: ServerResponse, status: number) => {
    try {
      if (!res.headersSent && !res.destroyed) res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(String(status));
    } catch {
      res.destroy();
    }
  };
  const notify = (cause: unknown) => {
    try {
      options.onError?.(asError(cause));
    } catch {
      // The host's error callback failed: nothing is left to tell, and the request is answered anyway.
    }
  };
  return (req, res) => {
    if (req.method !== 'POST') return reply(res, 405);
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      notify(new TransportError('TIMEOUT', `callback body did not arrive within ${deadline} ms`, { retryable: false }));
      reply(res, 408);
      req.destroy();
    }, deadline);
    timer.unref();
    const finish = () => {
      done = true;
      clearTimeout(timer);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > max) {
        finish();
        reply(res, 413);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('error', () => {
      if (done) return;
      finish();
      reply(res, 400);
    });
    req.on('close', () => clearTimeout(timer));
    req.on('end', () => {
      if (done) return;
      finish();
      void (async () => {
        let message: ThreemaReceivedMessage;
        try {
          message = await options.receive(new Uint8Array(Buffer.concat(chunks)));
        } catch (cause) {
          notify(cause);
          return reply(res, isTransportError(cause) && (cause.code === 'UNAVAILABLE' || cause.code === 'TIMEOUT') ? 503 : 400);
        }
        try {
          const sink = options.deliveryStatus;
          if (sink && message.type === 'delivery-receipt') {
            const at = message.date.toISOString();
            for (const messageId of message.messageIds) {
              await sink.registry.recordDeliveryStatus({ messageId, providerId: sink.providerId, state: receiptState(message.status), at });
            }
          }
          await options.onMessage(message);
          reply(res, 200);
        } catch (cause) {
          notify(cause);
          reply(res, 500);
        }
      })().catch(() => reply(res, 500));
    });
  };
}

function asError(cause: unknown): TransportError {
  return isTransportError(cause) ? cause : new TransportError('UNAVAILABLE', 'callback handler failed', { cause });
}
