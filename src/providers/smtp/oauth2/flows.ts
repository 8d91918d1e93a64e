import { isTransportError, TransportError } from '../../../core/errors.js';
import type { SecretValues } from '../../../core/provider.js';
import type { HttpTransport } from '../../http.js';
import type { OAuth2Config, SmtpSecretField } from '../config.js';
import { certificateAssertion } from './assertion.js';
import { GOOGLE_TOKEN_URL, MICROSOFT_SMTP_SCOPE, microsoftTokenUrl, requestToken } from './endpoint.js';
import type { AccessToken, TokenFetcher } from './token.js';

/** What a host's token callback is asked for. */
export interface OAuth2TokenRequest {
  /** The provider record the token is for. */
  readonly providerId: string;
  /** The mailbox (`username`) the token must be valid for. */
  readonly user: string;
  /** True when the server refused the last token: return a new one, not a cached one. */
  readonly renew: boolean;
  /** Aborted when the provider's token timeout (`oauth2.timeoutMs`) passed. */
  readonly signal: AbortSignal;
}

/** What a host's token callback returns: the token, and when it expires (undefined: it is used until the server refuses it). */
export interface OAuth2TokenResult {
  readonly accessToken: string;
  /** Expiry as a Date or milliseconds since the epoch (MSAL's `expiresOn`, google-auth-library's `expiry_date`). */
  readonly expiresAt?: Date | number;
}

/** A host's access-token source for `oauth2.provider: 'callback'` (any OAuth2 provider, or a host's own MSAL or google-auth-library client). */
export type OAuth2TokenCallback = (request: OAuth2TokenRequest) => Promise<string | OAuth2TokenResult> | string | OAuth2TokenResult;

/** What {@link tokenFetcher} needs besides the configuration. */
export interface FlowContext {
  readonly providerId: string;
  readonly user: string;
  readonly http: HttpTransport;
  readonly callback: OAuth2TokenCallback | undefined;
  readonly now: () => number;
  readonly redact: (text: string) => string;
}

function required(secrets: SecretValues<SmtpSecretField>, field: SmtpSecretField, why: string, providerId: string): string {
  const value = secrets[field];
  if (value === undefined || value === '') throw new TransportError('CONFIG_INVALID', `${why} needs the secret "${field}"`, { providerId, field: `secrets.${field}` });
  return value;
}

function unused(secrets: SecretValues<SmtpSecretField>, fields: readonly SmtpSecretField[], why: string, providerId: string): void {
  const extra = fields.find((f) => secrets[f] !== undefined);
  if (extra !== undefined) throw new TransportError('CONFIG_INVALID', `the secret "${extra}" is not used ${why}; remove it`, { providerId, field: `secrets.${extra}` });
}

