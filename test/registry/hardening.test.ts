import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRegistry,
  ERROR_CODES,
  isTransportError,
  memoryStorage,
  memoryTransport,
  type ProviderRegistry,
  type TransportStorage,
} from '../../src/index.js';
import { leakyType } from './helpers.js';

const TOKEN = 'Tok-9f3e1c77-unique-secret';
const KEY_BYTES = Buffer.alloc(32, 0x5a);

function world(): { registry: ProviderRegistry; storage: TransportStorage } {
  const storage = memoryStorage();
  const registry = createRegistry({ storage, types: [memoryTransport(), leakyType()], secretKeys: { keys: { k1: KEY_BYTES }, current: 'k1' } });
  return { registry, storage };
}

/** Every form a secret may take in a printout. */
const forms = (value: string | Buffer) => {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value);
  return [bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), ...(Buffer.isBuffer(value) ? [] : [value, encodeURIComponent(value)])];
};

describe('nothing prints a key or a secret', () => {
  it('the registry, its providers and caches print no key bytes and no secret at any depth', async () => {
    const { registry } = world();
    const p = await registry.create({ type: 'leaky', config: {}, secrets: { token: TOKEN } });
    await registry.send(p.id, { to: 'device:1', text: 'hello' });
    const live = await registry.resolve(p.id);
    const printed = inspect({ registry, live }, { depth: null, showHidden: true, getters: true }) + JSON.stringify({ registry: Object.keys(registry) });
    for (const form of [...forms(KEY_BYTES), ...forms(TOKEN)]) expect(printed).not.toContain(form);
    await registry.close();
  });

  it('an error from an upstream that echoes the secret is redacted in every cause, as util.inspect prints it', async () => {
    const { registry } = world();
    const p = await registry.create({ type: 'leaky', config: { mode: 'throw-echo' }, secrets: { token: TOKEN } });
    const error = await registry.send(p.id, { to: 'device:1', text: 'hello' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED', providerId: p.id });
    const printed = inspect(error, { depth: null, showHidden: true }) + JSON.stringify(error);
    expect(printed).toContain('535 5.7.8 Authentication failed for [redacted]');
    for (const form of forms(TOKEN)) expect(printed).not.toContain(form);
    const plain = await registry.create({ type: 'leaky', config: { mode: 'throw-plain' }, secrets: { token: TOKEN } });
    const second = await registry.send(plain.id, { to: 'device:1', text: 'hello' }).catch((e: unknown) => e);
    expect(inspect(second, { depth: null, showHidden: true })).not.toContain(TOKEN);
  });
});

describe('every input gets a coded error', () => {
  it('refuses unknown config keys naming the key and the closest known one, and changes nothing', async () => {
    const { registry } = world();
    await expect(registry.create({ type: 'memory', config: { channel: 'sms', latncyMs: 5 } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      field: 'config.latncyMs',
      message: expect.stringContaining('did you mean "latencyMs"'),
    });
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    await expect(registry.update(p.id, { config: { flashSms: true } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.flashSms' });
    expect((await registry.get(p.id)).version).toBe(1);
  });

  it('refuses names with line breaks or control characters', async () => {
    const { registry } = world();
    for (const name of ['Relay\r\nBcc: x@evil.example', 'tab\there', 'line\u2028sep']) {
      await expect(registry.create({ type: 'memory', name })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'name' });
    }
  });

  it('answers malformed arguments of the documented cases with CONFIG_INVALID', async () => {
    const { registry } = world();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const cases: [string, () => unknown][] = [
      ['createRegistry(null)', () => createRegistry(null as never)],
      ['types not iterable', () => createRegistry({ types: {} as never })],
      ['update without a patch', () => registry.update(p.id, undefined as never)],
      ['copy(id, null)', () => registry.copy(p.id, null as never)],
      ['list(null)', () => registry.list(null as never)],
      ['clearDefault()', () => registry.clearDefault(undefined as never)],
      ['redact as a string', () => registry.send(p.id, { to: '+41791234567', text: 'x' }, { redact: '493027' as never })],
      ['a Symbol id', () => registry.get(Symbol('id') as never)],
      ['a Symbol field', () => registry.setSecret(p.id, Symbol('f') as never, 'x')],
      ['a null-prototype config', () => registry.create({ type: 'memory', config: Object.assign(Object.create(null) as object, { chanel: 'sms' }) })],
      ['test(id, null)', () => registry.test(p.id, null as never)],
    ];
    for (const [what, call] of cases) {
      const error = await Promise.resolve().then(call).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTransportError(error), what).toBe(true);
      expect((error as { code: string }).code, what).toBe('CONFIG_INVALID');
    }
  });

  it('checks the options of test() before reading anything, naming the field', async () => {
    const { registry } = world();
    const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
    const cases: [unknown, string][] = [
      [{ to: 41791234567 }, 'options.to'],
      [{ text: ['x'] }, 'options.text'],
      [{ onStep: 'log' }, 'options.onStep'],
      [{ signal: { aborted: false } }, 'options.signal'],
      ['to', 'options'],
    ];
    for (const [options, field] of cases) {
      await expect(registry.test(p.id, options as never), field).rejects.toMatchObject({ code: 'CONFIG_INVALID', field });
    }
    await expect(registry.test('missing', { to: 1 } as never)).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'options.to' });
    expect((await registry.test(p.id, { to: '+41791234567', text: 'hello' })).ok).toBe(true);
  });

  it('property: any arguments to any registry method give a value or a coded TransportError, and an error writes nothing', async () => {
    const methods = ['create', 'get', 'list', 'update', 'copy', 'remove', 'setSecret', 'removeSecret', 'addUsage', 'removeUsage', 'usages', 'setDefault', 'clearDefault', 'defaultFor', 'resolve', 'send', 'test', 'events', 'pruneEvents', 'redact', 'recordEvent', 'deliveryStatus', 'recordDeliveryStatus'] as const;
    const weird = fc.oneof(
      fc.anything(),
      fc.constantFrom(null, undefined, Symbol('s'), Object.create(null) as unknown, 'p', '', [], {}, () => 1, Number.NaN, new Date(Number.NaN)),
      fc.record({ type: fc.constantFrom('memory', 'leaky', 'nope'), config: fc.anything(), name: fc.anything(), secrets: fc.anything(), id: fc.anything() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), fc.array(weird, { maxLength: 4 }), async (method, args) => {
        const { registry, storage } = world();
        await registry.create({ type: 'memory', id: 'p', config: { channel: 'sms' } });
        const before = JSON.stringify([await storage.providers.list(), await storage.defaults.list(), await storage.usages.list('p')]);
        try {
          await (registry[method] as (...a: unknown[]) => Promise<unknown>)(...args);
        } catch (error) {
          expect(isTransportError(error), `${method}(${inspect(args)}) threw ${inspect(error)}`).toBe(true);
          expect(ERROR_CODES).toContain((error as { code: string }).code);
          expect(JSON.stringify([await storage.providers.list(), await storage.defaults.list(), await storage.usages.list('p')])).toBe(before);
        }
        await registry.close();
      }),
      { numRuns: 300 },
    );
  });
});

describe('host provider types with any Standard Schema validator', () => {
  it('validates a non-zod (async) schema on create, update and build, naming the field', async () => {
    // A Standard Schema v1 validator written by hand, as valibot or arktype would provide.
    const schema = {
      '~standard': {
        version: 1 as const,
        vendor: 'handmade',
        async validate(value: unknown) {
          const v = value as { endpoint?: unknown };
          if (typeof v?.endpoint !== 'string' || !v.endpoint.startsWith('https://')) return { issues: [{ message: 'must be an https URL', path: [{ key: 'endpoint' }] }] };
          return { value: { endpoint: v.endpoint } };
        },
      },
    };
    const sent: string[] = [];
    const registry = createRegistry({
      types: [
        {
          type: 'webhook',
          kind: 'delivery',
          channel: 'push',
          configSchema: schema,
          secretFields: [],
          create: (config: { endpoint: string }, _secrets, context) => ({
            kind: 'delivery',
            id: context.providerId,
            type: 'webhook',
            channel: 'push',
            capabilities: { message: 'text', balance: false, unicode: true, attachments: false, deliveryReceipts: false, multipleRecipients: false },
            validateAddress: (a: string) => ({ ok: true, normalized: a }),
            async send(message) {
              sent.push(`${config.endpoint} ${String(message.to)}`);
              return { providerId: context.providerId, accepted: [String(message.to)], rejected: [] };
            },
            async close() {},
          }),
        },
      ],
    });
    await expect(registry.create({ type: 'webhook', config: { endpoint: 'http://plain' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.endpoint', message: expect.stringContaining('must be an https URL') });
    const p = await registry.create({ type: 'webhook', config: { endpoint: 'https://hooks.example/a' } });
    await expect(registry.update(p.id, { config: { endpoint: 'ftp://x' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.endpoint' });
    await registry.send(p.id, { to: 'device-1', text: 'hi' });
    expect(sent).toEqual(['https://hooks.example/a device-1']);
  });
});
