import { TransportError } from '../../../core/errors.js';
import type { HttpTransport } from '../../http.js';
import type { AccessToken } from './token.js';

/** Microsoft's SMTP scope for the client-credentials flow (application permission `SMTP.SendAsApp`). */
export const MICROSOFT_SMTP_SCOPE = 'https://outlook.office365.com/.default';
/** Google's token endpoint. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** Microsoft's default token endpoint of a tenant. */
export function microsoftTokenUrl(tenantId: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}

/** One token request: the endpoint and the form fields (secrets among them). */
export interface TokenRequest {
  readonly url: string;
  readonly form: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** Error codes of RFC 6749 5.2 that mean the credentials themselves were refused. */
const REFUSED = new Set(['invalid_client', 'invalid_grant', 'unauthorized_client', 'access_denied']);
/** Largest token response read; a real one is a few kB. */
const MAX_BODY = 256 * 1024;

interface TokenAnswer {
  access_token?: unknown;
  expires_in?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function parse(body: Uint8Array): TokenAnswer | undefined {
  if (body.byteLength > MAX_BODY) return undefined;
  try {
    const value = JSON.parse(Buffer.from(body).toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as TokenAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** The first line of the endpoint's own error description (Microsoft appends trace and correlation ids). */
function descriptionOf(answer: TokenAnswer | undefined, redact: (text: string) => string): string | undefined {
  const error = typeof answer?.error === 'string' ? answer.error : undefined;
  const text = typeof answer?.error_description === 'string' ? answer.error_description.split(/\r?\n/)[0]!.slice(0, 500) : undefined;
  if (error === undefined && text === undefined) return undefined;
  return redact([error, text].filter((x) => x !== undefined).join(': '));
}

/**
 * Posts one token request (RFC 6749 4.4 / 6 form) and reads the access token. Failures are
 * coded: `invalid_client`, `invalid_grant`, `unauthorized_client` → AUTH_FAILED; `invalid_scope`
 * → CONFIG_INVALID; 429 → RATE_LIMITED; 5xx, a refused connection or no answer within
 * `timeoutMs` → UNAVAILABLE, retryable; a malformed answer → UNAVAILABLE, not retryable. Every
 * failure is `details.outcome: 'not-sent'` (no message was transmitted). No form field (the
 * client secret, the refresh token, the assertion) and no token is ever put in an error.
 */
export async function requestToken(http: HttpTransport, request: TokenRequest, now: () => number, providerId: string, redact: (text: string) => string): Promise<AccessToken> {
  const url = new URL(request.url);
  const endpoint = `${url.origin}${url.pathname}`;
  const fail = (code: 'AUTH_FAILED' | 'CONFIG_INVALID' | 'RATE_LIMITED' | 'UNAVAILABLE', message: string, options: { retryable?: boolean; cause?: unknown; status?: number; description?: string; retryAfterSeconds?: number; field?: string } = {}) =>
    new TransportError(code, `OAuth2 token endpoint ${endpoint}: ${message}`, {
      providerId,
      ...(options.retryable === undefined ? {} : { retryable: options.retryable }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
      ...(options.field === undefined ? {} : { field: options.field }),
      upstream: {
        endpoint,
        ...(options.status === undefined ? {} : { status: options.status }),
        ...(options.description === undefined ? {} : { description: options.description }),
        ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      },
      details: { outcome: 'not-sent', stage: 'oauth2-token' },
    });

  const signal = AbortSignal.timeout(request.timeoutMs);
  const startedAt = now();
  let response;
  try {
    response = await http({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(request.form).toString(),
      signal,
    });
  } catch (cause) {
    // The cause may quote the request (undici keeps the body on some errors): keep only its code.
    const code = (cause as { code?: unknown } | undefined)?.code;
    if (signal.aborted) return Promise.reject(fail('UNAVAILABLE', `no answer within ${request.timeoutMs} ms`, { retryable: true }));
    return Promise.reject(fail('UNAVAILABLE', `not reachable${typeof code === 'string' ? ` (${code})` : ''}`, { retryable: true }));
  }
  const answer = parse(response.body);
  const description = descriptionOf(answer, redact);
  const status = response.status;
  if (status >= 200 && status < 300) {
    const token = answer?.access_token;
    if (typeof token !== 'string' || token.length === 0 || /[\s\x00-\x1f]/.test(token)) {
      throw fail('UNAVAILABLE', 'the answer holds no access token', { retryable: false, status });
    }
    const seconds = Number(answer?.expires_in);
    return { value: token, expiresAt: Number.isFinite(seconds) && seconds > 0 ? startedAt + seconds * 1000 : undefined };
  }
  const error = typeof answer?.error === 'string' ? answer.error : undefined;
  const about = { status, ...(description === undefined ? {} : { description }) };
  if (status === 429) {
    const retryAfter = Number(response.header('retry-after'));
    throw fail('RATE_LIMITED', 'too many requests', { ...about, ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSeconds: retryAfter } : {}) });
  }
  if (status >= 500) throw fail('UNAVAILABLE', `HTTP ${status}${description === undefined ? '' : ` (${description})`}`, { ...about, retryable: true });
  if (error === 'invalid_scope') throw fail('CONFIG_INVALID', `the scope was refused (${description})`, { ...about, field: 'config.oauth2.scope' });
  // invalid_client, invalid_grant (a revoked or expired refresh token), unauthorized_client, and
  // any other 4xx: the request as configured was refused, retrying it cannot help.
  if ((error !== undefined && REFUSED.has(error)) || (status >= 400 && status < 500)) {
    throw fail('AUTH_FAILED', `credentials refused (${description ?? `HTTP ${status}`})`, { ...about, retryable: false });
  }
  throw fail('UNAVAILABLE', `unexpected HTTP ${status}`, { ...about, retryable: false });
}
