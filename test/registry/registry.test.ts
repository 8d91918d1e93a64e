import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  memoryStorage,
  SecretBox,
  memoryTransport,
  TransportError,
  type LogEntry,
  type TransportStorage,
} from '../../src/index.js';
import { leakyType } from './helpers.js';

async function codeOf(promise: Promise<unknown>): Promise<TransportError> {
  try {
    await promise;
  } catch (e) {
    return e as TransportError;
  }
  throw new Error('expected a rejection');
}

function setup(options: { storage?: TransportStorage; keys?: Record<string, string>; current?: string } = {}) {
  const memory = memoryTransport();
  const storage = options.storage ?? memoryStorage();
  const keys = options.keys ?? { k1: generateSecretKey() };
  const registry = createRegistry({ storage, types: [memory, leakyType()], secretKeys: { keys, current: options.current ?? Object.keys(keys)[0]! } });
  return { memory, storage, registry };
}

describe('createRegistry', () => {
  it('defaults to the in-memory store and the memory transport', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' }, secrets: { password: 'x-secret' } });
    expect(p.channel).toBe('sms');
    expect(registry.providerTypes().map((t) => t.type)).toEqual(['memory', 'route']);
  });

  it('requires secretKeys with a persistent store and refuses short keys', async () => {
    const persistent = { ...memoryStorage(), processLocal: false };
    expect(() => createRegistry({ storage: persistent })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'secretKeys' }));
    expect(() => createRegistry({ storage: persistent, secretKeys: { keys: { k1: 'short' }, current: 'k1' } })).toThrowError(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => createRegistry({ storage: persistent, secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } })).not.toThrow();
  });

  it('refuses a type registered twice and things that are no types', () => {
    expect(() => createRegistry({ types: [memoryTransport(), memoryTransport()] })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createRegistry({ types: [{} as never] })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('records', () => {
  it('creates with validated config and defaults, gets and lists with filters', async () => {
    const { registry } = setup();
    const a = await registry.create({ type: 'memory', name: 'Mail', config: { channel: 'email' } });
    const b = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms', balance: 5 }, id: 'sms-1' });
    const c = await registry.create({ type: 'leaky', config: {} });
    expect(a.config).toEqual({ channel: 'email', unit: 'credits', latencyMs: 0 });
    expect(a.version).toBe(1);
    expect(a.eventLevel).toBe('all');
    expect(b.id).toBe('sms-1');
    expect(c.channel).toBe('push');
    expect(await registry.get('sms-1')).toEqual(b);
    expect((await registry.list()).map((p) => p.id)).toEqual([a.id, 'sms-1', c.id]);
    expect((await registry.list({ type: 'memory' })).map((p) => p.id)).toEqual([a.id, 'sms-1']);
    expect((await registry.list({ channel: 'sms' })).map((p) => p.id)).toEqual(['sms-1']);
  });

  it('rejects bad input with codes and messages naming the field', async () => {
    const { registry } = setup();
    const unknown = await codeOf(registry.create({ type: 'fax' }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toContain('memory, leaky');
    const badConfig = await codeOf(registry.create({ type: 'memory', config: { channel: 'sms', latencyMs: -1 } }));
    expect(badConfig.code).toBe('CONFIG_INVALID');
    expect(badConfig.field).toBe('config.latencyMs');
    expect(badConfig.message).toContain('config.latencyMs');
    expect((await codeOf(registry.create({ type: 'memory', secrets: { apiKey: 'x' } as never }))).field).toBe('secrets.apiKey');
    expect((await codeOf(registry.create({ type: 'memory', secrets: { password: '' } }))).code).toBe('CONFIG_INVALID');
    expect((await codeOf(registry.create({ type: 'memory', eventLevel: 'loud' as never }))).field).toBe('eventLevel');
    expect((await codeOf(registry.create({ type: 'memory', id: 'has space' }))).field).toBe('id');
    expect((await codeOf(registry.create({ type: 'memory', name: '  ' }))).field).toBe('name');
    await registry.create({ type: 'memory', id: 'dup' });
    expect((await codeOf(registry.create({ type: 'memory', id: 'dup' }))).code).toBe('CONFLICT');
    expect((await codeOf(registry.get('nope'))).code).toBe('NOT_FOUND');
    expect(await codeOf(registry.create(undefined as never))).toMatchObject({ code: 'CONFIG_INVALID', field: 'input' });
  });

  it('updates partially, re-validates, bumps the version and refuses stale versions', async () => {
    const { registry } = setup();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms', balance: 10 } });
    const u = await registry.update(p.id, { config: { balance: 20 }, name: 'Renamed', eventLevel: 'debug' });
    expect(u.config).toMatchObject({ channel: 'sms', balance: 20 });
    expect(u).toMatchObject({ name: 'Renamed', eventLevel: 'debug', version: 2 });
    expect((await codeOf(registry.update(p.id, { config: { balance: 'lots' } }))).field).toBe('config.balance');
    expect((await codeOf(registry.update(p.id, { name: 'x', expectedVersion: 1 }))).code).toBe('CONFLICT');
    expect((await registry.get(p.id)).version).toBe(2);
  });

  it('detects a concurrent change made by another app instance sharing the store', async () => {
    const storage = memoryStorage();
    const keys = { k1: generateSecretKey() };
    const one = setup({ storage, keys }).registry;
    const two = setup({ storage, keys }).registry;
    const p = await one.create({ type: 'memory', config: { channel: 'sms' } });
    const seen = await two.get(p.id);
    await one.update(p.id, { name: 'first' });
    const stale = await codeOf(two.update(p.id, { name: 'second', expectedVersion: seen.version }));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.retryable).toBe(true);
  });

  it('copies with a new id, the same config and re-sealed secrets, without usages', async () => {
    const { registry, storage, memory } = setup();
    const p = await registry.create({ type: 'memory', name: 'Mail', config: { channel: 'email', balance: 3 }, secrets: { password: 'pw-123456' } });
    await registry.addUsage(p.id, { kind: 'form', id: 'f1', label: 'Contact form' });
    const c = await registry.copy(p.id);
    expect(c.id).not.toBe(p.id);
    expect(c.name).toBe('Mail (copy)');
    expect(c.config).toEqual(p.config);
    expect(c.secrets).toEqual({ password: { set: true } });
    expect(await registry.usages(c.id)).toEqual([]);
    const [orig, copy] = [await storage.providers.get(p.id), await storage.providers.get(c.id)];
    expect(copy!.secrets.password).not.toBe(orig!.secrets.password);
    await registry.send(c.id, { to: 'x@example.org', subject: 's', text: 't' });
    expect(memory.outbox(c.id)).toHaveLength(1);
    expect((await registry.copy(p.id, { name: 'Named', id: 'named' })).id).toBe('named');
  });
});

describe('secrets', () => {
  it('changes and removes secrets; read APIs and storage never show values', async () => {
    const { registry, storage } = setup();
    const p = await registry.create({ type: 'memory', secrets: { password: 'first-PASSWORD-1' } });
    expect(p.secrets).toEqual({ password: { set: true } });
    const changed = await registry.setSecret(p.id, 'password', 'second-PASSWORD-2');
    expect(changed.version).toBe(2);
    const removed = await registry.removeSecret(p.id, 'password');
    expect(removed.secrets).toEqual({ password: { set: false } });
    expect((await codeOf(registry.setSecret(p.id, 'nope', 'x'))).code).toBe('CONFIG_INVALID');
    expect((await codeOf(registry.removeSecret(p.id, 'nope'))).code).toBe('CONFIG_INVALID');
    await registry.setSecret(p.id, 'password', 'third-PASSWORD-3');
    const everything = JSON.stringify([await storage.providers.list(), await registry.list(), await registry.events()]);
    for (const value of ['first-PASSWORD-1', 'second-PASSWORD-2', 'third-PASSWORD-3']) expect(everything).not.toContain(value);
  });

  it('fails with SECRET_UNREADABLE for a tampered or moved sealed value', async () => {
    const { registry, storage } = setup();
    const a = await registry.create({ type: 'memory', secrets: { password: 'pw-aaaaaa' } });
    const b = await registry.create({ type: 'memory', secrets: { password: 'pw-bbbbbb' } });
    const recA = (await storage.providers.get(a.id))!;
    const recB = (await storage.providers.get(b.id))!;
    await storage.providers.update({ ...recB, secrets: { password: recA.secrets.password! }, version: 2 }, 1);
    const moved = await codeOf(registry.resolve(b.id));
    expect(moved.code).toBe('SECRET_UNREADABLE');
    expect(moved.providerId).toBe(b.id);
    await storage.providers.update({ ...recA, secrets: { password: `${recA.secrets.password!.slice(0, -4)}AAAA` }, version: 2 }, 1);
    expect((await codeOf(registry.resolve(a.id))).code).toBe('SECRET_UNREADABLE');
  });

  it('rotates every sealed secret to the current key', async () => {
    const storage = memoryStorage();
    const k1 = generateSecretKey();
    const k2 = generateSecretKey();
    const before = setup({ storage, keys: { k1 } }).registry;
    const p = await before.create({ type: 'memory', secrets: { password: 'rotate-me-please' } });
    await before.create({ type: 'leaky', secrets: { token: 'token-value-1' } });
    await before.create({ type: 'memory' });
    await storage.totp.put({
      providerId: p.id, userId: 'u1', sealedSecret: new SecretBox({ keys: { k1 }, current: 'k1' }).seal('JBSWY3DPEHPK3PXP', { recordId: `user:${p.id}:u1`, field: 'secret' }),
      confirmed: true, lastStep: -1, failures: 0, createdAt: new Date().toISOString(), version: 1,
    });
    const after = setup({ storage, keys: { k1, k2 }, current: 'k2' }).registry;
    expect(await after.rotateSecrets()).toEqual({ rotated: 3, skipped: [], remaining: 0 });
    expect(await after.rotateSecrets()).toEqual({ rotated: 0, skipped: [], remaining: 0 });
    for (const r of await storage.providers.list()) for (const s of Object.values(r.secrets)) expect(s.startsWith('tk1.k2.')).toBe(true);
    expect((await storage.totp.get(p.id, 'u1'))!.sealedSecret.startsWith('tk1.k2.')).toBe(true);
    const onlyNew = setup({ storage, keys: { k2 } }).registry;
    expect((await onlyNew.test(p.id)).ok).toBe(true);
  });
});

describe('used by and defaults', () => {
  it('lists usages and refuses to remove a provider in use unless forced', async () => {
    const { registry } = setup();
    const p = await registry.create({ type: 'memory', name: 'Mail' });
    await registry.addUsage(p.id, { kind: 'form', id: 'f1', label: 'Contact form' });
    await registry.addUsage(p.id, { kind: 'form', id: 'f2' });
    expect(await registry.usages(p.id)).toEqual([{ kind: 'form', id: 'f1', label: 'Contact form' }, { kind: 'form', id: 'f2' }]);
    const inUse = await codeOf(registry.remove(p.id));
    expect(inUse.code).toBe('PROVIDER_IN_USE');
    expect(inUse.message).toContain('Contact form');
    expect(inUse.details?.usages).toHaveLength(2);
    expect(await registry.removeUsage(p.id, 'form', 'f2')).toBe(true);
    expect(await registry.removeUsage(p.id, 'form', 'f2')).toBe(false);
    expect((await codeOf(registry.addUsage(p.id, { kind: '', id: 'x' }))).field).toBe('usage.kind');
    expect((await codeOf(registry.addUsage('ghost', { kind: 'form', id: 'x' }))).code).toBe('NOT_FOUND');
    await registry.remove(p.id, { force: true });
    expect((await codeOf(registry.get(p.id))).code).toBe('NOT_FOUND');
    const q = await registry.create({ type: 'memory' });
    await registry.remove(q.id);
    expect(await registry.list()).toEqual([]);
  });

  it('resolves tenant default, then global default, then NOT_FOUND, and tracks default usages', async () => {
    const { registry } = setup();
    const global = await registry.create({ type: 'memory', config: { channel: 'sms' }, name: 'Global SMS' });
    const tenantA = await registry.create({ type: 'memory', config: { channel: 'sms' }, name: 'Tenant A SMS' });
    expect((await codeOf(registry.defaultFor({ channel: 'sms', tenant: 'a' }))).code).toBe('NOT_FOUND');
    await registry.setDefault(global.id);
    await registry.setDefault(tenantA.id, { tenant: 'a' });
    expect(await registry.defaultFor({ channel: 'sms', tenant: 'a' })).toBe(tenantA.id);
    expect(await registry.defaultFor({ channel: 'sms', tenant: 'b' })).toBe(global.id);
    expect(await registry.defaultFor({ channel: 'sms' })).toBe(global.id);
    expect((await registry.resolveFor({ channel: 'sms', tenant: 'a' })).id).toBe(tenantA.id);
    expect(await registry.usages(tenantA.id)).toEqual([{ kind: 'tenant-default', id: 'a/sms', label: 'default sms provider of tenant a' }]);
    expect((await codeOf(registry.remove(tenantA.id))).code).toBe('PROVIDER_IN_USE');
    await registry.setDefault(global.id, { tenant: 'a' });
    expect(await registry.usages(tenantA.id)).toEqual([]);
    expect((await registry.usages(global.id)).map((u) => u.kind).sort()).toEqual(['global-default', 'tenant-default']);
    await registry.remove(global.id, { force: true });
    expect((await codeOf(registry.defaultFor({ channel: 'sms', tenant: 'a' }))).code).toBe('NOT_FOUND');
    expect((await codeOf(registry.defaultFor({ channel: 'email' }))).code).toBe('NOT_FOUND');
  });
});

describe('resolve', () => {
  it('caches the live provider and rebuilds it (closing the old one) when the record changes', async () => {
    const storage = memoryStorage();
    const keys = { k1: generateSecretKey() };
    const { registry } = setup({ storage, keys });
    const other = setup({ storage, keys }).registry;
    const p = await registry.create({ type: 'memory', config: { channel: 'sms', balance: 1 } });
    const first = await registry.resolve(p.id);
    expect(await registry.resolve(p.id)).toBe(first);
    const [x, y] = await Promise.all([registry.resolve(p.id), registry.resolve(p.id)]);
    expect(x).toBe(first);
    expect(y).toBe(first);
    await other.update(p.id, { config: { balance: 2 } });
    const second = await registry.resolve(p.id);
    expect(second).not.toBe(first);
    expect(second.kind === 'delivery' && (await second.getBalance!()).amount).toBe(2);
  });

  it('does not cache a provider that failed to build', async () => {
    const { registry, storage } = setup();
    const p = await registry.create({ type: 'memory', secrets: { password: 'pw-cccccc' } });
    const rec = (await storage.providers.get(p.id))!;
    await storage.providers.update({ ...rec, secrets: { password: 'garbage' }, version: 2 }, 1);
    expect((await codeOf(registry.resolve(p.id))).code).toBe('SECRET_UNREADABLE');
    await registry.setSecret(p.id, 'password', 'pw-dddddd');
    expect((await registry.resolve(p.id)).id).toBe(p.id);
  });
});

describe('send', () => {
  it('validates messages before sending: recipients, content, header injection', async () => {
    const { registry, memory } = setup();
    const mail = await registry.create({ type: 'memory', config: { channel: 'email' } });
    const sms = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const cases: [string, unknown, string][] = [
      [mail.id, { to: [], subject: 's', text: 't' }, 'message.to'],
      [mail.id, { to: 'a@example.org', subject: 's' }, 'message.text'],
      [mail.id, { to: 'not-an-address', subject: 's', text: 't' }, 'message.to'],
      [mail.id, { to: 'a@example.org', subject: 'hi\r\nBcc: victim@example.org', text: 't' }, 'message.subject'],
      [mail.id, { to: 'a@example.org', subject: 's', text: 't', headers: { 'X-A': 'v\nBcc: x@y.z' } }, 'message.headers.X-A'],
      [sms.id, { to: '+41791234567', text: '' }, 'message.text'],
    ];
    for (const [id, message, field] of cases) {
      const e = await codeOf(registry.send(id, message as never));
      expect(e.code).toBe('MESSAGE_INVALID');
      expect(e.field).toBe(field);
      expect(e.providerId).toBe(id);
    }
    const badNumber = await codeOf(registry.send(sms.id, { to: ['+41791234567', 'call me'], text: 'hi' }));
    expect(badNumber.code).toBe('INVALID_RECIPIENT');
    expect(badNumber.upstream?.rejected).toEqual(['call me']);
    expect(memory.outbox()).toEqual([]);
  });

  it('maps provider failures to TransportErrors naming the provider and records them', async () => {
    const { registry, memory } = setup();
    const sms = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    memory.failNext('INSUFFICIENT_CREDIT');
    const e = await codeOf(registry.send(sms.id, { to: '+41791234567', text: 'hi' }));
    expect(e).toBeInstanceOf(TransportError);
    expect(e).toMatchObject({ code: 'INSUFFICIENT_CREDIT', providerId: sms.id });
    const plain = await registry.create({ type: 'leaky', config: { mode: 'throw-plain' }, secrets: { token: 'tok-abcdef' } });
    const wrapped = await codeOf(registry.send(plain.id, { to: 'device:1', text: 'x' }));
    expect(wrapped.code).toBe('UNAVAILABLE');
    expect(wrapped.cause).toBeInstanceOf(Error);
    expect(wrapped.message).not.toContain('tok-abcdef');
    const failed = await registry.events({ types: ['send.failed'] });
    expect(failed.map((ev) => ev.fields.code)).toEqual(['INSUFFICIENT_CREDIT', 'UNAVAILABLE']);
  });

  it('refuses several recipients for a single-recipient provider, and sends to a host type', async () => {
    const { registry } = setup();
    const push = await registry.create({ type: 'leaky', secrets: { token: 'tok-123456' } });
    expect((await codeOf(registry.send(push.id, { to: ['device:1', 'device:2'], text: 'x' }))).code).toBe('MESSAGE_INVALID');
    expect((await registry.send(push.id, { to: 'device:1', text: 'x' })).accepted).toEqual(['device:1']);
  });

  it('honours an abort signal', async () => {
    const { registry } = setup();
    const slow = await registry.create({ type: 'memory', config: { channel: 'sms', latencyMs: 5_000 } });
    const controller = new AbortController();
    const pending = registry.send(slow.id, { to: '+41791234567', text: 'x' }, { signal: controller.signal });
    controller.abort();
    expect((await codeOf(pending)).code).toBe('ABORTED');
  });
});

describe('test()', () => {
  it('reports ordered steps with a test send and never throws for provider failures', async () => {
    const { registry, memory } = setup();
    const sms = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms', balance: 12.5 } });
    const ok = await registry.test(sms.id, { to: '+41791234567' });
    expect(ok.ok).toBe(true);
    expect(ok.steps.map((s) => s.name)).toEqual(['config', 'verify', 'balance', 'send']);
    expect(ok.steps.find((s) => s.name === 'balance')!.detail).toBe('12.5 credits');
    expect(ok.sendResult?.accepted).toEqual(['+41791234567']);
    expect(memory.find('+41791234567')[0]!.message).toMatchObject({ text: expect.stringContaining('SMS') });

    memory.failNext('AUTH_FAILED', { operation: 'verify' });
    const failed = await registry.test(sms.id);
    expect(failed.ok).toBe(false);
    expect(failed.errorCode).toBe('AUTH_FAILED');
    expect(failed.steps.map((s) => [s.name, s.ok])).toEqual([['config', true], ['verify', false], ['balance', true]]);

    const badTo = await registry.test(sms.id, { to: 'nobody' });
    expect(badTo.ok).toBe(false);
    expect(badTo.steps.at(-1)).toMatchObject({ name: 'send', ok: false, code: 'INVALID_RECIPIENT' });
    const mail = await registry.create({ type: 'memory', config: { channel: 'email' } });
    expect((await registry.test(mail.id, { to: 'a@example.org' })).ok).toBe(true);
    expect(memory.last('a@example.org')!.message).toMatchObject({ subject: expect.stringContaining('Test') });
    expect((await registry.events({ types: ['test'] })).map((e) => e.severity)).toEqual(['info', 'error', 'error', 'info']);
  });

  it('reports a provider that cannot be built as a failing config step', async () => {
    const { registry, storage } = setup();
    const p = await registry.create({ type: 'memory', secrets: { password: 'pw-eeeeee' } });
    const rec = (await storage.providers.get(p.id))!;
    await storage.providers.update({ ...rec, secrets: { password: 'garbage' }, version: 2 }, 1);
    const report = await registry.test(p.id, { to: 'a@example.org' });
    expect(report).toMatchObject({ ok: false, errorCode: 'SECRET_UNREADABLE', steps: [{ name: 'config', ok: false }] });
  });
});

describe('events and redaction', () => {
  it('records by level: off, errors, all, debug', async () => {
    const { registry, memory } = setup();
    const ids: Record<string, string> = {};
    for (const level of ['off', 'errors', 'all', 'debug'] as const) {
      ids[level] = (await registry.create({ type: 'memory', config: { channel: 'sms' }, eventLevel: level })).id;
      await registry.send(ids[level]!, { to: '+41791234567', text: 'x' });
      memory.failNext('UNAVAILABLE');
      await registry.send(ids[level]!, { to: '+41791234567', text: 'x' }).catch(() => undefined);
    }
    const types = async (level: string) => (await registry.events({ providerId: ids[level] })).map((e) => e.type);
    expect(await types('off')).toEqual([]);
    expect(await types('errors')).toEqual(['send.failed']);
    expect(await types('all')).toEqual(['provider.created', 'send', 'send.failed']);
    expect(await types('debug')).toEqual(['provider.created', 'memory.sent', 'send', 'send.failed']);
  });

  it('never lets a secret reach events, logs or error messages, whatever the provider does', async () => {
    const logged: LogEntry[] = [];
    const storage = memoryStorage();
    const registry = createRegistry({ storage, types: [memoryTransport(), leakyType()], logger: (e) => logged.push(e), secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' } });
    const SECRETS = ['Tok3n-Sup3r-S3cret!', 'Tok3n-Changed-S3cret#', 'Mem-Passw0rd-XYZ'];
    const errors: unknown[] = [];
    const p = await registry.create({ type: 'leaky', eventLevel: 'debug', secrets: { token: SECRETS[0]! } });
    await registry.send(p.id, { to: 'device:1', text: 'hello' });
    await registry.setSecret(p.id, 'token', SECRETS[1]!);
    await registry.send(p.id, { to: 'device:2', text: 'hello' });
    await registry.update(p.id, { config: { mode: 'throw-plain' } });
    errors.push(await codeOf(registry.send(p.id, { to: 'device:3', text: 'x' })));
    errors.push(await registry.test(p.id, { to: 'device:4' }));
    const copy = await registry.copy(p.id);
    await registry.update(copy.id, { config: { mode: 'throw-transport' } });
    errors.push(await codeOf(registry.send(copy.id, { to: 'device:5', text: 'x' })));
    const m = await registry.create({ type: 'memory', eventLevel: 'debug', secrets: { password: SECRETS[2]! } });
    await registry.test(m.id, { to: 'a@example.org' });
    const code = '493027';
    await registry.send(m.id, { to: 'a@example.org', subject: 'Your code', text: `code ${code}` }, { redact: [code] });

    const haystack = JSON.stringify([await registry.events(), logged, await storage.providers.list(), await registry.list(), errors.map((e) => (e instanceof Error ? [e.message, e] : e))]);
    expect(logged.length).toBeGreaterThan(10);
    expect(haystack).toContain('[redacted]');
    for (const s of SECRETS) {
      expect(haystack).not.toContain(s);
      expect(haystack).not.toContain(encodeURIComponent(s));
    }
    expect(haystack).not.toContain(code);
  });

  it('passes log entries in the pino-compatible shape and survives a throwing logger', async () => {
    const entries: LogEntry[] = [];
    let calls = 0;
    const registry = createRegistry({ logger: (e) => { calls += 1; entries.push(e); throw new Error('logger broke'); } });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await registry.send(p.id, { to: '+41791234567', text: 'x' });
    expect(calls).toBeGreaterThan(0);
    expect(entries.at(-1)).toMatchObject({ level: 'info', msg: expect.any(String), time: expect.any(Number), providerId: p.id, event: 'send' });
  });
});

describe('storage failures', () => {
  it('surfaces adapter failures as STORAGE_FAILED with the cause, never falling back to memory', async () => {
    const base = memoryStorage();
    const boom = new Error('connection reset by database');
    const broken: TransportStorage = { ...base, providers: { ...base.providers, get: async () => { throw boom; } } };
    const registry = createRegistry({ storage: broken });
    const e = await codeOf(registry.get('x'));
    expect(e.code).toBe('STORAGE_FAILED');
    expect(e.cause).toBe(boom);
    expect(e.retryable).toBe(true);
  });

  it('reports a failing event store to the logger without failing the send', async () => {
    const base = memoryStorage();
    const logged: LogEntry[] = [];
    const storage: TransportStorage = { ...base, events: { ...base.events, appendMany: async () => { throw new Error('disk full'); } } };
    const registry = createRegistry({ storage, logger: (e) => logged.push(e) });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await expect(registry.send(p.id, { to: '+41791234567', text: 'x' })).resolves.toMatchObject({ accepted: ['+41791234567'] });
    await registry.close();
    expect(logged.some((l) => l.event === 'events.failed')).toBe(true);
    expect(registry.stats().events.failed).toBeGreaterThan(0);
  });

  it('refuses a storage object that lacks a store', () => {
    const { totp: _omit, ...partial } = memoryStorage();
    expect(() => createRegistry({ storage: partial as TransportStorage })).toThrowError(expect.objectContaining({ code: 'CONFIG_INVALID', field: 'storage.totp' }));
  });
});

describe('close', () => {
  it('closes live providers and refuses further use', async () => {
    const registry = createRegistry();
    const p = await registry.create({ type: 'memory' });
    await registry.resolve(p.id);
    await registry.close();
    expect((await codeOf(registry.resolve(p.id))).code).toBe('UNAVAILABLE');
  });
});
