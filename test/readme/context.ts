/**
 * The host application the README's snippets take as given, at run time: a registry on the
 * in-memory store with the in-memory transport, Threema and TOTP types, one provider per
 * channel, a balance monitor, a callback endpoint and stubs for the host's own services. The
 * same names are declared for the type check in snippets.ts (CONTEXT_DECLARATIONS).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BalanceMonitor, createRegistry, generateSecretKey, memoryStorage, memoryTransport } from 'transportkit';
import { threema } from 'transportkit/threema';
import { totp } from 'transportkit/totp';

export interface Context {
  close(): Promise<void>;
}

/** Sets the context as globals and returns how to tear it down. */
export async function setUp(): Promise<Context> {
  const storage = memoryStorage();
  const secretKeys = { keys: { k1: generateSecretKey() }, current: 'k1' };
  const types = [memoryTransport(), threema(), totp()];
  const registry = createRegistry({ storage, secretKeys, types });
  const sms = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms', balance: 500 } });
  const mail = await registry.create({ type: 'memory', name: 'E-mail', config: { channel: 'email' } });
  const messenger = await registry.create({ type: 'memory', name: 'Threema', config: { channel: 'threema' } });
  const app = await registry.create({ type: 'totp', name: 'Authenticator app', config: { issuer: 'ACME' } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const monitor = new BalanceMonitor({ registry, users: { getAddress: () => '+41791234567' } });
  const done = async () => undefined;
  Object.assign(globalThis, {
    storage,
    secretKeys,
    types,
    registry,
    monitor,
    providerId: sms.id,
    smsId: sms.id,
    mailId: mail.id,
    threemaId: messenger.id,
    totpId: app.id,
    userId: 'user-1',
    user: { secondFactorMethod: 'sms' },
    code: '000000',
    codeFromApp: '000000',
    typedCode: '000000',
    label: 'alice@example.org',
    pdfBytes: new Uint8Array([0x25, 0x50, 0x44, 0x46]),
    url: `http://127.0.0.1:${address.port}/threema/callback`,
    log: { warn: () => undefined, error: () => undefined },
    metrics: { record: () => undefined },
    db: { userAddress: async () => '+41791234567' },
    inbox: { save: done },
    outbox: { mark: done },
    files: { save: done },
    cron: { schedule: () => undefined },
    freshDatabase: done,
    parcel: { id: 'P-1' },
  });
  return {
    async close() {
      await registry.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
