import { isTransportError, type TransportErrorCode } from '../core/errors.js';

/**
 * The Content-Security-Policy of every response: scripts and styles only from the console's own
 * files (no inline script or style, no eval), nothing from elsewhere, no framing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers every response of the console carries. */
export function securityHeaders(extra: Record<string, string> = {}): Headers {
  const headers = new Headers({
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
  });
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

/** Error codes of the console's own (next to the registry's {@link TransportErrorCode}s). */
export type AdminErrorCode =
  | TransportErrorCode
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CSRF'
  | 'BAD_REQUEST'
  | 'CONFIRMATION_REQUIRED'
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL';

/** A failure the API answers with a status and a JSON body; thrown inside route handlers. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: AdminErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

const STATUS_OF: Partial<Record<TransportErrorCode, number>> = {
  CONFIG_INVALID: 422,
  MESSAGE_INVALID: 422,
  INVALID_RECIPIENT: 422,
  NOT_FOUND: 404,
  PROVIDER_IN_USE: 409,
  CONFLICT: 409,
  UNSUPPORTED: 400,
  TIMEOUT: 504,
  STORAGE_FAILED: 503,
  UNAVAILABLE: 503,
  ABORTED: 499,
};

/** A JSON response with the security headers. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: securityHeaders({ 'content-type': 'application/json; charset=utf-8', ...headers }),
  });
}

/** The error body every failing API call answers with. */
export function errorResponse(status: number, code: AdminErrorCode, message: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return json({ error: { code, message, ...extra } }, status, headers);
}

/**
 * The response for something a route handler threw: an HttpError or TransportError as it says,
 * anything else as a bare 500 (reported to `onError`, never shown).
 */
export function responseForError(error: unknown, report: (error: unknown) => void): Response {
  if (error instanceof HttpError) return errorResponse(error.status, error.code, error.message, error.extra);
  if (isTransportError(error)) {
    const status = STATUS_OF[error.code] ?? 502;
    const issues = (error.details as { issues?: unknown } | undefined)?.issues;
    const usages = (error.details as { usages?: unknown } | undefined)?.usages;
    return errorResponse(status, error.code, error.message, {
      ...(error.field === undefined ? {} : { field: error.field }),
      ...(Array.isArray(issues) ? { issues } : {}),
      ...(Array.isArray(usages) ? { usages } : {}),
    });
  }
  report(error);
  return errorResponse(500, 'INTERNAL', 'internal error');
}

/**
 * Reads a JSON request body of at most `limit` bytes. Requires `Content-Type: application/json`
 * (which a cross-site HTML form cannot send); an empty body is `{}`.
 */
export async function readJson(request: Request, limit: number): Promise<Record<string, unknown>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
  const text = await readText(request, limit);
  if (text.trim() === '') return {};
  if (type !== 'application/json') throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'the request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'BAD_REQUEST', 'the request body must be a JSON object');
  return value as Record<string, unknown>;
}

async function readText(request: Request, limit: number): Promise<string> {
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `the request body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
