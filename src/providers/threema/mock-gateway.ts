import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request, Response } from 'undici';
import { bytesToHex, hexToBytes } from './bytes.js';
import { callbackMac } from './callback.js';
import { DEFAULT_MAX_BOX_BYTES } from './config.js';
import { decodeContent, encodeContent, type ThreemaContent } from './content.js';
import { decryptBlob, decryptBox, encryptBox, padContainer, sharedKey, unpadContainer } from './e2e.js';
import { hashEmail, hashPhone, normalizeEmail, normalizePhone } from './hash.js';
import { decodePrivateKey, decodePublicKey, derivePublicKey, generateKeyPair } from './keys.js';

/** Endpoints of the mock, as named in counters, failure injection and the request log. */
export type MockEndpoint = 'send_e2e' | 'send_simple' | 'pubkeys' | 'lookup' | 'lookup_bulk' | 'capabilities' | 'credits' | 'upload_blob' | 'blobs';

/** A Threema user the mock knows (it holds the private key, so it can read what they receive). */
export interface ThreemaMockUser {
  readonly id: string;
  readonly privateKey: string;
  readonly publicKey: string;
  readonly phone?: string;
  readonly email?: string;
  readonly capabilities: readonly string[];
}

/** How to add a user: everything but the ID is optional (a key pair is generated). */
export interface ThreemaMockUserInput {
  readonly id: string;
  readonly privateKey?: string;
  /** A public key without private key: the mock cannot decrypt for this user (e.g. a low-order key). */
  readonly publicKey?: string;
  readonly phone?: string;
  readonly email?: string;
  /** Default `text,image,video,audio,file`. */
  readonly capabilities?: readonly string[];
}

/** Options of {@link startThreemaGatewayMock}. */
export interface ThreemaGatewayMockOptions {
  /** The API identity (default `*TESTGWY`). */
  readonly gatewayId?: string;
  /** API secret (default: random). */
  readonly secret?: string;
  /** The gateway's private key (default: generated); the mock derives the public key it publishes. */
  readonly privateKey?: string;
  /** Starting credits (default 100). */
  readonly credits?: number;
  /** Users (default: one, `ECHOECHO`, phone `41791234567`, e-mail `echoecho@example.com`). */
  readonly users?: readonly ThreemaMockUserInput[];
  /** Largest accepted box in bytes (default 7812, the provider's default `maxBoxBytes`; older API docs said 4000). */
  readonly maxBoxBytes?: number;
  /** Largest accepted blob (default 20 MiB). */
  readonly maxBlobBytes?: number;
}

/** What a recipient received, as the mock decrypted it. */
export interface MockReceivedMessage {
  readonly from: string;
  readonly to: string;
  /** The message id the mock answered with. */
  readonly messageId: string;
  readonly nonce: string;
  readonly box: string;
  readonly noDeliveryReceipts: boolean;
  /** Decoded content when the box decrypted and parsed; otherwise `error` says why. */
  readonly content?: ThreemaContent;
  /** Padding length the sender used. */
  readonly padding?: number;
  /** For file messages: the decrypted blobs, as the recipient's app would show them. */
  readonly file?: { readonly data: Uint8Array; readonly thumbnail?: Uint8Array };
  readonly error?: string;
}

/** One logged request (the query, which holds the secret, is dropped). */
export interface MockRequest {
  readonly method: string;
  readonly endpoint: MockEndpoint | 'unknown';
  readonly path: string;
  readonly status: number;
}

/** Options of {@link ThreemaGatewayMock.failNext}. */
export interface MockFailure {
  /** Status to answer with (default: none, the request is then only delayed). */
  readonly status?: number;
  /** How many requests are affected (default 1). */
  readonly times?: number;
  /** Delay before answering, in milliseconds (a slow gateway). */
  readonly delayMs?: number;
  /** Retry-After header (seconds) on the injected answer. */
  readonly retryAfter?: number;
  /** Body of the injected answer (default empty), e.g. a malformed key with `status: 200`. */
  readonly body?: string;
}

