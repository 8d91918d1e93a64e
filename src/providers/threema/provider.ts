import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { isTransportError, TransportError } from '../../core/errors.js';
import { isWellFormedText, textMessageSchema, toArray, type RecipientRejection, type SendResult, type TestStep, type TextMessage } from '../../core/messages.js';
import type { DeliveryProvider, ProviderContext, ProviderType, SecretValues, SendOptions } from '../../core/provider.js';
import { parseWith } from '../../core/validation.js';
import { bytesToHex, hexToBytes } from './bytes.js';
import { TtlCache } from './cache.js';
import { openCallback, parseCallback, type CallbackInput, type ThreemaReceivedMessage } from './callback.js';
import { GatewayClient } from './client.js';
import { threemaConfigSchema, type ThreemaConfig, type ThreemaSecretField } from './config.js';
import { defaultFileName, encodeContent, type DeliveryStatus, type FileMessageContent, type RenderingType, type ThreemaContent } from './content.js';
import { BOX_OVERHEAD, decryptBlob, decryptBox, encryptBlob, encryptBox, padContainer, paddingLength, randomBlobKey, sharedKey } from './e2e.js';
import { fetchTransport, undiciTransport, type FetchLike } from '../http.js';
import { decodePrivateKey, derivePublicKey, encodeKey, isLowOrderPublicKey } from './keys.js';
import { allRejected, rejectionOf } from '../rejections.js';
import { checkRecipient, classifyRecipient, type Recipient } from './recipients.js';

/** Host-injected I/O of the Threema type. */
export interface ThreemaOptions {
  /** undici dispatcher for every gateway request (proxy, TLS pinning, `MockAgent`). */
  readonly dispatcher?: Dispatcher;
  /** A `fetch` to use instead of undici `request` (takes precedence over `dispatcher`). */
  readonly fetch?: FetchLike;
}

