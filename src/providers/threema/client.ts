import { randomBytes } from 'node:crypto';
import util from 'node:util';
import { abortedError, sleep } from '../../core/abort.js';
import { TransportError, type TransportErrorCode } from '../../core/errors.js';
import { Redactor } from '../../core/events.js';
import { bytesToHex } from './bytes.js';
import type { HttpResponse, HttpTransport } from '../http.js';
import { parseRetryAfter } from '../../core/retry-after.js';
import { assertContributoryPublicKey, decodeKey } from './keys.js';

/** What an endpoint is, which decides how its status codes map to error codes. */
type EndpointKind = 'send' | 'lookup' | 'bulk' | 'upload' | 'download' | 'credits';

/** One HTTP exchange, reported for debug events (path without the query: it holds the secret). */
export interface GatewayExchange {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly attempt: number;
  readonly durationMs: number;
  readonly error?: string;
}

/** Settings of a {@link GatewayClient}. */
export interface GatewayClientOptions {
  /** Base URL, e.g. `https://msgapi.threema.ch/`. */
  readonly baseUrl: string;
  readonly gatewayId: string;
  readonly secret: string;
  readonly http: HttpTransport;
  readonly timeoutMs: number;
  /** Extra attempts of idempotent lookups after a transient failure. */
  readonly lookupRetries: number;
  /** First backoff delay; doubled per attempt. */
  readonly retryDelayMs: number;
  /** Longest Retry-After a lookup waits for before giving up. */
  readonly maxRetryAfterMs?: number;
  /** Told about every exchange (for debug events). */
  readonly onExchange?: (exchange: GatewayExchange) => void;
}

/** One hit of a bulk lookup. */
export interface BulkLookupHit {
  readonly identity: string;
  readonly publicKey: Uint8Array;
  readonly phoneHash?: string;
  readonly emailHash?: string;
}

interface CallOptions {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly kind: EndpointKind;
  /** Form fields (send_e2e): the credentials go in the form. */
  readonly form?: Readonly<Record<string, string>>;
  readonly body?: { readonly contentType: string; readonly data: string | Uint8Array };
  readonly signal?: AbortSignal;
}

const STATUS_TEXT: Readonly<Record<EndpointKind, Readonly<Record<number, [TransportErrorCode, string]>>>> = {
  send: {
    400: ['INVALID_RECIPIENT', 'recipient invalid or the Gateway ID is not set up for end-to-end mode'],
    404: ['INVALID_RECIPIENT', 'recipient not found'],
    413: ['MESSAGE_INVALID', 'message too long'],
  },
  lookup: {
    400: ['INVALID_RECIPIENT', 'malformed lookup (wrong hash length or ID)'],
    404: ['INVALID_RECIPIENT', 'no Threema ID found'],
  },
  bulk: {
    400: ['MESSAGE_INVALID', 'malformed bulk lookup (invalid JSON or hash length)'],
    413: ['MESSAGE_INVALID', 'too many hashes in one bulk lookup'],
  },
  upload: {
    400: ['MESSAGE_INVALID', 'blob missing or empty'],
    413: ['MESSAGE_INVALID', 'blob too big'],
  },
  download: {
    404: ['NOT_FOUND', 'blob not found (expired or already deleted)'],
  },
  credits: {},
};

const COMMON: Readonly<Record<number, [TransportErrorCode, string]>> = {
  401: ['AUTH_FAILED', 'Gateway ID or API secret rejected'],
  402: ['INSUFFICIENT_CREDIT', 'no credits left'],
  403: ['AUTH_FAILED', 'forbidden for this Gateway ID'],
  429: ['RATE_LIMITED', 'rate limited by the gateway'],
};

const ID = /^[A-Z0-9*][A-Z0-9]{7}$/;

/**
 * The raw Threema.Gateway HTTP client: one method per endpoint, the credentials placed where the
 * API wants them, statuses mapped to TransportErrors per endpoint, transient failures of
 * idempotent lookups retried with backoff (sends and uploads never). Caching is the caller's job.
 */
export class GatewayClient {
  private readonly base: URL;
  private readonly redactor: Redactor;

  /** Prints the gateway and its ID only: the options hold the API secret. */
  [util.inspect.custom](): string {
    return `GatewayClient { base: ${JSON.stringify(this.base.href)}, gatewayId: ${JSON.stringify(this.options.gatewayId)} }`;
  }

  constructor(private readonly options: GatewayClientOptions) {
    this.base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.redactor = new Redactor([options.secret]);
  }

  /** `send_e2e`: returns the gateway's message id (16 hex digits). Never retried. */
  async sendE2e(to: string, nonce: Uint8Array, box: Uint8Array, extra: { readonly noDeliveryReceipts?: boolean; readonly signal?: AbortSignal } = {}): Promise<string> {
    const form: Record<string, string> = { to, nonce: bytesToHex(nonce), box: bytesToHex(box) };
    if (extra.noDeliveryReceipts === true) form.noDeliveryReceipts = '1';
    const text = await this.text({ method: 'POST', path: 'send_e2e', kind: 'send', form, ...signalOf(extra.signal) });
    return this.expect(text, /^[0-9a-fA-F]{16}$/, 'message id').toLowerCase();
  }

