import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import util from 'node:util';
import type { Client as SoapClient, WSDL } from 'soap';
import { TransportError } from '../../core/errors.js';
import { REDACTED, Redactor, type ProviderEvents } from '../../core/events.js';
import { parseRetryAfter } from '../../core/retry-after.js';
import { ASPSMS_WSDL, orderedRequest, type AspsmsOperation, type AspsmsRequest } from './wsdl.js';

/** What the SOAP client needs from its provider. */
export interface AspsmsClientOptions {
  /** The SOAP endpoint (the configured web service address). */
  readonly endpoint: string;
  readonly timeoutMs: number;
  readonly providerId: string;
  readonly events: ProviderEvents;
  /** Values that must never appear in a log or error (the password and the UserKey). */
  readonly secrets: readonly string[];
  /** Host-supplied agents (proxy, custom CA); when absent the client owns keep-alive agents. */
  readonly httpAgent?: http.Agent;
  readonly httpsAgent?: https.Agent;
}

/**
 * Replaces the Password and UserKey elements and every secret value (also XML-escaped or URL-encoded) in a
 * SOAP envelope or text. The provider does this itself, before any recorder sees the text.
 */
export function redactSoap(text: string, secrets: readonly string[]): string {
  return new Redactor(secrets).text(
    text
      .replace(/(<(?:\w+:)?(Password|UserKey)(?:\s[^>]*)?>)[\s\S]*?(<\/(?:\w+:)?\2>)/g, `$1${REDACTED}$3`)
      // The token of a notification URL (`&t=`, `&amp;t=` in XML) lets its holder report a status: not for logs.
      .replace(/([?&;]t=)[A-Za-z0-9_-]{16,}/g, `$1${REDACTED}`),
  );
}

let parsedWsdl: Promise<WSDL> | undefined;

/** The `soap` package, imported on the first request: importing `transportkit/aspsms` loads none of its ~40 packages. */
async function loadSoap(): Promise<Pick<typeof import('soap'), 'Client' | 'WSDL'>> {
  const soap = (await import('soap')) as typeof import('soap') & { default?: typeof import('soap') };
  // Node exposes the CommonJS exports by name and as `default`; some loaders (tsx) only by name.
  return typeof soap.WSDL === 'function' ? soap : soap.default!;
}

/**
 * The parsed shipped WSDL, parsed once per process and shared by every client (as `soap` itself
 * caches WSDLs); the endpoint is per client. Parsing never touches the network.
 */
function parseWsdl(): Promise<WSDL> {
  parsedWsdl ??= loadSoap()
    .then(
      (soap) =>
        new Promise<WSDL>((resolve, reject) => {
          const wsdl = new soap.WSDL(ASPSMS_WSDL, 'aspsmsx2.wsdl', {});
          wsdl.onReady((error: unknown) => (error ? reject(error) : resolve(wsdl)));
        }),
    )
    .catch((error: unknown) => {
      parsedWsdl = undefined;
      throw error;
    });
  return parsedWsdl;
}

interface AxiosLikeError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly response?: { readonly status?: number; readonly headers?: Record<string, unknown> };
  readonly root?: { readonly Envelope?: { readonly Body?: { readonly Fault?: { readonly faultstring?: unknown; readonly Reason?: { readonly Text?: unknown } } } } };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/**
 * A thin ASPSMSX2 client over the `soap` package: one typed `call()` per operation that returns the
 * result string, with a request timeout, abort support, debug logging of redacted envelopes and
 * transport failures turned into TransportErrors. It never interprets the `StatusCode:` strings;
 * the provider does.
 */
export class AspsmsSoapClient {
  private readonly ownsAgents: boolean;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly operations = new Map<string, AspsmsOperation>();

  /** The `soap` client, built on the first call (loading `soap` then, not at import or provider build). */
  private soapClient: Promise<SoapClient> | undefined;