/** A token callback's answer as an {@link AccessToken}, bounded by the timeout; its failures coded. */
async function callbackToken(callback: OAuth2TokenCallback, context: FlowContext, renew: boolean, timeoutMs: number): Promise<AccessToken> {
  const signal = AbortSignal.timeout(timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TransportError('UNAVAILABLE', `the OAuth2 token callback did not answer within ${timeoutMs} ms`, { providerId: context.providerId, retryable: true, details: { outcome: 'not-sent', stage: 'oauth2-token' } })), timeoutMs);
  });
  try {
    const answer = await Promise.race([Promise.resolve().then(() => callback({ providerId: context.providerId, user: context.user, renew, signal })), timedOut]);
    const value = typeof answer === 'string' ? answer : answer?.accessToken;
    if (typeof value !== 'string' || value === '' || /[\s\x00-\x1f]/.test(value)) {
      throw new TransportError('UNAVAILABLE', 'the OAuth2 token callback returned no access token', { providerId: context.providerId, retryable: false, details: { outcome: 'not-sent', stage: 'oauth2-token' } });
    }
    const expires = typeof answer === 'string' ? undefined : answer.expiresAt;
    const expiresAt = expires === undefined ? undefined : Number(expires instanceof Date ? expires.getTime() : expires);
    return { value, expiresAt: expiresAt !== undefined && Number.isFinite(expiresAt) ? expiresAt : undefined };
  } catch (cause) {
    if (isTransportError(cause)) throw cause.withProvider(context.providerId);
    // The host's message may say anything: keep it, redacted, but as our code.
    throw new TransportError('UNAVAILABLE', `the OAuth2 token callback failed: ${context.redact(String((cause as Error | undefined)?.message ?? cause))}`, {
      providerId: context.providerId,
      cause,
      details: { outcome: 'not-sent', stage: 'oauth2-token' },
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The token source of an OAuth2 configuration, checked at once (CONFIG_INVALID naming the
 * missing or superfluous secret, an unreadable certificate credential, a callback type without
 * a callback):
 * - `microsoft`: client credentials (`grant_type=client_credentials`, scope
 *   `https://outlook.office365.com/.default`) with the secret `oauth2ClientSecret`, or with
 *   `oauth2.clientCertificate` and the secret `oauth2CertificateKey` (a signed client assertion);
 * - `google`: `grant_type=refresh_token` with `oauth2ClientSecret` and `oauth2RefreshToken`;
 * - `callback`: the host's {@link OAuth2TokenCallback}.
 */
export function tokenFetcher(config: OAuth2Config, secrets: SecretValues<SmtpSecretField>, context: FlowContext): TokenFetcher {
  const { providerId } = context;
  const request = (url: string, form: Record<string, string>) => requestToken(context.http, { url, form, timeoutMs: config.timeoutMs }, context.now, providerId, context.redact);
  switch (config.provider) {
    case 'callback': {
      unused(secrets, ['oauth2ClientSecret', 'oauth2RefreshToken', 'oauth2CertificateKey'], 'with oauth2.provider "callback"', providerId);
      const callback = context.callback;
      if (callback === undefined) {
        throw new TransportError('CONFIG_INVALID', 'oauth2.provider "callback" needs the host option oauth2Token of smtp({ oauth2Token })', { providerId, field: 'config.oauth2.provider' });
      }
      return (renew) => callbackToken(callback, context, renew, config.timeoutMs);
    }
    case 'google': {
      unused(secrets, ['oauth2CertificateKey'], 'with oauth2.provider "google"', providerId);
      const clientSecret = required(secrets, 'oauth2ClientSecret', 'Google OAuth2', providerId);
      const refreshToken = required(secrets, 'oauth2RefreshToken', 'Google OAuth2', providerId);
      const url = config.tokenUrl ?? GOOGLE_TOKEN_URL;
      return () =>
        request(url, {
          grant_type: 'refresh_token',
          client_id: config.clientId ?? '',
          client_secret: clientSecret,
          refresh_token: refreshToken,
          ...(config.scope === undefined ? {} : { scope: config.scope }),
        });
    }
    case 'microsoft': {
      unused(secrets, ['oauth2RefreshToken'], 'with oauth2.provider "microsoft" (client credentials)', providerId);
      const clientId = config.clientId ?? '';
      const url = config.tokenUrl ?? microsoftTokenUrl(config.tenantId ?? '');
      const base = { grant_type: 'client_credentials', client_id: clientId, scope: config.scope ?? MICROSOFT_SMTP_SCOPE };
      if (config.clientCertificate !== undefined) {
        unused(secrets, ['oauth2ClientSecret'], 'with oauth2.clientCertificate (certificate credential)', providerId);
        const assertion = certificateAssertion(config.clientCertificate, required(secrets, 'oauth2CertificateKey', 'oauth2.clientCertificate', providerId), clientId, providerId);
        return () => request(url, { ...base, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion(url, context.now()) });
      }
      unused(secrets, ['oauth2CertificateKey'], 'without oauth2.clientCertificate', providerId);
      const clientSecret = required(secrets, 'oauth2ClientSecret', 'Microsoft OAuth2 (client credentials)', providerId);
      return () => request(url, { ...base, client_secret: clientSecret });
    }
  }
}
