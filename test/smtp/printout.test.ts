import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../src/index.js';
import { leaksIn, printout } from './helpers/leaks.js';
import { startSmtpTestServer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, type TestPki } from './helpers/pki.js';
import { smtpRegistry } from './helpers/setup.js';

const USER = 'app-user';
const PASSWORD = 'Zq9-pr1ntout-Secret-Pw-"&<4d2>';

let pki: TestPki;
let peer: SmtpTestServer;
let registry: ProviderRegistry;

beforeAll(async () => {
  pki = createTestPki();
  peer = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users: { [USER]: PASSWORD } });
  ({ registry } = smtpRegistry());
});

afterAll(async () => {
  await registry?.close();
  await peer?.close();
  pki?.cleanup();
});

describe('printouts of a live SMTP provider', () => {
  it('show no password and no S/MIME key material, at any depth, with hidden properties', async () => {
    const created = await registry.create({
      type: 'smtp',
      name: 'Printed',
      config: { host: '127.0.0.1', port: peer.port, targetName: 'localhost', caCertificates: pki.tls.cert, username: USER, from: 'alice@example.test', smime: { certificate: pki.alice.cert, chain: pki.caCert } },
      secrets: { password: PASSWORD, smimeKey: pki.alice.key },
    });
    const provider = await registry.resolve(created.id);
    // A live connection first, so the pool and its connections exist.
    await registry.send(created.id, { to: 'bob@example.test', subject: 'x', text: 'y' });
    const der = createPrivateKey(pki.alice.key).export({ format: 'der', type: 'pkcs8' });
    const pemBody = pki.alice.key.split('\n').filter((l) => !l.startsWith('-----')).join('');
    const text = printout(provider, registry, String(provider), JSON.stringify(provider));
    expect(leaksIn(text, { password: PASSWORD, keyDer: der, pemBody })).toEqual([]);
  });
});
