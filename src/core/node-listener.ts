import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';

/** A WHATWG fetch handler, e.g. the admin console's (`createAdminHandler`) or the ASPSMS notification handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/**
 * A `node:http` request listener; also an Express middleware (`app.use('/admin', listener)`),
 * whose `next` it never calls: every request under the mount is answered.
 */
export type NodeListener = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Take the scheme and host from `X-Forwarded-Proto` / `X-Forwarded-Host` (only behind a proxy
   * that sets them; default false: the socket's TLS state and the `Host` header decide).
   */
  readonly trustProxy?: boolean;
  /** Called with errors of the listener itself (the handler threw, the socket failed). */
  readonly onError?: (error: unknown) => void;
}

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value?.split(',')[0]?.trim();
}

/** The absolute URL of a Node request; Express's `originalUrl` keeps the mount path. */
function requestUrl(req: IncomingMessage, trustProxy: boolean): URL {
  const encrypted = (req.socket as TLSSocket | undefined)?.encrypted === true;
  const forwardedProto = trustProxy ? first(req.headers['x-forwarded-proto']) : undefined;
  const protocol = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
  const forwardedHost = trustProxy ? first(req.headers['x-forwarded-host']) : undefined;
  const host = forwardedHost ?? req.headers.host ?? (req.headers[':authority'] as string | undefined) ?? 'localhost';
  if (!HOST.test(host)) throw new RangeError('invalid Host header');
  const path = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  if (!path.startsWith('/')) throw new RangeError('invalid request target');
  return new URL(`${protocol}://${host}${path}`);
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(':')) continue;
    try {
      headers.append(name, raw[i + 1]!);
    } catch {
      // A header the fetch API refuses (invalid characters) is dropped.
    }
  }
  return headers;
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

/**
 * Adapts a fetch handler to `node:http` (and Express, Fastify with `reply.hijack()`). Streams
 * the request body in and the response body out (with backpressure), keeps several
 * `Set-Cookie` headers apart, aborts `request.signal` when the client goes away.
 *
 * Mount it before body parsers: a body that `express.json()` already read cannot be read again
 * (answered with 500 and a message saying so).
 *
 * @example
 * ```ts
 * createServer(toNodeListener(createAdminHandler({ registry, authorize, basePath: '/admin' }))).listen(8080);
 * ```
 */
export function toNodeListener(handler: FetchHandler, options: NodeListenerOptions = {}): NodeListener {
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // Ignore a throwing hook.
    }
  };
  return (req, res) => {
    void serve(req, res).catch((error: unknown) => {
      report(error);
      plain(res, 500, 'internal error');
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = requestUrl(req, options.trustProxy === true);
    } catch {
      plain(res, 400, 'bad request');
      return;
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const rawBody = (req as IncomingMessage & { rawBody?: unknown }).rawBody;
    if (hasBody && rawBody === undefined && req.readableDidRead) {
      plain(res, 500, 'the request body was already read by a body parser: mount the admin console before body parsers (e.g. express.json())');
      return;
    }
    const controller = new AbortController();
    const abort = () => {
      if (!res.writableFinished) controller.abort(new Error('client connection closed'));
    };
    res.on('close', abort);
    let body: Buffer | string | ReadableStream<Uint8Array> | undefined;
    if (hasBody) {
      body = Buffer.isBuffer(rawBody) || typeof rawBody === 'string' ? rawBody : (Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>);
    }
    const request = new Request(url, {
      method,
      headers: headersOf(req),
      signal: controller.signal,
      ...(body === undefined ? {} : { body, duplex: 'half' }),
    } as RequestInit);

    let response: Response;
    try {
      response = await handler(request);
    } catch (error) {
      report(error);
      plain(res, 500, 'internal error');
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of response.headers) if (name !== 'set-cookie') headers[name] = value;
    const cookies = response.headers.getSetCookie();
    if (cookies.length > 0) headers['set-cookie'] = cookies;
    res.writeHead(response.status, response.statusText || undefined, headers);
    if (!response.body || method === 'HEAD') {
      await response.body?.cancel().catch(() => undefined);
      res.end();
      return;
    }
    const reader = response.body.getReader();
    const stop = () => void reader.cancel().catch(() => undefined);
    res.once('close', stop);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (res.destroyed) break;
        if (!res.write(value)) await new Promise<void>((resolve) => {
          const settle = () => {
            res.off('drain', settle);
            res.off('close', settle);
            resolve();
          };
          res.on('drain', settle);
          res.on('close', settle);
        });
      }
    } catch (error) {
      report(error);
      res.destroy();
      return;
    } finally {
      res.off('close', stop);
    }
    res.end();
  }
}
