import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRegistry,
  generateSecretKey,
  memoryStorage,
  SecretBox,
  systemClock,
  type LogEntry,
  type ProviderEvents,
} from '../../src/index.js';
import { aspsms, aspsmsConfigSchema, isAspsmsProvider, type AspsmsConfig } from '../../src/providers/aspsms/index.js';
import { startAspsmsMock, type AspsmsMock } from '../../src/testing/index.js';
import { PASSWORD, USER_KEY } from './setup.js';

/** Every form of the password that would count as a leak. */
const LEAKS = [PASSWORD, 'Pw-aspsms&amp;&lt;Sekret&gt;-4711', encodeURIComponent(PASSWORD), 'Sekret'];
const OTHER_PASSWORD = 'Zweites-Passwort-0815';

describe('ASPSMS through the registry', () => {
  let mock: AspsmsMock;
  let callbacks: string[];
  let callbackServer: http.Server;
  let callbackBase: string;

  beforeAll(async () => {
    callbacks = [];
    callbackServer = http.createServer((req, res) => {
      callbacks.push(req.url ?? '');
      res.end('ok');
    });
    await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
    callbackBase = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}`;
    mock = await startAspsmsMock({
      accounts: [
        { userKey: USER_KEY, password: PASSWORD, credits: 50 },
        { userKey: 'OTHERKEY0001', password: OTHER_PASSWORD, credits: 7 },
      ],
      unknownRecipients: ['+41790000000'],
    });
  });
  afterAll(async () => {
    await mock.close();
    callbackServer.closeAllConnections();
    await new Promise<void>((resolve) => callbackServer.close(() => resolve()));
  });

  it('creates, tests, sends, copies, changes and removes the password, and never leaks it (debug level)', async () => {
    const logs: LogEntry[] = [];
    const registry = createRegistry({ types: [aspsms()], logger: (entry) => logs.push(entry) });
    const created = await registry.create({
      type: 'aspsms',
      name: 'Shop SMS',
      eventLevel: 'debug',
      config: {
        userKey: USER_KEY,
        originator: 'Shop',
        serviceUrl: mock.url,
        deliveryNotificationUrl: `${callbackBase}/dlr?trn=<TRN>&to=<RCPNT>&st=<DST>`,
        nonDeliveryNotificationUrl: `${callbackBase}/ndlr?id=`,
      },
      secrets: { password: PASSWORD },
    });
    expect(created).toMatchObject({ type: 'aspsms', channel: 'sms', secrets: { password: { set: true } } });
    expect(created.config).toMatchObject({ timeoutMs: 30_000, maxSegments: 9, flash: false });

    const report = await registry.test(created.id, { to: '+41 79 123 45 67' });
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.name)).toEqual(['config', 'originator', 'verify', 'balance', 'send']);
    expect(report.steps.find((s) => s.name === 'balance')!.detail).toBe('50 credits');
    expect(report.sendResult).toMatchObject({ accepted: ['+41791234567'], segments: 1 });

    const sent = await registry.send(created.id, { to: ['+41791234567', '+41790000000'], text: 'Ihr Code: 918273' }, { redact: ['918273'] });
    const refs = sent.details!.references as Record<string, string>;
    await mock.settled();
    expect(callbacks).toContain(`/dlr?trn=${refs['+41791234567']}&to=%2B41791234567&st=0`);
    expect(callbacks).toContain(`/ndlr?id=${refs['+41790000000']}`);
    const live = await registry.resolve(created.id);
    if (!isAspsmsProvider(live)) throw new Error('not an ASPSMS provider');
    expect((await live.deliveryStatus(Object.values(refs))).map((s) => s.state).sort()).toEqual(['delivered', 'failed']);

    const copy = await registry.copy(created.id, { name: 'Shop SMS (copy)' });
    expect(copy.secrets).toEqual({ password: { set: true } });
    await expect(registry.send(copy.id, { to: '+41791234567', text: 'from the copy' })).resolves.toMatchObject({ accepted: ['+41791234567'] });

    await registry.setSecret(copy.id, 'password', 'wrong-password-123');
    const failing = await registry.test(copy.id);
    expect(failing).toMatchObject({ ok: false, errorCode: 'AUTH_FAILED' });
    expect(failing.steps.find((s) => s.name === 'verify')).toMatchObject({ ok: false, code: 'AUTH_FAILED' });
    await registry.update(copy.id, { config: { userKey: 'OTHERKEY0001' } });
    await registry.setSecret(copy.id, 'password', OTHER_PASSWORD);
    expect((await registry.test(copy.id)).steps.find((s) => s.name === 'balance')!.detail).toBe('7 credits');

    await registry.removeSecret(created.id, 'password');
    const unset = await registry.test(created.id);
    expect(unset).toMatchObject({ ok: false, errorCode: 'CONFIG_INVALID' });
    expect(unset.steps[0]).toMatchObject({ name: 'config', ok: false, code: 'CONFIG_INVALID' });
    expect(await registry.send(created.id, { to: '+41791234567', text: 'x' }).catch((e: unknown) => e)).toMatchObject({ code: 'CONFIG_INVALID', field: 'secrets.password' });

    const events = await registry.events();
    const types = new Set(events.map((e) => e.type));
    for (const type of ['provider.created', 'test', 'send', 'aspsms.request', 'aspsms.response', 'provider.copied', 'secret.changed', 'secret.removed']) {
      expect(types, type).toContain(type);
    }
    const envelopes = events.filter((e) => e.type === 'aspsms.request').map((e) => String(e.fields.envelope));
    expect(envelopes.some((e) => e.includes('<Password>[redacted]</Password>'))).toBe(true);
    const everything = JSON.stringify(events) + JSON.stringify(logs) + JSON.stringify(await registry.list());
    for (const leak of [...LEAKS, OTHER_PASSWORD, 'wrong-password-123', '918273']) expect(everything, leak).not.toContain(leak);
    await registry.close();
  });

  it('refuses a bad originator, URL or limit with CONFIG_INVALID naming the field', async () => {
    const registry = createRegistry({ types: [aspsms()] });
    const bad: [Record<string, unknown>, string][] = [
      [{ originator: 'TwelveLetter' }, 'config.originator'],
      [{ originator: '+12' }, 'config.originator'],
      [{ serviceUrl: 'ftp://soap.aspsms.com/aspsmsx2.asmx' }, 'config.serviceUrl'],
      [{ serviceUrl: 'https://user:pw@soap.aspsms.com/aspsmsx2.asmx' }, 'config.serviceUrl'],
      [{ serviceUrl: 'not a url' }, 'config.serviceUrl'],
      [{ userKey: '' }, 'config.userKey'],
      [{ maxSegments: 10 }, 'config.maxSegments'],
      [{ timeoutMs: 0 }, 'config.timeoutMs'],
      [{ deliveryNotificationUrl: 'javascript:alert(1)' }, 'config.deliveryNotificationUrl'],
      [{ defaultCountryCode: '041' }, 'config.defaultCountryCode'],
    ];
    for (const [patch, field] of bad) {
      const error = await registry
        .create({ type: 'aspsms', config: { userKey: USER_KEY, originator: 'Shop', ...patch }, secrets: { password: PASSWORD } })
        .catch((e: unknown) => e);
      expect(error, field).toMatchObject({ code: 'CONFIG_INVALID', field });
      expect((error as Error).message).not.toContain(PASSWORD);
    }
    const ok = await registry.create({ type: 'aspsms', config: { userKey: USER_KEY, originator: '0041 79 111 00 00', defaultCountryCode: '41' } });
    expect(ok.config).toMatchObject({ originator: '+41791110000', serviceUrl: 'https://soap.aspsms.com/aspsmsx2.asmx' });
    const live = await registry.create({ type: 'aspsms', config: { userKey: USER_KEY, originator: 'Shop', defaultCountryCode: '41' }, secrets: { password: PASSWORD } });
    const provider = await registry.resolve(live.id);
    if (provider.kind !== 'delivery') throw new Error('not a delivery provider');
    expect(provider.validateAddress('079 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    await registry.close();
  });

  it('redacts the password from debug envelopes itself, before the registry redactor sees them', async () => {
    const raw: unknown[] = [];
    const events: ProviderEvents = {
      level: 'debug',
      enabled: () => true,
      error: (...args) => raw.push(args),
      warn: (...args) => raw.push(args),
      info: (...args) => raw.push(args),
      debug: (...args) => raw.push(args),
      // No help from a recorder: the provider must redact the envelopes itself.
      redact: (text) => text,
    };
    const type = aspsms();
    const config = aspsmsConfigSchema.parse({ userKey: USER_KEY, originator: 'Shop', serviceUrl: mock.url }) as AspsmsConfig;
    const provider = await type.create(config, { password: PASSWORD }, {
      providerId: 'raw',
      name: 'raw',
      events,
      clock: systemClock,
      storage: memoryStorage(),
      secretBox: new SecretBox({ keys: { k: generateSecretKey() }, current: 'k' }),
    });
    await provider.send({ to: '+41791234567', text: 'raw check' });
    await provider.getBalance();
    const bad = await type.create(config, { password: 'Kein-Passwort-Hier' }, {
      providerId: 'raw2',
      name: 'raw2',
      events,
      clock: systemClock,
      storage: memoryStorage(),
      secretBox: new SecretBox({ keys: { k: generateSecretKey() }, current: 'k' }),
    });
    const error = await bad.getBalance().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    expect(raw.length).toBeGreaterThanOrEqual(4);
    const everything = JSON.stringify(raw) + JSON.stringify(error) + String((error as Error).stack);
    for (const leak of [...LEAKS, 'Kein-Passwort-Hier']) expect(everything, leak).not.toContain(leak);
    await Promise.all([provider.close(), bad.close()]);
  });
});
