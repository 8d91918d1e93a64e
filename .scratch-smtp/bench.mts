import { createTestPki } from '../test/smtp/helpers/pki.js';
import { loadSmimeIdentity, createDetachedSigner } from '../src/providers/smtp/index.js';
const pki = createTestPki();
const id = loadSmimeIdentity({ certificate: pki.alice.cert + pki.caCert, key: pki.alice.key });
const sign = createDetachedSigner(id.certificate!, id.key!, id.chain);
const content = Buffer.alloc(2000, 'a');
for (let i = 0; i < 50; i++) sign(content, new Date());
let t = performance.now();
for (let i = 0; i < 500; i++) sign(content, new Date());
console.log('per sign ms', (performance.now() - t) / 500);
import forge from 'node-forge';
const key = forge.pki.privateKeyFromPem(pki.alice.key); const cert = forge.pki.certificateFromPem(pki.alice.cert);
t = performance.now();
for (let i = 0; i < 50; i++) { const p7 = forge.pkcs7.createSignedData(); p7.content = forge.util.createBuffer(content.toString('binary')); p7.addCertificate(cert); p7.addSigner({ key, certificate: cert, digestAlgorithm: forge.pki.oids.sha256, authenticatedAttributes: [{ type: forge.pki.oids.contentType, value: forge.pki.oids.data }, { type: forge.pki.oids.signingTime, value: new Date() as any }, { type: forge.pki.oids.messageDigest }] }); p7.sign({ detached: true }); forge.asn1.toDer(p7.toAsn1()).getBytes(); }
console.log('forge per sign ms', (performance.now() - t) / 50);
pki.cleanup();
