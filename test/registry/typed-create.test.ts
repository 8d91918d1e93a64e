import { describe, expect, expectTypeOf, it } from 'vitest';
import { createRegistry, memoryTransport, type CreateProviderInput } from '../../src/index.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { smtp } from '../../src/providers/smtp/index.js';

describe('registry.create is typed by the registered provider types', () => {
  it('knows the config keys and secret fields of each type (checked by tsc on the test sources)', async () => {
    const registry = createRegistry({ types: [smtp(), aspsms(), memoryTransport()] });
    type Input = Parameters<typeof registry.create>[0];
    expectTypeOf<Input['type']>().toEqualTypeOf<'smtp' | 'aspsms' | 'memory' | 'route'>();
    expectTypeOf<Extract<Input, { type: 'smtp' }>>().toEqualTypeOf<CreateProviderInput<ReturnType<typeof smtp>>>();

    // @ts-expect-error: a typo in a config key of the named type is a compile error
    const typo = registry.create({ type: 'smtp', config: { host: 'mail.example.org', prot: 2525 } });
    await expect(typo).rejects.toMatchObject({ code: 'CONFIG_INVALID', field: 'config.prot', message: expect.stringContaining('did you mean "port"') });
    // @ts-expect-error: a secret field the type does not have
    await expect(registry.create({ type: 'aspsms', config: { userKey: 'K' }, secrets: { apiKey: 'x' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    // @ts-expect-error: a type that is not registered
    await expect(registry.create({ type: 'fax' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const created = await registry.create({ type: 'memory', config: { channel: 'sms', latencyMs: 0 }, secrets: { password: 'pw' } });
    expect(created.type).toBe('memory');
  });

  it('stays untyped (any type id, any config) for a registry without a types list', async () => {
    const registry = createRegistry();
    expectTypeOf<Parameters<typeof registry.create>[0]['type']>().toEqualTypeOf<string>();
    await expect(registry.create({ type: 'memory', config: { channel: 'sms' } })).resolves.toMatchObject({ type: 'memory' });
  });
});
