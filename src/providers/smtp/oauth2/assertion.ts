import { createHash, createPrivateKey, randomUUID, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { TransportError } from '../../../core/errors.js';

/** Builds a signed client assertion for one token request. */
export type AssertionSigner = (audience: string, nowMs: number) => string;

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A certificate credential (RFC 7523 client assertion, as Microsoft Entra ID takes it): a JWT
 * signed RS256 with the certificate's key, naming the certificate by its SHA-1 (`x5t`) and
 * SHA-256 (`x5t#S256`) thumbprints, valid for 5 minutes. The key stays inside the returned
 * closure. CONFIG_INVALID when the certificate or key cannot be read, the key is not RSA or it
 * does not belong to the certificate.
 */
export function certificateAssertion(certificatePem: string, keyPem: string, clientId: string, providerId: string): AssertionSigner {
  const invalid = (field: string, message: string) => new TransportError('CONFIG_INVALID', message, { providerId, field });
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certificatePem);
  } catch {
    throw invalid('config.oauth2.clientCertificate', 'oauth2.clientCertificate is not a readable PEM certificate');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw invalid('secrets.oauth2CertificateKey', 'the secret oauth2CertificateKey is not a readable, unencrypted PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid('secrets.oauth2CertificateKey', 'the OAuth2 certificate key must be an RSA key (Microsoft signs client assertions with RS256)');
  if (!certificate.checkPrivateKey(key)) throw invalid('secrets.oauth2CertificateKey', 'the secret oauth2CertificateKey does not belong to oauth2.clientCertificate');
  const header = b64url(
    JSON.stringify({
      alg: 'RS256',
      typ: 'JWT',
      x5t: b64url(createHash('sha1').update(certificate.raw).digest()),
      'x5t#S256': b64url(createHash('sha256').update(certificate.raw).digest()),
    }),
  );
  return (audience, nowMs) => {
    const now = Math.floor(nowMs / 1000);
    const payload = b64url(JSON.stringify({ aud: audience, iss: clientId, sub: clientId, jti: randomUUID(), iat: now, nbf: now, exp: now + 300 }));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key);
    return `${header}.${payload}.${b64url(signature)}`;
  };
}
