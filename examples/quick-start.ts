/**
 * Quick start: a registry on the in-memory store with the in-memory transport.
 * Run: npx tsx examples/quick-start.ts
 */
import { createRegistry, generateSecretKey } from 'transportkit';
import { memoryTransport } from 'transportkit/testing';

const memory = memoryTransport();
const registry = createRegistry({
  types: [memory],
  secretKeys: { keys: { k1: process.env.TK_KEY ?? generateSecretKey() }, current: 'k1' },
});

const sms = await registry.create({
  type: 'memory',
  name: 'Notifications',
  config: { channel: 'sms' },
  secrets: { password: 's3cret' },
});
await registry.addUsage(sms.id, { kind: 'form', id: 'contact', label: 'Contact form' });
await registry.setDefault(sms.id, { tenant: 'acme' });

const id = await registry.defaultFor({ channel: 'sms', tenant: 'acme' });
const result = await registry.send(id, { to: '+41 79 123 45 67', text: 'Hello' });
const report = await registry.test(id, { to: '+41791234567' });
console.log(JSON.stringify({ accepted: result.accepted, testOk: report.ok, delivered: memory.find('+41791234567').length, usedBy: await registry.usages(id) }));
await registry.close();
