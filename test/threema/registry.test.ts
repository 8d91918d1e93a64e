import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry, type LogEntry } from '../../src/index.js';
import { generateKeyPair, threema } from '../../src/providers/threema/index.js';
import { startThreemaGatewayMock, type ThreemaGatewayMock } from '../../src/testing/index.js';
import { rejection, setup, type Setup } from './helpers.js';

let s: Setup | undefined;
afterEach(async () => s?.close());

describe('the threema provider type in the registry', () => {
  it('declares its type, channel and secret fields', () => {
    const type = threema();
    expect(type).toMatchObject({ type: 'threema', kind: 'delivery', channel: 'threema', secretFields: ['secret', 'privateKey'] });
  });

  it('validates the configuration, naming the field', async () => {
    const registry = createRegistry({ types: [threema()] });
    const create = (config: Record<string, unknown>) => rejection(registry.create({ type: 'threema', config }));
    expect(await create({ gatewayId: 'NOSTAR12' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.gatewayId' });
    expect(await create({ gatewayId: '*ABCDEFG', gatewayUrl: 'http://gateway.example/' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.gatewayUrl' });
    expect(await create({ gatewayId: '*ABCDEFG', gatewayUrl: 'https://u:p@gateway.example/' })).toMatchObject({ field: 'config.gatewayUrl' });
    expect(await create({ gatewayId: '*ABCDEFG', timeoutMs: 5 })).toMatchObject({ field: 'config.timeoutMs' });
    const ok = await registry.create({ type: 'threema', config: { gatewayId: '*abcdefg' } });
    expect(ok.config).toMatchObject({ gatewayId: '*ABCDEFG', gatewayUrl: 'https://msgapi.threema.ch/', publicKeyCacheTtlSeconds: 3600, timeoutMs: 10_000 });
    expect(ok.secrets).toEqual({ secret: { set: false }, privateKey: { set: false } });
  });

  it('runs test(), balance, copy, change and removal of secrets with events', async () => {
    s = await setup();
    const report = await s.registry.test(s.id, { to: 'ECHOECHO', text: 'Test from the registry' });
    expect(report.ok).toBe(true);
    expect(report.steps.map((x) => x.name)).toEqual(['config', 'key pair', 'verify', 'balance', 'send']);
    expect(report.steps.find((x) => x.name === 'balance')?.detail).toBe('100 credits');
    expect(s.gateway.inbox('ECHOECHO')[0]?.content).toEqual({ type: 'text', text: 'Test from the registry' });

    const copy = await s.registry.copy(s.id, { name: 'Threema copy' });
    await s.registry.send(copy.id, { to: 'ECHOECHO', text: 'from the copy' });
    expect(s.gateway.inbox('ECHOECHO')[1]?.content).toEqual({ type: 'text', text: 'from the copy' });

    await s.registry.removeSecret(s.id, 'privateKey');
    const missing = await s.registry.test(s.id);
    expect(missing).toMatchObject({ ok: false, errorCode: 'CONFIG_INVALID' });
    expect(missing.steps[0]).toMatchObject({ name: 'config', ok: false, detail: expect.stringContaining('privateKey') });

    const other = generateKeyPair();
    await s.registry.setSecret(s.id, 'privateKey', other.privateKey);
    const mismatch = await s.registry.test(s.id);
    expect(mismatch.steps.find((x) => x.name === 'key pair')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });

    await s.registry.setSecret(s.id, 'privateKey', s.gateway.privateKey);
    await s.registry.setSecret(s.id, 'secret', 'wrong-secret');
    const denied = await s.registry.test(s.id);
    expect(denied).toMatchObject({ ok: false, errorCode: 'AUTH_FAILED' });

    await s.registry.setSecret(s.id, 'privateKey', 'private:nothex');
    expect((await s.registry.test(s.id)).steps[0]).toMatchObject({ ok: false, code: 'CONFIG_INVALID', detail: expect.stringContaining('secrets.privateKey') });

    const types = (await s.registry.events({ providerId: s.id })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['provider.created', 'threema.http', 'send', 'test', 'secret.removed', 'secret.changed']));
  });
});

describe('secrets never leak', () => {
  const SECRET = 'Sup3r-S3cret-API-Value-4711';
  let gateway: ThreemaGatewayMock | undefined;
  afterEach(async () => gateway?.close());

  it('keeps the API secret and private key out of events, logs and errors at debug level', async () => {
    const keys = generateKeyPair();
    gateway = await startThreemaGatewayMock({ secret: SECRET, privateKey: keys.privateKey });
    const logs: LogEntry[] = [];
    const registry = createRegistry({ types: [threema()], logger: (e) => logs.push(e) });
    const { config, secrets } = gateway.providerSettings();
    const p = await registry.create({ type: 'threema', config: { ...config, retryDelayMs: 1, timeoutMs: 300 }, secrets, eventLevel: 'debug' });
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<unknown>) => fn().catch((e: unknown) => void errors.push(e));

    await registry.test(p.id, { to: 'ECHOECHO' });
    await attempt(() => registry.send(p.id, { to: '+41791234567', text: 'hello' }));
    gateway.failNext('send_e2e', { status: 401 });
    await attempt(() => registry.send(p.id, { to: 'ECHOECHO', text: 'x' }));
    gateway.failNext('pubkeys', { status: 500, times: 5 });
    await attempt(() => registry.send(p.id, { to: 'UNKNOWN2', text: 'x' }));
    gateway.failNext('credits', { delayMs: 2_000 });
    await registry.test(p.id);
    const copy = await registry.copy(p.id);
    await registry.test(copy.id, { to: 'NOBODY00' });
    const provider = await registry.resolve(p.id);
    if (provider.type !== 'threema') throw new Error('unexpected type');
    await attempt(() => (provider as unknown as { receive(b: string): Promise<unknown> }).receive(gateway!.callback('ECHOECHO', { type: 'text', text: 'hi' }).body.replace(/mac=[0-9a-f]+/, `mac=${'0'.repeat(64)}`)));
    await gateway.close();
    await attempt(() => registry.send(p.id, { to: 'ECHOECHO', text: 'gateway down' }));
    gateway = undefined;

    expect(errors.map((e) => (e as { code: string }).code)).toEqual(['AUTH_FAILED', 'UNAVAILABLE', 'AUTH_FAILED', 'UNAVAILABLE']);
    const haystack = JSON.stringify([await registry.events(), logs, errors.map((e) => [String(e), (e as Error).stack, JSON.stringify(e)])]);
    const hexKey = keys.privateKey.slice('private:'.length);
    expect(haystack).toContain('threema.http');
    for (const needle of [SECRET, encodeURIComponent(SECRET), Buffer.from(SECRET).toString('base64').slice(0, 20), hexKey, hexKey.toUpperCase()]) {
      expect(haystack).not.toContain(needle);
    }
    await registry.close();
  });
});
