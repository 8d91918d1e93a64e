import { request, type Dispatcher } from 'undici';

/** One HTTP exchange of a provider (Threema gateway, OAuth2 token endpoint), independent of the client library. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly signal: AbortSignal;
}

/** A fully read response. */
export interface HttpResponse {
  readonly status: number;
  /** Header lookup by lowercase name. */
  header(name: string): string | undefined;
  readonly body: Uint8Array;
}

/** Performs one HTTP exchange; rejects only for transport failures, never for a status. */
export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

/** A `fetch`-compatible function (the global `fetch`, undici's, or a host's instrumented one). */
export type FetchLike = (input: string, init: FetchInit) => Promise<FetchResponse>;

/** What transportkit passes to a {@link FetchLike}. */
export interface FetchInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
  readonly signal: AbortSignal;
}

/** The part of a fetch `Response` transportkit reads. */
export interface FetchResponse {
  readonly status: number;
  readonly headers: {
    /** A header value by name, or null. */
    get(name: string): string | null;
  };
  /** The whole body. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The default transport: undici `request`, through the host's dispatcher when given (proxy, pinning, mocks). */
export function undiciTransport(dispatcher?: Dispatcher): HttpTransport {
  return async (req) => {
    const res = await request(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
      ...(dispatcher === undefined ? {} : { dispatcher }),
    });
    const body = new Uint8Array(await res.body.arrayBuffer());
    return {
      status: res.statusCode,
      body,
      header(name) {
        const value = res.headers[name.toLowerCase()];
        return Array.isArray(value) ? value[0] : value;
      },
    };
  };
}

/** A transport over a host-supplied `fetch`. */
export function fetchTransport(fetchFn: FetchLike): HttpTransport {
  return async (req) => {
    const res = await fetchFn(req.url.href, {
      method: req.method,
      headers: { ...req.headers },
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: req.signal,
    });
    const body = new Uint8Array(await res.arrayBuffer());
    return { status: res.status, body, header: (name) => res.headers.get(name) ?? undefined };
  };
}