  /** Prints the endpoint only: the options hold the credentials and the `soap` client the last envelope. */
  [util.inspect.custom](): string {
    return `AspsmsSoapClient { endpoint: ${JSON.stringify(this.options.endpoint)} }`;
  }

  private constructor(private readonly options: AspsmsClientOptions) {
    this.ownsAgents = options.httpAgent === undefined && options.httpsAgent === undefined;
    this.httpAgent = options.httpAgent ?? new http.Agent({ keepAlive: true });
    this.httpsAgent = options.httpsAgent ?? new https.Agent({ keepAlive: true });
  }

  /** Builds a client for the endpoint from the shipped WSDL; `soap` is loaded on the first call. */
  static async create(options: AspsmsClientOptions): Promise<AspsmsSoapClient> {
    return new AspsmsSoapClient(options);
  }

  private client(): Promise<SoapClient> {
    this.soapClient ??= Promise.all([loadSoap(), parseWsdl()])
      .then(([soap, wsdl]) => {
        const client = new soap.Client(wsdl, this.options.endpoint, {});
        client.on('request', (xml: string, eid: string) => this.logExchange('aspsms.request', eid, { envelope: xml }));
        client.on('response', (body: unknown, response: { status?: number } | null, eid: string) =>
          this.logExchange('aspsms.response', eid, { status: response?.status, envelope: typeof body === 'string' ? body : undefined }),
        );
        return client;
      })
      .catch((error: unknown) => {
        this.soapClient = undefined;
        throw error;
      });
    return this.soapClient;
  }

  /**
   * Calls an operation and returns its `<Op>Result` string (`''` when the element is empty or
   * absent). Throws TIMEOUT, ABORTED, UNAVAILABLE, RATE_LIMITED or AUTH_FAILED for transport
   * failures; business errors arrive as `StatusCode:<n>` strings inside HTTP 200.
   */
  async call<O extends AspsmsOperation>(operation: O, args: AspsmsRequest<O>, signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw this.aborted();
    const client = await this.client();
    if (signal?.aborted) throw this.aborted();
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const exchangeId = randomUUID();
    this.operations.set(exchangeId, operation);
    const method = (client as unknown as Record<string, (a: unknown, o: unknown) => Promise<[unknown]>>)[`${operation}Async`];
    try {
      const [result] = await method!.call(client, orderedRequest(operation, args), {
        exchangeId,
        signal: combined,
        timeout: this.options.timeoutMs,
        httpAgent: this.httpAgent,
        httpsAgent: this.httpsAgent,
      });
      const value = (result as Record<string, unknown> | null | undefined)?.[`${operation}Result`];
      if (value === undefined || value === null) return '';
      if (typeof value !== 'string') throw this.unexpected(operation, 'the result is not a string');
      return value;
    } catch (error) {
      if (error instanceof TransportError) throw error;
      if (signal?.aborted) throw this.aborted();
      if (timeout.aborted) throw withOutcome(this.timedOut(operation), operation, error);
      throw withOutcome(this.transportFailure(operation, error as AxiosLikeError), operation, error);
    } finally {
      this.operations.delete(exchangeId);
    }
  }