  /**
   * `/pubkeys/{id}`: the validated public key. An answer that is no key at all is the gateway's
   * fault (`UNAVAILABLE`); a well-formed low-order key is the recipient's (`INVALID_RECIPIENT`).
   */
  async publicKey(threemaId: string, signal?: AbortSignal): Promise<Uint8Array> {
    const text = await this.idempotent({ method: 'GET', path: `pubkeys/${encodeURIComponent(threemaId)}`, kind: 'lookup', ...signalOf(signal) });
    const key = this.gatewayKey(text.trim(), 'public key');
    assertContributoryPublicKey(key, { code: 'INVALID_RECIPIENT', field: 'to', owner: threemaId });
    return key;
  }

  /** `/lookup/phone_hash/{hash}` or `/lookup/email_hash/{hash}`: the Threema ID. */
  async lookupHash(kind: 'phone' | 'email', hash: string, signal?: AbortSignal): Promise<string> {
    const text = await this.idempotent({ method: 'GET', path: `lookup/${kind}_hash/${hash}`, kind: 'lookup', ...signalOf(signal) });
    return this.expect(text, ID, 'Threema ID');
  }

  /** `/capabilities/{id}`: lowercase capability names (unknown ones kept; match what you need). */
  async capabilities(threemaId: string, signal?: AbortSignal): Promise<readonly string[]> {
    const text = await this.idempotent({ method: 'GET', path: `capabilities/${encodeURIComponent(threemaId)}`, kind: 'lookup', ...signalOf(signal) });
    return text.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c.length > 0);
  }

  /** `/credits`: the remaining credits of the account. */
  async credits(signal?: AbortSignal): Promise<number> {
    const text = await this.idempotent({ method: 'GET', path: 'credits', kind: 'credits', ...signalOf(signal) });
    return Number(this.expect(text, /^-?\d+$/, 'credit count'));
  }

  /** `/lookup/bulk`: hits for phone and e-mail hashes (idempotent, so retried). */
  async bulkLookup(phoneHashes: readonly string[], emailHashes: readonly string[], signal?: AbortSignal): Promise<BulkLookupHit[]> {
    const data = JSON.stringify({ phoneHashes, emailHashes });
    const text = await this.idempotent({ method: 'POST', path: 'lookup/bulk', kind: 'bulk', body: { contentType: 'application/json', data }, ...signalOf(signal) });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.malformed('bulk lookup result');
    }
    if (!Array.isArray(parsed)) throw this.malformed('bulk lookup result');
    return parsed.map((entry: Record<string, unknown>) => {
      if (typeof entry?.identity !== 'string' || !ID.test(entry.identity) || typeof entry.publicKey !== 'string') throw this.malformed('bulk lookup entry');
      return {
        identity: entry.identity,
        publicKey: this.gatewayKey(entry.publicKey, 'public key in the bulk lookup result'),
        ...(typeof entry.phoneHash === 'string' ? { phoneHash: entry.phoneHash.toLowerCase() } : {}),
        ...(typeof entry.emailHash === 'string' ? { emailHash: entry.emailHash.toLowerCase() } : {}),
      };
    });
  }

  /** `/upload_blob` (multipart, credentials in the query): the blob id. Costs a credit, never retried. */
  async uploadBlob(blob: Uint8Array, signal?: AbortSignal): Promise<string> {
    const boundary = `----transportkit${randomBytes(12).toString('hex')}`;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="blob"; filename="blob.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const data = new Uint8Array(Buffer.concat([Buffer.from(head), blob, Buffer.from(`\r\n--${boundary}--\r\n`)]));
    const text = await this.text({ method: 'POST', path: 'upload_blob', kind: 'upload', body: { contentType: `multipart/form-data; boundary=${boundary}`, data }, ...signalOf(signal) });
    return this.expect(text, /^[0-9a-fA-F]{32}$/, 'blob id').toLowerCase();
  }

  /** `/blobs/{id}`: the encrypted blob bytes. */
  async downloadBlob(blobId: string, signal?: AbortSignal): Promise<Uint8Array> {
    if (!/^[0-9a-fA-F]{32}$/.test(blobId)) throw new TransportError('MESSAGE_INVALID', 'blob id must be 32 hex digits', { field: 'blobId' });
    return (await this.withRetry({ method: 'GET', path: `blobs/${blobId}`, kind: 'download', ...signalOf(signal) })).body;
  }

  private expect(text: string, pattern: RegExp, what: string): string {
    const value = text.trim();
    if (!pattern.test(value)) throw this.malformed(what);
    return value;
  }

  /** A key the gateway answered with; not 64 hex digits is a malformed answer (the gateway's fault). */
  private gatewayKey(text: string, what: string): Uint8Array {
    try {
      return decodeKey('public', text, { code: 'UNAVAILABLE', field: 'publicKey' });
    } catch {
      throw this.malformed(what);
    }
  }

  private malformed(what: string): TransportError {
    return new TransportError('UNAVAILABLE', `the gateway answered with a malformed ${what}`, { retryable: false });
  }

  private async text(call: CallOptions): Promise<string> {
    return Buffer.from((await this.once(call, 1)).body).toString('utf8');
  }

  private async idempotent(call: CallOptions): Promise<string> {
    return Buffer.from((await this.withRetry(call)).body).toString('utf8');
  }

  /** Retries transient failures (UNAVAILABLE, TIMEOUT, RATE_LIMITED with a short Retry-After). */
  private async withRetry(call: CallOptions): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(call, attempt);
      } catch (error) {
        const e = error as TransportError;
        const retryAfterMs = (e.upstream?.retryAfterSeconds ?? 0) * 1000;
        const delay = Math.max(this.options.retryDelayMs * 2 ** (attempt - 1), retryAfterMs);
        const transient = e.retryable && e.code !== 'ABORTED' && retryAfterMs <= (this.options.maxRetryAfterMs ?? 5_000);
        if (!transient || attempt > this.options.lookupRetries) throw error;
        await sleep(delay, call.signal);
      }
    }
  }

  private async once(call: CallOptions, attempt: number): Promise<HttpResponse> {
    const url = new URL(call.path, this.base);
    const credentials = { from: this.options.gatewayId, secret: this.options.secret };
    let body: string | Uint8Array | undefined;
    const headers: Record<string, string> = { accept: '*/*' };
    if (call.form !== undefined) {
      body = new URLSearchParams({ ...credentials, ...call.form }).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    } else {
      for (const [k, v] of Object.entries(credentials)) url.searchParams.set(k, v);
      if (call.body !== undefined) {
        body = call.body.data;
        headers['content-type'] = call.body.contentType;
      }
    }
    if (call.signal?.aborted) throw abortedError();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const onAbort = () => controller.abort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const started = Date.now();
    const report = (status: number | undefined, error?: string) =>
      this.options.onExchange?.({ method: call.method, path: `/${call.path}`, attempt, durationMs: Date.now() - started, ...(status === undefined ? {} : { status }), ...(error === undefined ? {} : { error }) });
    try {
      const res = await this.options.http({ method: call.method, url, headers, ...(body === undefined ? {} : { body }), signal: controller.signal });
      report(res.status);
      if (res.status >= 200 && res.status < 300) return res;
      throw this.statusError(call, res);
    } catch (cause) {
      if (cause instanceof TransportError) throw cause;
      // A send whose request may have reached the gateway may have been delivered: only a
      // failure before any connection (refused, DNS) is known not to have sent.
      const outcome = notSent(cause) ? 'not-sent' : call.kind === 'send' ? 'unknown' : undefined;
      const details = outcome === undefined ? {} : { details: { outcome } };
      const error = timedOut
        ? new TransportError('TIMEOUT', `the gateway did not answer /${endpointName(call.path)} within ${this.options.timeoutMs} ms`, call.kind === 'send' ? { details: { outcome: 'unknown' } } : {})
        : call.signal?.aborted
          ? abortedError()
          : new TransportError('UNAVAILABLE', `request to /${endpointName(call.path)} failed: ${this.redactor.text(describe(cause))}`, details);
      report(undefined, error.code);
      throw error;
    } finally {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    }
  }

  private statusError(call: CallOptions, res: HttpResponse): TransportError {
    const mapped = STATUS_TEXT[call.kind][res.status] ?? COMMON[res.status];
    const retryAfter = parseRetryAfter(res.header('retry-after'), Date.now());
    const upstream = { status: res.status, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
    if (mapped !== undefined) {
      return new TransportError(mapped[0], `${mapped[1]} (HTTP ${res.status} from /${endpointName(call.path)})`, { upstream: { ...upstream, description: mapped[1] } });
    }
    if (res.status >= 500) {
      return new TransportError('UNAVAILABLE', `the gateway failed temporarily (HTTP ${res.status} from /${endpointName(call.path)})`, { upstream, retryable: true });
    }
    if (res.status === 408) {
      return new TransportError('TIMEOUT', `the gateway timed out the request (HTTP 408 from /${endpointName(call.path)})`, { upstream, retryable: true });
    }
    // Any other status is not in the API: retrying the same request will not change the answer.
    return new TransportError('UNAVAILABLE', `unexpected HTTP ${res.status} from /${endpointName(call.path)}`, { upstream, retryable: false });
  }
}

/** `pubkeys/ECHOECHO` → `pubkeys/{id}`: hashes, IDs and addresses stay out of messages. */
function endpointName(path: string): string {
  const [first, second] = path.split('/');
  if (first === 'lookup') return second === 'bulk' ? 'lookup/bulk' : `lookup/${second}/{value}`;
  return second === undefined ? first! : `${first}/{id}`;
}

/** Codes of failures before any connection was made: nothing reached the gateway. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/** True when a transport failure is known to have happened before the request reached the gateway. */
function notSent(cause: unknown): boolean {
  for (let c = cause, depth = 0; c !== null && typeof c === 'object' && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string' && NOT_CONNECTED.has(code)) return true;
  }
  return false;
}

function describe(cause: unknown): string {
  const code = (cause as { code?: unknown })?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' && !message.includes(code) ? `${code} ${message}` : message;
}

function signalOf(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
