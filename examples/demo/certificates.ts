/**
 * Certificates for the demo, made in-process (node:crypto keys, node-forge certificates) so the
 * demo needs no openssl and no files: a demo CA, an S/MIME signing certificate for the sender
 * address, and a TLS certificate for the loopback SMTP server.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A certificate with its private key, both PEM. */
export interface Issued {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Serial number, hex. */
  readonly serialNumber: string;
}

function keyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey; privateKeyPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey,
    privateKeyPem,
  };
}

function certificate(
  subject: string,
  serialNumber: string,
  keys: ReturnType<typeof keyPair>,
  extensions: object[],
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const attrs = [{ name: 'commonName', value: subject }, { name: 'organizationName', value: 'transportkit demo' }];
  cert.setSubject(attrs);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : attrs);
  cert.setExtensions(extensions);
  cert.sign(issuer?.key ?? keys.privateKey, forge.md.sha256.create());
  return cert;
}

/** Makes a demo CA, an S/MIME certificate for `email` and a TLS certificate for 127.0.0.1/localhost. */
export function demoCertificates(email: string): { ca: Issued; smime: Issued; tls: Issued } {
  const caKeys = keyPair();
  const caCert = certificate('transportkit demo CA', '01', caKeys, [
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  const issuer = { cert: caCert, key: caKeys.privateKey };
  const smimeKeys = keyPair();
  const smimeCert = certificate(email, '1001', smimeKeys, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', emailProtection: true },
    { name: 'subjectAltName', altNames: [{ type: 1, value: email }] },
  ], issuer);
  const tlsKeys = keyPair();
  const tlsCert = certificate('localhost', '2001', tlsKeys, [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] },
  ], issuer);
  const issued = (cert: forge.pki.Certificate, keys: ReturnType<typeof keyPair>): Issued => ({
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: keys.privateKeyPem,
    serialNumber: cert.serialNumber,
  });
  return { ca: issued(caCert, caKeys), smime: issued(smimeCert, smimeKeys), tls: issued(tlsCert, tlsKeys) };
}
