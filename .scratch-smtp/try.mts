import { createRegistry } from '../src/index.js';
import { smtp } from '../src/providers/smtp/index.js';
import { createTestPki, opensslVerify, P12_PASSPHRASE } from '../test/smtp/helpers/pki.js';
import { startPeer } from '../test/smtp/helpers/peer.js';
import { splitSigned } from '../test/smtp/helpers/mime.js';

const pki = createTestPki();
const peer = await startPeer({ cert: pki.tls.cert, key: pki.tls.key, users: { u: 'pw-secret-1' } });
const registry = createRegistry({ types: [smtp()] , logger: (e) => { if (e.level !== 'debug') console.log(e.level, e.msg); } });
const p = await registry.create({ type: 'smtp', eventLevel: 'debug', config: { host: '127.0.0.1', port: peer.port, targetName: 'localhost', caCertificates: pki.tls.cert, username: 'u', from: 'alice@example.test', smime: { serialNumber: pki.alice.serial } }, secrets: { password: 'pw-secret-1', smimePkcs12: pki.bundle, smimePassphrase: P12_PASSPHRASE } });
console.log(JSON.stringify(await registry.test(p.id), null, 1));
const r = await registry.send(p.id, { to: 'b@example.test', subject: 'Grüße', text: 'Hello world' });
console.log(r);
const raw = peer.received[0]!.raw;
console.log(raw.toString());
console.log(opensslVerify(pki, raw));
const parts = splitSigned(raw);
console.log(parts.signed.toString());
await registry.close(); await peer.close(); pki.cleanup();