/** A running mock gateway. */
export interface ThreemaGatewayMock {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:41234/`. */
  readonly url: string;
  readonly gatewayId: string;
  readonly secret: string;
  /** `private:...` of the gateway ID: give it to the provider. */
  readonly privateKey: string;
  readonly publicKey: string;
  /** Every message sent through `send_e2e`, decrypted, oldest first. */
  readonly received: readonly MockReceivedMessage[];
  /** Requests per endpoint (e.g. `counters.pubkeys` counts public-key lookups). */
  readonly counters: Readonly<Record<MockEndpoint, number>>;
  readonly requests: readonly MockRequest[];
  /** Current credits. */
  readonly credits: number;
  /** Sets the credits (0 makes sends and uploads answer 402). */
  setCredits(credits: number): void;
  /** Messages a user received. */
  inbox(userId: string): MockReceivedMessage[];
  /** Adds (or replaces) a user; a key pair is generated unless given. */
  addUser(user: ThreemaMockUserInput): ThreemaMockUser;
  /** A user with its key pair, e.g. to build callbacks by hand. */
  user(id: string): ThreemaMockUser | undefined;
  /** Makes the next request(s) to an endpoint fail with a status and/or answer slowly. */
  failNext(endpoint: MockEndpoint, failure: MockFailure): void;
  /** A callback form (MAC'd with the secret) as the gateway would POST it for a message from a user. */
  callback(from: string, content: ThreemaContent, options?: { readonly nickname?: string; readonly date?: Date }): { readonly body: string; readonly fields: Readonly<Record<string, string>> };
  /**
   * Stages a deprecated image message (type 0x02) from a user, as an older app sends it: the
   * image is boxed with the user's and the gateway's key pair and stored as a blob. Play the
   * returned content with {@link callback} or {@link postCallback}.
   */
  storeImage(from: string, image: Uint8Array): ThreemaContent & { readonly type: 'image' };
  /** POSTs such a callback to a URL; resolves with the HTTP status. */
  postCallback(url: string, from: string, content: ThreemaContent, options?: { readonly nickname?: string }): Promise<number>;
  /** Config and secrets for a provider record pointing at this mock. */
  providerSettings(): { readonly config: { readonly gatewayId: string; readonly gatewayUrl: string }; readonly secrets: { readonly secret: string; readonly privateKey: string } };
  /** Clears received messages, counters, the request log and injected failures. */
  reset(): void;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

const ENDPOINTS: readonly MockEndpoint[] = ['send_e2e', 'send_simple', 'pubkeys', 'lookup', 'lookup_bulk', 'capabilities', 'credits', 'upload_blob', 'blobs'];
const MAX_BODY = 25 * 1024 * 1024;

/** The plaintext lookups normalise as the hash lookups do, so a user is found by either. */
function samePhone(a: string, b: string): boolean {
  try {
    return normalizePhone(a) === normalizePhone(b);
  } catch {
    return false;
  }
}

function sameEmail(a: string, b: string): boolean {
  try {
    return normalizeEmail(a) === normalizeEmail(b);
  } catch {
    return false;
  }
}

class HttpStatus extends Error {
  constructor(
    readonly status: number,
    readonly body = '',
  ) {
    super(`HTTP ${status}`);
  }
}

function zeroCounters(): Record<MockEndpoint, number> {
  return Object.fromEntries(ENDPOINTS.map((e) => [e, 0])) as Record<MockEndpoint, number>;
}

/**
 * Starts a Threema.Gateway mock on 127.0.0.1 (ephemeral port) implementing the E2E API with its
 * status codes: 401 bad credentials, 402 no credits, 400/404 unknown recipient, 413 too long,
 * injected 5xx and slow answers. It holds its users' key pairs and really decrypts every box it
 * receives, so tests assert on what a recipient would read.
 */
export async function startThreemaGatewayMock(options: ThreemaGatewayMockOptions = {}): Promise<ThreemaGatewayMock> {
  const gatewayId = options.gatewayId ?? '*TESTGWY';
  const secret = options.secret ?? randomBytes(16).toString('hex');
  const privateKey = options.privateKey ?? generateKeyPair().privateKey;
  const gatewayPublic = decodePublicKey(derivePublicKey(privateKey));
  const maxBox = options.maxBoxBytes ?? DEFAULT_MAX_BOX_BYTES;
  const maxBlob = options.maxBlobBytes ?? 20 * 1024 * 1024;
  let credits = options.credits ?? 100;
  const users = new Map<string, ThreemaMockUser & { readonly secretKey?: Uint8Array; readonly rawPublic: Uint8Array }>();
  const blobs = new Map<string, Uint8Array>();
  let received: MockReceivedMessage[] = [];
  let requests: MockRequest[] = [];
  let counters = zeroCounters();
  let failures: (MockFailure & { endpoint: MockEndpoint; remaining: number })[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const addUser = (input: ThreemaMockUserInput): ThreemaMockUser => {
    const keys = input.privateKey !== undefined ? { privateKey: input.privateKey, publicKey: derivePublicKey(input.privateKey) } : input.publicKey !== undefined ? { privateKey: '', publicKey: input.publicKey } : generateKeyPair();
    const rawPublic = hexToBytes(keys.publicKey.replace(/^public:/, ''), 32, { code: 'CONFIG_INVALID', field: 'publicKey' });
    const user = {
      id: input.id,
      privateKey: keys.privateKey,
      publicKey: keys.publicKey,
      capabilities: input.capabilities ?? ['text', 'image', 'video', 'audio', 'file'],
      ...(input.phone === undefined ? {} : { phone: input.phone }),
      ...(input.email === undefined ? {} : { email: input.email }),
      rawPublic,
      ...(keys.privateKey === '' ? {} : { secretKey: decodePrivateKey(keys.privateKey) }),
    };
    users.set(input.id, user);
    return publicView(user);
  };
  const publicView = ({ rawPublic: _r, secretKey: _s, ...user }: ThreemaMockUser & { rawPublic: Uint8Array; secretKey?: Uint8Array }): ThreemaMockUser => user;
  for (const u of options.users ?? [{ id: 'ECHOECHO', phone: '41791234567', email: 'echoecho@example.com' }]) addUser(u);

  const findBy = (kind: 'phone' | 'email', hash: string) =>
    [...users.values()].find((u) => (kind === 'phone' ? u.phone !== undefined && hashPhone(u.phone) === hash : u.email !== undefined && hashEmail(u.email) === hash));

  const decryptFor = (to: string, nonceHex: string, boxHex: string): Pick<MockReceivedMessage, 'content' | 'padding' | 'file' | 'error'> => {
    const user = users.get(to);
    if (user?.secretKey === undefined) return { error: 'the mock holds no private key for this recipient' };
    try {
      const plaintext = decryptBox(hexToBytes(boxHex, undefined, { code: 'MESSAGE_INVALID', field: 'box' }), hexToBytes(nonceHex, 24, { code: 'MESSAGE_INVALID', field: 'nonce' }), sharedKey(gatewayPublic, user.secretKey));
      const { type, data } = unpadContainer(plaintext);
      const content = decodeContent(type, data);
      const padding = plaintext[plaintext.length - 1]!;
      if (content.type !== 'file') return { content, padding };
      // The official SDKs refuse a file message without a name: a recipient using one could not read it.
      if (content.file.name === undefined) return { content, padding, error: 'file message without a name (n): the official SDKs cannot parse it' };
      const key = hexToBytes(content.file.key, 32, { code: 'MESSAGE_INVALID', field: 'k' });
      const blob = blobs.get(content.file.blobId);
      const thumb = content.file.thumbnailBlobId === undefined ? undefined : blobs.get(content.file.thumbnailBlobId);
      if (blob === undefined) return { content, padding, error: 'file blob was never uploaded' };
      const file = { data: decryptBlob(blob, key, 'file'), ...(thumb === undefined ? {} : { thumbnail: decryptBlob(thumb, key, 'thumbnail') }) };
      return { content, padding, file };
    } catch (cause) {
      return { error: cause instanceof Error ? cause.message : String(cause) };
    }
  };

  const route = (method: string, path: string): { endpoint: MockEndpoint | 'unknown'; rest: string[] } => {
    const parts = path.split('/').filter((p) => p.length > 0).map(decodeURIComponent);
    const [head, ...rest] = parts;
    if (head === 'lookup' && rest[0] === 'bulk' && method === 'POST') return { endpoint: 'lookup_bulk', rest: [] };
    const known: Record<string, MockEndpoint> = { send_e2e: 'send_e2e', send_simple: 'send_simple', pubkeys: 'pubkeys', lookup: 'lookup', capabilities: 'capabilities', credits: 'credits', upload_blob: 'upload_blob', blobs: 'blobs' };
    return { endpoint: head !== undefined && known[head] !== undefined ? known[head]! : 'unknown', rest };
  };

  const handle = async (endpoint: MockEndpoint, rest: string[], query: URLSearchParams, body: Buffer, contentType: string): Promise<string | Uint8Array> => {
    const form = contentType.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
    const creds = endpoint === 'send_e2e' || endpoint === 'send_simple' ? form : query;
    if (creds.get('from') !== gatewayId || creds.get('secret') !== secret) throw new HttpStatus(401);
    switch (endpoint) {
      case 'credits':
        return String(credits);
      case 'pubkeys':
      case 'capabilities': {
        const user = users.get(rest[0] ?? '');
        if (rest[0] === gatewayId && endpoint === 'pubkeys') return bytesToHex(gatewayPublic);
        if (user === undefined || rest.length !== 1) throw new HttpStatus(404);
        return endpoint === 'pubkeys' ? bytesToHex(user.rawPublic) : user.capabilities.join(',');
      }
      case 'lookup': {
        const [kind, value = ''] = rest;
        let user: ThreemaMockUser | undefined;
        if (kind === 'phone_hash' || kind === 'email_hash') {
          if (!/^[0-9a-f]{64}$/.test(value)) throw new HttpStatus(value.length % 2 === 1 ? 500 : 400);
          user = findBy(kind === 'phone_hash' ? 'phone' : 'email', value);
        } else if (kind === 'phone') user = [...users.values()].find((u) => u.phone !== undefined && samePhone(u.phone, value));
        else if (kind === 'email') user = [...users.values()].find((u) => u.email !== undefined && sameEmail(u.email, value));
        else throw new HttpStatus(404);
        if (user === undefined) throw new HttpStatus(404);
        return user.id;
      }
      case 'lookup_bulk': {
        let parsed: { phoneHashes?: unknown; emailHashes?: unknown };
        try {
          parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
        } catch {
          throw new HttpStatus(400);
        }
        const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) && v.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h)) ? (v as string[]) : undefined);
        const phones = list(parsed.phoneHashes);
        const emails = list(parsed.emailHashes);
        if (phones === undefined || emails === undefined) throw new HttpStatus(400);
        if (phones.length + emails.length > 1000) throw new HttpStatus(413);
        const hits = [
          ...phones.flatMap((h) => { const u = findBy('phone', h); return u ? [{ phoneHash: h, identity: u.id, publicKey: bytesToHex(u.rawPublic) }] : []; }),
          ...emails.flatMap((h) => { const u = findBy('email', h); return u ? [{ emailHash: h, identity: u.id, publicKey: bytesToHex(u.rawPublic) }] : []; }),
        ];
        return JSON.stringify(hits);
      }
      case 'send_simple':
        throw new HttpStatus(400, 'the mock Gateway ID is set up for end-to-end mode only');
      case 'send_e2e': {
        if (credits <= 0) throw new HttpStatus(402);
        const to = form.get('to') ?? '';
        const nonce = form.get('nonce') ?? '';
        const box = form.get('box') ?? '';
        if (!users.has(to) || !/^[0-9a-fA-F]{48}$/.test(nonce) || !/^(?:[0-9a-fA-F]{2})+$/.test(box)) throw new HttpStatus(400);
        if (box.length / 2 > maxBox) throw new HttpStatus(413);
        credits -= 1;
        const messageId = randomBytes(8).toString('hex');
        received.push({ from: gatewayId, to, messageId, nonce, box, noDeliveryReceipts: form.get('noDeliveryReceipts') === '1', ...decryptFor(to, nonce, box) });
        return messageId;
      }
      case 'upload_blob': {
        if (credits <= 0) throw new HttpStatus(402);
        let blob: Uint8Array;
        try {
          const part = (await new Response(body, { headers: { 'content-type': contentType } }).formData()).get('blob');
          if (part === null || typeof part === 'string') throw new HttpStatus(400);
          blob = new Uint8Array(await part.arrayBuffer());
        } catch (cause) {
          throw cause instanceof HttpStatus ? cause : new HttpStatus(400);
        }
        if (blob.length === 0) throw new HttpStatus(400);
        if (blob.length > maxBlob) throw new HttpStatus(413);
        credits -= 1;
        const id = createHash('sha256').update(blob).digest('hex').slice(0, 32);
        blobs.set(id, blob);
        return id;
      }
      case 'blobs': {
        const blob = blobs.get(rest[0] ?? '');
        if (blob === undefined) throw new HttpStatus(404);
        return blob;
      }
    }
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://mock');
        const { endpoint, rest } = route(req.method ?? 'GET', url.pathname);
        const send = (status: number, body: string | Uint8Array, headers: Record<string, string> = {}) => {
          requests.push({ method: req.method ?? 'GET', endpoint, path: url.pathname, status });
          if (res.destroyed) return;
          res.writeHead(status, { 'content-type': typeof body === 'string' ? (body.startsWith('[') ? 'application/json' : 'text/plain') : 'application/octet-stream', ...headers });
          res.end(body);
        };
        if (endpoint === 'unknown') return send(404, '');
        counters[endpoint] += 1;
        const failure = failures.find((f) => f.endpoint === endpoint);
        if (failure) {
          failure.remaining -= 1;
          if (failure.remaining <= 0) failures = failures.filter((f) => f !== failure);
          if (failure.delayMs !== undefined) await wait(failure.delayMs);
          if (failure.status !== undefined) return send(failure.status, failure.body ?? '', failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) });
        }
        if (size > MAX_BODY) return send(413, '');
        try {
          send(200, await handle(endpoint, rest, url.searchParams, Buffer.concat(chunks), req.headers['content-type'] ?? ''));
        } catch (cause) {
          send(cause instanceof HttpStatus ? cause.status : 500, cause instanceof HttpStatus ? cause.body : '');
        }
      })();
    });
  };

  const server: Server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const callback: ThreemaGatewayMock['callback'] = (from, content, o = {}) => {
    const user = users.get(from);
    if (user?.secretKey === undefined) throw new Error(`the mock holds no private key for ${from}`);
    const { type, data } = encodeContent(content);
    const { nonce, box } = encryptBox(padContainer(type, data), sharedKey(gatewayPublic, user.secretKey));
    const fields: Record<string, string> = {
      from,
      to: gatewayId,
      messageId: randomBytes(8).toString('hex'),
      date: String(Math.floor((o.date ?? new Date()).getTime() / 1000)),
      nonce: bytesToHex(nonce),
      box: bytesToHex(box),
    };
    fields.mac = callbackMac(fields as Parameters<typeof callbackMac>[0], secret);
    if (o.nickname !== undefined) fields.nickname = o.nickname;
    return { body: new URLSearchParams(fields).toString(), fields };
  };

  return {
    url,
    gatewayId,
    secret,
    privateKey,
    publicKey: derivePublicKey(privateKey),
    get received() {
      return received;
    },
    get counters() {
      return counters;
    },
    get requests() {
      return requests;
    },
    get credits() {
      return credits;
    },
    setCredits(value) {
      credits = value;
    },
    inbox: (userId) => received.filter((m) => m.to === userId),
    addUser,
    user(id) {
      const u = users.get(id);
      return u === undefined ? undefined : publicView(u);
    },
    failNext(endpoint, failure) {
      failures.push({ ...failure, endpoint, remaining: failure.times ?? 1 });
    },
    callback,
    storeImage(from, image) {
      const user = users.get(from);
      if (user?.secretKey === undefined) throw new Error(`the mock holds no private key for ${from}`);
      const { nonce, box } = encryptBox(image, sharedKey(gatewayPublic, user.secretKey));
      const blobId = randomBytes(16).toString('hex');
      blobs.set(blobId, box);
      return { type: 'image', blobId, size: image.length, nonce: bytesToHex(nonce) };
    },
    async postCallback(target, from, content, o = {}) {
      const res = await request(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: callback(from, content, o).body });
      await res.body.dump();
      return res.statusCode;
    },
    providerSettings: () => ({ config: { gatewayId, gatewayUrl: url }, secrets: { secret, privateKey } }),
    reset() {
      received = [];
      requests = [];
      counters = zeroCounters();
      failures = [];
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