/** A file to send as a Threema file message. */
export interface ThreemaFile {
  readonly data: Uint8Array;
  /** MIME type, e.g. `application/pdf`. */
  readonly mediaType: string;
  readonly name?: string;
  readonly caption?: string;
  /** `file` (default), `media` (shown inline) or `sticker`. */
  readonly renderingType?: RenderingType;
  readonly thumbnail?: { readonly data: Uint8Array; readonly mediaType?: string };
  readonly correlationId?: string;
  /** `w`, `h`, `a` for images, `d` (seconds) for audio/video. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** The deprecated image message (type 0x02) as received: whose it is and where its blob is. */
export interface ImageReference {
  /** The sender's Threema ID: the image is boxed with its key pair and ours. */
  readonly from: string;
  /** Blob id (32 hex digits). */
  readonly blobId: string;
  /** Nonce of the image box (48 hex digits). */
  readonly nonce: string;
}

/** A decrypted downloaded file. */
export interface DownloadedFile {
  readonly data: Uint8Array;
  readonly thumbnail?: Uint8Array;
}

/** Inputs of {@link ThreemaProvider.bulkLookup}. */
export interface BulkLookupInput {
  readonly phones?: readonly string[];
  readonly emails?: readonly string[];
}

/** A match of a bulk lookup, keyed back to what the caller gave (one per input, duplicates included). */
export interface BulkLookupMatch {
  /** The phone number or e-mail address as given. */
  readonly input: string;
  readonly kind: 'phone' | 'email';
  readonly identity: string;
  /** `public:<64 hex>`. */
  readonly publicKey: string;
}

/** The live Threema.Gateway provider: text via `send`, plus files, receipts, lookups and receiving. */
export interface ThreemaProvider extends DeliveryProvider<TextMessage> {
  readonly gatewayId: string;
  /** The public key derived from the configured private key (`public:...`). */
  readonly publicKey: string;
  /** Sends a file (blob encrypted with a fresh key, uploaded, then the file message); needs the recipient's `file` capability. */
  sendFile(to: string, file: ThreemaFile, options?: SendOptions): Promise<SendResult>;
  /** Sends a delivery receipt (e.g. `read`) for received message ids. */
  sendDeliveryReceipt(to: string, status: DeliveryStatus, messageIds: readonly string[], options?: SendOptions): Promise<SendResult>;
  /** The Threema ID of an ID, phone number or e-mail (hashed lookups, cached). */
  resolveRecipient(address: string, options?: SendOptions): Promise<string>;
  /** A Threema ID's public key (`public:...`), cached. */
  lookupPublicKey(threemaId: string, options?: SendOptions): Promise<string>;
  /** A Threema ID's capabilities (`text`, `image`, `file`, ...), cached briefly. */
  capabilitiesOf(threemaId: string, options?: SendOptions): Promise<readonly string[]>;
  /**
   * Looks up many phone numbers and e-mails at once; seeds the ID and key caches. Answers one
   * match per input that was found, in input order: an input given twice (also in another
   * spelling of the same number or address) gets its match twice.
   */
  bulkLookup(input: BulkLookupInput, options?: SendOptions): Promise<BulkLookupMatch[]>;
  /** Verifies (MAC), decrypts and decodes a gateway callback body. */
  receive(body: CallbackInput, options?: SendOptions): Promise<ThreemaReceivedMessage>;
  /** Downloads and decrypts the blobs of a received file message. */
  downloadFile(file: FileMessageContent, options?: SendOptions): Promise<DownloadedFile>;
  /**
   * Downloads and decrypts the image of a received deprecated image message (type 0x02, still
   * sent by older apps): its blob is boxed with the sender's and our key pair and the message's
   * nonce. `NOT_FOUND` when the gateway deleted the blob already.
   */
  downloadImage(image: ImageReference, options?: SendOptions): Promise<Uint8Array>;
}

/** The Threema provider type (what `threema()` returns). */
export type ThreemaProviderType = ProviderType<ThreemaConfig, ThreemaSecretField, ThreemaProvider, 'threema'>;

interface PeerKey {
  readonly publicKey: Uint8Array;
  /** Precomputed `box.before` key: the expensive X25519 step is done once per peer. */
  readonly boxKey: Uint8Array;
}

const mediaType = z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type');
const utf8Max = (max: number) =>
  z
    .string()
    .refine(isWellFormedText, 'must not contain a lone UTF-16 surrogate (an incomplete character)')
    .refine((v) => Buffer.byteLength(v) <= max, `must be at most ${max} bytes (UTF-8)`);
const fileSchema = z.object({
  data: z.instanceof(Uint8Array).refine((d) => d.length > 0, 'must not be empty'),
  mediaType,
  name: utf8Max(256).optional(),
  caption: utf8Max(6000).optional(),
  renderingType: z.enum(['file', 'media', 'sticker']).default('file'),
  thumbnail: z.object({ data: z.instanceof(Uint8Array).refine((d) => d.length > 0, 'must not be empty'), mediaType: mediaType.default('image/jpeg') }).optional(),
  correlationId: z.string().regex(/^[\x21-\x7e]{32}$/, 'must be 32 ASCII characters').optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const receiptSchema = z.object({
  status: z.enum(['received', 'read', 'acknowledged', 'declined']),
  messageIds: z.array(z.string().regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex digits')).min(1).max(500),
});

function requireSecret(secrets: SecretValues<ThreemaSecretField>, field: ThreemaSecretField, providerId: string): string {
  const value = secrets[field];
  if (value === undefined || value.length === 0) {
    throw new TransportError('CONFIG_INVALID', `secret "${field}" is not set`, { field: `secrets.${field}`, providerId });
  }
  return value;
}

/** Builds the live provider; see {@link threema}. */
export function createThreemaProvider(
  config: ThreemaConfig,
  secrets: SecretValues<ThreemaSecretField>,
  context: ProviderContext,
  options: ThreemaOptions = {},
): ThreemaProvider {
  const { providerId, events, clock } = context;
  const secret = requireSecret(secrets, 'secret', providerId);
  const privateKey = decodePrivateKey(requireSecret(secrets, 'privateKey', providerId), { field: 'secrets.privateKey' });
  const ownPublicKey = derivePublicKey(privateKey);
  const client = new GatewayClient({
    baseUrl: config.gatewayUrl,
    gatewayId: config.gatewayId,
    secret,
    http: options.fetch ? fetchTransport(options.fetch) : undiciTransport(options.dispatcher),
    timeoutMs: config.timeoutMs,
    lookupRetries: config.lookupRetries,
    retryDelayMs: config.retryDelayMs,
    onExchange: (x) => {
      if (events.enabled('debug')) events.debug('threema.http', `${x.method} ${x.path} -> ${x.status ?? x.error}`, { ...x });
    },
  });
  const ttl = config.publicKeyCacheTtlSeconds * 1000;
  const keys = new TtlCache<string, PeerKey>(ttl, clock);
  const ids = new TtlCache<string, string>(ttl, clock);
  const capabilities = new TtlCache<string, readonly string[]>(config.capabilitiesCacheTtlSeconds * 1000, clock);
  const fail = (cause: unknown): never => {
    throw isTransportError(cause) ? cause.withProvider(providerId) : new TransportError('UNAVAILABLE', 'unexpected failure', { cause, providerId });
  };

  const peerKey = (id: string, signal?: AbortSignal): Promise<PeerKey> =>
    keys.getOrLoad(id, async () => {
      const publicKey = await client.publicKey(id, signal);
      events.debug('threema.pubkey', `public key of ${id} fetched`, { id });
      return { publicKey, boxKey: sharedKey(publicKey, privateKey, id) };
    });

  const resolveId = async (address: string, signal?: AbortSignal): Promise<string> => {
    const recipient: Recipient | { error: string } = classifyRecipient(address);
    if ('error' in recipient) throw new TransportError('INVALID_RECIPIENT', `invalid Threema recipient: ${recipient.error}`, { field: 'to', upstream: { rejected: [address] } });
    if (recipient.kind === 'id') return recipient.id;
    return ids.getOrLoad(`${recipient.kind}:${recipient.hash}`, () => client.lookupHash(recipient.kind, recipient.hash, signal));
  };

  /** Pads (within the box limit) and encrypts content for a peer; no I/O. */
  const seal = (content: ThreemaContent, peer: PeerKey) => {
    const { type, data } = encodeContent(content);
    const padding = paddingLength(data.length, config.maxBoxBytes - BOX_OVERHEAD - 1 - data.length);
    return encryptBox(padContainer(type, data, padding), peer.boxKey);
  };

  /** Checks up front that content fits the box limit, so a multi-recipient send fails before any I/O. */
  const assertFits = (content: ThreemaContent) => {
    const { data } = encodeContent(content);
    paddingLength(data.length, config.maxBoxBytes - BOX_OVERHEAD - 1 - data.length);
  };

  const deliver = async (id: string, peer: PeerKey, content: ThreemaContent, signal?: AbortSignal): Promise<string> => {
    const { nonce, box } = seal(content, peer);
    return client.sendE2e(id, nonce, box, { noDeliveryReceipts: !config.deliveryReceipts, ...(signal ? { signal } : {}) });
  };

  const single = (to: string, messageId: string, credits: number, details: Record<string, unknown> = {}): SendResult => ({
    providerId,
    messageId,
    accepted: [to],
    rejected: [],
    cost: { amount: credits, unit: 'credits' },
    details,
  });

  const provider: ThreemaProvider = {
    kind: 'delivery',
    id: providerId,
    type: 'threema',
    channel: 'threema',
    gatewayId: config.gatewayId,
    publicKey: ownPublicKey,
    capabilities: {
      message: 'text',
      balance: true,
      unicode: true,
      attachments: true,
      deliveryReceipts: true,
      multipleRecipients: true,
    },
    validateAddress: checkRecipient,

    async send(message, sendOptions = {}) {
      const parsed = parseWith(textMessageSchema, message, 'MESSAGE_INVALID', 'message', providerId) as TextMessage;
      const content: ThreemaContent = { type: 'text', text: parsed.text };
      const signal = sendOptions.signal;
      try {
        assertFits(content);
        const targets: { address: string; id: string; peer: PeerKey }[] = [];
        for (const address of toArray(parsed.to)) {
          try {
            const id = await resolveId(address, signal);
            targets.push({ address, id, peer: await peerKey(id, signal) });
          } catch (cause) {
            if (isTransportError(cause) && cause.code === 'INVALID_RECIPIENT') {
              throw new TransportError('INVALID_RECIPIENT', `${cause.message}: ${address}`, {
                cause,
                field: 'message.to',
                upstream: { ...cause.upstream, rejected: [address] },
                details: { ...cause.details, rejections: [rejectionOf(address, cause)] },
              });
            }
            throw cause;
          }
        }
        // One message per Threema ID: a person reached by phone and e-mail, or listed twice, gets it once.
        const byId = new Map<string, { peer: PeerKey; addresses: string[] }>();
        for (const target of targets) {
          const entry = byId.get(target.id);
          if (entry) entry.addresses.push(target.address);
          else byId.set(target.id, { peer: target.peer, addresses: [target.address] });
        }
        const accepted: string[] = [];
        const rejected: string[] = [];
        const rejections: RecipientRejection[] = [];
        const messageIds: Record<string, string> = {};
        const identities: Record<string, string> = Object.fromEntries(targets.map((t) => [t.address, t.id]));
        let delivered = 0;
        let firstFailure: TransportError | undefined;
        const failures: TransportError[] = [];
        for (const [id, { peer, addresses }] of byId) {
          try {
            const messageId = await deliver(id, peer, content, signal);
            delivered += 1;
            for (const address of addresses) {
              messageIds[address] = messageId;
              accepted.push(address);
            }
          } catch (cause) {
            if (!isTransportError(cause) || cause.code === 'ABORTED') throw cause;
            firstFailure ??= cause;
            failures.push(cause);
            for (const address of addresses) {
              rejected.push(address);
              rejections.push(rejectionOf(address, cause));
            }
          }
        }
        if (accepted.length === 0) {
          // "Maybe sent" when any send may have reached the gateway; "not sent" only when none did.
          const outcomes = failures.map((f) => f.details?.outcome);
          const outcome = outcomes.includes('unknown') ? 'unknown' : outcomes.every((o) => o === 'not-sent') ? 'not-sent' : undefined;
          throw allRejected(firstFailure!.message, rejections, { providerId, cause: firstFailure, upstream: firstFailure!.upstream, ...(outcome === undefined ? {} : { outcome }) });
        }
        return {
          providerId,
          messageId: messageIds[accepted[0]!]!,
          accepted,
          rejected,
          ...(rejections.length > 0 ? { rejections } : {}),
          cost: { amount: delivered, unit: 'credits' },
          details: { messageIds, identities },
        };
      } catch (cause) {
        return fail(cause);
      }
    },

    async sendFile(to, file, sendOptions = {}) {
      const f = parseWith(fileSchema, file, 'MESSAGE_INVALID', 'file', providerId);
      const signal = sendOptions.signal;
      try {
        const id = await resolveId(to, signal);
        const peer = await peerKey(id, signal);
        const caps = await capabilities.getOrLoad(id, () => client.capabilities(id, signal));
        if (!caps.includes('file')) throw new TransportError('UNSUPPORTED', `recipient ${id} cannot receive files (no "file" capability)`, { field: 'to', upstream: { rejected: [to] } });
        const key = randomBlobKey();
        const blob = encryptBlob(f.data, key, 'file');
        const thumb = f.thumbnail ? encryptBlob(f.thumbnail.data, key, 'thumbnail') : undefined;
        if (blob.length > config.maxBlobBytes || (thumb?.length ?? 0) > config.maxBlobBytes) {
          throw new TransportError('MESSAGE_INVALID', `file is larger than the gateway's ${config.maxBlobBytes}-byte blob limit`, { field: 'file.data' });
        }
        const probe: FileMessageContent = {
          blobId: '0'.repeat(32),
          key: bytesToHex(key),
          mediaType: f.mediaType,
          size: f.data.length,
          renderingType: f.renderingType,
          name: f.name ?? defaultFileName(f.mediaType),
          ...(f.caption === undefined ? {} : { caption: f.caption }),
          ...(f.thumbnail === undefined ? {} : { thumbnailBlobId: '0'.repeat(32), thumbnailMediaType: f.thumbnail.mediaType }),
          ...(f.correlationId === undefined ? {} : { correlationId: f.correlationId }),
          ...(f.metadata === undefined ? {} : { metadata: f.metadata }),
        };
        assertFits({ type: 'file', file: probe });
        const blobId = await client.uploadBlob(blob, signal);
        const thumbnailBlobId = thumb ? await client.uploadBlob(thumb, signal) : undefined;
        const content: ThreemaContent = { type: 'file', file: { ...probe, blobId, ...(thumbnailBlobId === undefined ? {} : { thumbnailBlobId }) } };
        const messageId = await deliver(id, peer, content, signal);
        events.info('threema.file.sent', `file message sent to ${id}`, { messageId, to: id, size: f.data.length, mediaType: f.mediaType });
        return single(to, messageId, thumb ? 3 : 2, { blobId, ...(thumbnailBlobId === undefined ? {} : { thumbnailBlobId }) });
      } catch (cause) {
        events.error('threema.file.failed', 'file message failed', { to, code: isTransportError(cause) ? cause.code : 'UNAVAILABLE' });
        return fail(cause);
      }
    },

    async sendDeliveryReceipt(to, status, messageIds, sendOptions = {}) {
      const r = parseWith(receiptSchema, { status, messageIds }, 'MESSAGE_INVALID', 'receipt', providerId);
      try {
        const id = await resolveId(to, sendOptions.signal);
        const messageId = await deliver(id, await peerKey(id, sendOptions.signal), { type: 'delivery-receipt', ...r }, sendOptions.signal);
        events.info('threema.receipt.sent', `delivery receipt "${r.status}" sent to ${id}`, { messageId, to: id, count: r.messageIds.length });
        return single(to, messageId, 1);
      } catch (cause) {
        return fail(cause);
      }
    },

    async resolveRecipient(address, o = {}) {
      return resolveId(address, o.signal).catch(fail);
    },

    async lookupPublicKey(threemaId, o = {}) {
      const id = await resolveId(threemaId, o.signal).catch(fail);
      return encodeKey('public', (await peerKey(id, o.signal).catch(fail)).publicKey);
    },

    async capabilitiesOf(threemaId, o = {}) {
      const id = await resolveId(threemaId, o.signal).catch(fail);
      return capabilities.getOrLoad(id, () => client.capabilities(id, o.signal)).catch(fail);
    },

    async bulkLookup(input, o = {}) {
      const parsed = parseWith(
        z.object({ phones: z.array(z.string()).max(1000).default([]), emails: z.array(z.string().refine((v) => v.includes('@'), 'must be an e-mail address')).max(1000).default([]) }),
        input,
        'MESSAGE_INVALID',
        'lookup',
        providerId,
      );
      // Every input in order, with its hash key; duplicates (also other spellings) share a key.
      const inputs: { input: string; kind: 'phone' | 'email'; key: string }[] = [];
      for (const [kind, list] of [['phone', parsed.phones], ['email', parsed.emails]] as const) {
        for (const value of list) {
          const r = classifyRecipient(value);
          if ('error' in r || r.kind !== kind) throw new TransportError('INVALID_RECIPIENT', `invalid ${kind} in bulk lookup: ${value}`, { providerId, field: `lookup.${kind}s` });
          inputs.push({ input: value, kind, key: `${kind}:${r.hash}` });
        }
      }
      const hashes = (kind: string) => [...new Set(inputs.filter((i) => i.kind === kind).map((i) => i.key.slice(kind.length + 1)))];
      try {
        const hits = await client.bulkLookup(hashes('phone'), hashes('email'), o.signal);
        const found = new Map<string, { identity: string; publicKey: Uint8Array }>();
        for (const hit of hits) {
          const key = hit.phoneHash !== undefined ? `phone:${hit.phoneHash}` : `email:${hit.emailHash}`;
          if (isLowOrderPublicKey(hit.publicKey)) {
            events.warn('threema.lookup.bad-key', `the gateway listed a low-order public key for ${hit.identity}; the match is dropped`, { identity: hit.identity });
            continue;
          }
          found.set(key, hit);
          ids.set(key, hit.identity);
          keys.set(hit.identity, { publicKey: hit.publicKey, boxKey: sharedKey(hit.publicKey, privateKey, hit.identity) });
        }
        return inputs.flatMap(({ input, kind, key }) => {
          const hit = found.get(key);
          return hit === undefined ? [] : [{ input, kind, identity: hit.identity, publicKey: encodeKey('public', hit.publicKey) }];
        });
      } catch (cause) {
        return fail(cause);
      }
    },

    async receive(body, o = {}) {
      try {
        const callback = parseCallback(body, { secret, gatewayId: config.gatewayId });
        const message = openCallback(callback, (await peerKey(callback.from, o.signal)).boxKey);
        events.info('threema.received', `${message.type} message received from ${message.from}`, { from: message.from, messageId: message.messageId, type: message.type });
        return message;
      } catch (cause) {
        const e = isTransportError(cause) ? cause : undefined;
        events.error('threema.receive.failed', `callback refused: ${e?.message ?? 'unexpected failure'}`, { code: e?.code, reason: e?.details?.reason });
        return fail(cause);
      }
    },

    async downloadFile(file, o = {}) {
      try {
        const key = hexToBytes(file.key, 32, { code: 'MESSAGE_INVALID', field: 'file.key' });
        const data = decryptBlob(await client.downloadBlob(file.blobId, o.signal), key, 'file');
        if (file.thumbnailBlobId === undefined) return { data };
        return { data, thumbnail: decryptBlob(await client.downloadBlob(file.thumbnailBlobId, o.signal), key, 'thumbnail') };
      } catch (cause) {
        return fail(cause);
      }
    },

    async downloadImage(image, o = {}) {
      try {
        const nonce = hexToBytes(image.nonce, 24, { code: 'MESSAGE_INVALID', field: 'image.nonce' });
        const blob = await client.downloadBlob(image.blobId, o.signal);
        return decryptBox(blob, nonce, (await peerKey(image.from, o.signal)).boxKey);
      } catch (cause) {
        return fail(cause);
      }
    },

    async verify(o = {}) {
      const credits = await client.credits(o.signal).catch(fail);
      return { detail: `Gateway ID ${config.gatewayId} accepted, ${credits} credits` };
    },

    async getBalance(o = {}) {
      const amount = await client.credits(o.signal).catch(fail);
      return { amount, unit: 'credits', checkedAt: new Date(clock.now()).toISOString() };
    },

    async diagnostics(): Promise<Omit<TestStep, 'durationMs'>[]> {
      try {
        const registered = encodeKey('public', await client.publicKey(config.gatewayId));
        return registered === ownPublicKey
          ? [{ name: 'key pair', ok: true, detail: 'the private key matches the public key registered for the Gateway ID' }]
          : [{ name: 'key pair', ok: false, code: 'CONFIG_INVALID', detail: `the private key does not match the public key registered for ${config.gatewayId}` }];
      } catch (cause) {
        const e = isTransportError(cause) ? cause : new TransportError('UNAVAILABLE', 'key check failed', { cause });
        return [{ name: 'key pair', ok: false, code: e.code, detail: `registered public key not readable: ${e.message}` }];
      }
    },

    async close() {
      keys.clear();
      ids.clear();
      capabilities.clear();
    },
  };
  return provider;
}

/**
 * The Threema.Gateway provider type (end-to-end mode only). Secrets: `secret` (API secret) and
 * `privateKey` (`private:<64 hex>`, made by `generateKeyPair()` or `transportkit threema keygen`). Recipients may be Threema IDs,
 * E.164 phone numbers (`+41...`) or e-mail addresses, resolved through hashed lookups.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { threema } from 'transportkit/threema';
 * const registry = createRegistry({ types: [threema()], secretKeys });
 * const p = await registry.create({
 *   type: 'threema',
 *   config: { gatewayId: '*MYGWID1' },
 *   secrets: { secret: process.env.THREEMA_SECRET!, privateKey: process.env.THREEMA_PRIVATE_KEY! },
 * });
 * await registry.send(p.id, { to: 'ECHOECHO', text: 'Hello' });
 * ```
 */
export function threema(options: ThreemaOptions = {}): ThreemaProviderType {
  return {
    type: 'threema',
    kind: 'delivery',
    channel: 'threema',
    configSchema: threemaConfigSchema,
    secretFields: ['secret', 'privateKey'],
    create: (config, secrets, context) => createThreemaProvider(config, secrets, context, options),
  };
}

/** True when a resolved provider is a Threema provider (for `sendFile`, `receive`, ...). */
export function isThreemaProvider(provider: unknown): provider is ThreemaProvider {
  return typeof provider === 'object' && provider !== null && (provider as { type?: unknown }).type === 'threema' && typeof (provider as ThreemaProvider).receive === 'function';
}