  /** Releases the keep-alive connections this client opened. */
  close(): void {
    if (!this.ownsAgents) return;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private logExchange(type: string, eid: string, fields: { status?: number | undefined; envelope?: string | undefined }): void {
    const { events, secrets, endpoint } = this.options;
    if (!events.enabled('debug')) return;
    const operation = this.operations.get(eid) ?? 'unknown';
    events.debug(type, `SOAP ${type === 'aspsms.request' ? 'request' : 'response'} ${operation}`, {
      operation,
      endpoint,
      ...(fields.status === undefined ? {} : { status: fields.status }),
      ...(fields.envelope === undefined ? {} : { envelope: redactSoap(fields.envelope, secrets) }),
    });
  }

  private redact(text: string): string {
    return redactSoap(text, this.options.secrets);
  }

  private aborted(): TransportError {
    return new TransportError('ABORTED', 'the ASPSMS request was aborted', { providerId: this.options.providerId, retryable: false });
  }

  private timedOut(operation: string): TransportError {
    return new TransportError('TIMEOUT', `ASPSMS ${operation} did not answer within ${this.options.timeoutMs} ms`, {
      providerId: this.options.providerId,
      details: { operation, timeoutMs: this.options.timeoutMs },
    });
  }

  private unexpected(operation: string, why: string): TransportError {
    return new TransportError('UNAVAILABLE', `ASPSMS ${operation} returned an unexpected answer: ${why}`, { providerId: this.options.providerId });
  }

  private transportFailure(operation: string, error: AxiosLikeError): TransportError {
    const providerId = this.options.providerId;
    // The original error holds the request (with the password): keep only a redacted summary as cause.
    const cause = Object.assign(new Error(this.redact(String(error?.message ?? error))), { code: error?.code });
    if (error?.code === 'ECONNABORTED' || error?.code === 'ETIMEDOUT') return this.timedOut(operation);
    const status = error?.response?.status;
    if (status !== undefined) {
      const fault = error.root?.Envelope?.Body?.Fault;
      const faultText = fault ? String(fault.faultstring ?? fault.Reason?.Text ?? '') : '';
      const description = this.redact(faultText || `HTTP ${status}`).slice(0, 500);
      // Retry-After (seconds or an HTTP date) on a 429 or 503: the router waits at least that long.
      const header = error.response?.headers?.['retry-after'];
      const retryAfter = parseRetryAfter(typeof header === 'string' ? header : typeof header === 'number' ? String(header) : undefined, Date.now());
      const upstream = { status, description, ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }) };
      if (status === 429) {
        return new TransportError('RATE_LIMITED', `ASPSMS ${operation} was rate limited (HTTP 429)`, { cause, providerId, upstream });
      }
      if (status === 401 || status === 403) {
        return new TransportError('AUTH_FAILED', `ASPSMS ${operation} was refused (HTTP ${status})`, { cause, providerId, upstream });
      }
      return new TransportError('UNAVAILABLE', `ASPSMS ${operation} failed: ${fault ? 'SOAP fault' : 'HTTP error'} ${status} (${description})`, {
        cause,
        providerId,
        upstream,
        retryable: status >= 500,
      });
    }
    const host = safeHost(this.options.endpoint);
    const code = error?.code ?? 'unknown error';
    return new TransportError('UNAVAILABLE', `cannot reach ASPSMS at ${host}: ${NETWORK_CODES.has(code) ? code : this.redact(String(error?.message ?? code))}`, {
      cause,
      providerId,
      details: { operation, code },
    });
  }
}

/** Operations that send a message: a failure after the request may have reached ASPSMS leaves its outcome unknown. */
const SENDING = new Set(['SendTextSMS', 'SendUnicodeSMS']);
/** Codes of failures before any connection was made: nothing reached ASPSMS. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

/**
 * Adds `details.outcome`: `not-sent` for a failure before any connection (refused, DNS),
 * `unknown` for a send that timed out or lost its connection without an HTTP answer.
 */
function withOutcome(error: TransportError, operation: string, cause: unknown): TransportError {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  const outcome =
    typeof code === 'string' && NOT_CONNECTED.has(code)
      ? 'not-sent'
      : SENDING.has(operation) && error.upstream?.status === undefined && (error.code === 'TIMEOUT' || error.code === 'UNAVAILABLE')
        ? 'unknown'
        : undefined;
  if (outcome === undefined) return error;
  return new TransportError(error.code, error.message, {
    ...(error.cause === undefined ? {} : { cause: error.cause }),
    ...(error.providerId === undefined ? {} : { providerId: error.providerId }),
    ...(error.upstream === undefined ? {} : { upstream: error.upstream }),
    retryable: error.retryable,
    details: { ...error.details, outcome },
  });
}

function safeHost(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return 'the configured endpoint';
  }
}
