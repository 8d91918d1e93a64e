import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, generateSecretKey, memoryStorage } from '../../src/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { startSmtpTestServer, type SmtpTestServer } from './helpers/peer.js';
import { createTestPki, type TestPki } from './helpers/pki.js';

const USER = 'drain-user';
const PASSWORD = 'Dr41n-Secret-Pw-5e8a';

let pki: TestPki;
let server: SmtpTestServer;

beforeAll(async () => {
  pki = createTestPki();
  server = await startSmtpTestServer({ cert: pki.tls.cert, key: pki.tls.key, users: { [USER]: PASSWORD } });
});

afterAll(async () => {
  await server?.close();
  pki?.cleanup();
});

describe('a record change does not kill sends in flight', () => {
  it('60 pipelined sends survive a rename, setSecret and rotateSecrets by another app instance', async () => {
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const storage = memoryStorage();
    const types = [smtp()];
    // Rotation as deployed: every instance learns k2 first, then the admin instance makes it current.
    const sender = createRegistry({ storage, types, secretKeys: { keys: { k1, k2 }, current: 'k1' } });
    const admin = createRegistry({ storage, types, secretKeys: { keys: { k1, k2 }, current: 'k2' } });
    const p = await admin.create({
      type: 'smtp',
      name: 'Relay',
      config: { host: '127.0.0.1', port: server.port, targetName: 'localhost', caCertificates: pki.tls.cert, username: USER, from: 'app@example.test', pool: { maxConnections: 2, maxMessages: 100 } },
      secrets: { password: PASSWORD },
    });
    const before = server.received.length;
    const send = (registry: typeof sender, i: number) => registry.send(p.id, { to: `user${i}@example.test`, subject: `m${i}`, text: 'pipelined' });

    const first = Array.from({ length: 20 }, (_, i) => send(sender, i));
    await admin.update(p.id, { name: 'Relay (renamed)' });
    const second = Array.from({ length: 20 }, (_, i) => send(sender, 20 + i));
    await admin.setSecret(p.id, 'password', PASSWORD);
    await admin.rotateSecrets();
    const third = Array.from({ length: 20 }, (_, i) => send(sender, 40 + i));

    const results = await Promise.allSettled([...first, ...second, ...third]);
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
    expect(failures).toEqual([]);
    expect(server.received.length - before).toBe(60);
    // Every replaced build was closed once its sends were done.
    await sender.close();
    await admin.close();
    expect(sender.stats().providers).toEqual({ live: 0, draining: 0 });
  });

  it('closes a replaced provider after the drain bound even when a send hangs', async () => {
    const registry = createRegistry({ drainTimeoutMs: 20 });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms', latencyMs: 60_000 } });
    const hanging = registry.send(p.id, { to: '+41791234567', text: 'slow' });
    await new Promise((r) => setTimeout(r, 5));
    await registry.update(p.id, { name: 'changed' });
    await registry.resolve(p.id);
    expect(registry.stats().providers.draining).toBe(1);
    await expect(hanging).rejects.toMatchObject({ code: expect.any(String) });
    await new Promise((r) => setTimeout(r, 10));
    expect(registry.stats().providers.draining).toBe(0);
    await registry.close();
  });
});
