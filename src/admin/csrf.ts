import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed CSRF tokens (OWASP "signed double submit", without a cookie): `issuedAt.nonce.mac` with
 * mac = HMAC-SHA256(key, userId, issuedAt, nonce). The console sends the token in the
 * `x-csrf-token` header, which a cross-site form cannot set; it is bound to the acting user and
 * expires. No server state: any instance sharing the key verifies it.
 */
export class CsrfTokens {
  readonly #key: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(key: string | Uint8Array | undefined, ttlSeconds: number, now: () => number) {
    this.#key = key === undefined ? randomBytes(32) : Buffer.from(key);
    this.#ttlMs = ttlSeconds * 1000;
    this.#now = now;
  }

  /** A fresh token for the user. */
  issue(userId: string): string {
    const issuedAt = Math.floor(this.#now()).toString(36);
    const nonce = randomBytes(16).toString('base64url');
    return `${issuedAt}.${nonce}.${this.#mac(userId, issuedAt, nonce)}`;
  }

  /** True when the token was issued by this key for this user and has not expired. */
  verify(userId: string, token: string | null): boolean {
    if (token === null || token.length > 200) return false;
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const [issuedAt, nonce, mac] = parts as [string, string, string];
    const issued = parseInt(issuedAt, 36);
    const age = this.#now() - issued;
    if (!Number.isFinite(issued) || age < -60_000 || age > this.#ttlMs) return false;
    const expected = Buffer.from(this.#mac(userId, issuedAt, nonce));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(userId: string, issuedAt: string, nonce: string): string {
    return createHmac('sha256', this.#key).update(`${userId.length}:${userId}|${issuedAt}|${nonce}`).digest('base64url');
  }
}

/**
 * The origin check of a state-changing request: `Sec-Fetch-Site: same-origin` when the browser
 * sends it (same-site is not enough: another port of the same host is same-site), else an
 * `Origin` equal to an accepted origin. A request with neither header is refused.
 */
export function sameOrigin(request: Request, accepted: readonly string[]): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  const allowed = accepted.length > 0 ? accepted : [new URL(request.url).origin];
  return allowed.includes(origin);
}
