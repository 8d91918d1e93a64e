import type { ProviderEvents } from '../../../core/events.js';
import type { Clock } from '../../../core/provider.js';

/** An access token and when it expires (ms since the epoch; undefined: until the server refuses it). */
export interface AccessToken {
  readonly value: string;
  readonly expiresAt: number | undefined;
}

/** Fetches a new access token; `renew` is true when the server refused the previous one. */
export type TokenFetcher = (renew: boolean) => Promise<AccessToken>;

/** Refresh this long before expiry, but never earlier than halfway through a short-lived token. */
const MARGIN_MS = 60_000;

/**
 * The access token of one provider: cached until shortly before it expires, fetched once for any
 * number of concurrent callers (no stampede), and replaced once when the server refused it. The
 * token lives in private fields only, so no printout of the cache shows it.
 */
export class TokenCache {
  readonly #fetch: TokenFetcher;
  readonly #clock: Clock;
  readonly #events: ProviderEvents;
  #current: { token: AccessToken; refreshAt: number } | undefined;
  #pending: Promise<AccessToken> | undefined;

  constructor(fetch: TokenFetcher, clock: Clock, events: ProviderEvents) {
    this.#fetch = fetch;
    this.#clock = clock;
    this.#events = events;
  }

  /** A valid token: the cached one, else a fresh one (shared with concurrent callers). */
  async get(): Promise<string> {
    const current = this.#current;
    if (current && this.#clock.now() < current.refreshAt) return current.token.value;
    return (await this.#refresh(false)).value;
  }

  /**
   * A replacement for `rejected`, which the server refused: fetched once however many
   * connections report the same token; a caller whose token was already replaced gets the new one.
   */
  async renew(rejected: string): Promise<string> {
    const current = this.#current;
    if (current && current.token.value !== rejected && this.#clock.now() < current.refreshAt) return current.token.value;
    if (current?.token.value === rejected) this.#current = undefined;
    return (await this.#refresh(true)).value;
  }

  #refresh(renew: boolean): Promise<AccessToken> {
    this.#pending ??= (async () => {
      try {
        const startedAt = this.#clock.now();
        const token = await this.#fetch(renew);
        const lifetime = token.expiresAt === undefined ? undefined : token.expiresAt - startedAt;
        const refreshAt = lifetime === undefined ? Number.POSITIVE_INFINITY : startedAt + Math.max(lifetime - MARGIN_MS, lifetime / 2);
        this.#current = { token, refreshAt };
        this.#events.debug('smtp.oauth2.token', `OAuth2 access token ${renew ? 'renewed' : 'fetched'}${lifetime === undefined ? '' : `, valid for ${Math.round(lifetime / 1000)} s`}`, {
          renew,
          ...(lifetime === undefined ? {} : { expiresInSeconds: Math.round(lifetime / 1000) }),
        });
        return token;
      } finally {
        this.#pending = undefined;
      }
    })();
    return this.#pending;
  }
}
