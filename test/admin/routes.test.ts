import { describe, expect, it } from 'vitest';
import { createRegistry, memoryStorage, routeType } from '../../src/index.js';
import { createAdminHandler } from '../../src/admin/index.js';
import { describeType } from '../../src/admin/forms.js';
import { memoryTransport } from '../../src/testing/index.js';

const ORIGIN = 'http://admin.test';
// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
/** The browser's form module (plain JS, checked by its own tsconfig): what this test uses of it. */
interface FormModule {
  initialState(fields: readonly unknown[], config: Record<string, unknown> | undefined): Record<string, string | boolean>;
  collectConfig(fields: readonly unknown[], state: Record<string, string | boolean>, jsonError: (key: string) => string): { config: Record<string, unknown>; errors: Record<string, string> };
}
const FORM_MODULE = '../../src/admin/client/form.js';

describe('stored routes in the admin console', () => {
  it('the providers of a route are a list control, one id per line', async () => {
    const { collectConfig, initialState } = (await import(FORM_MODULE)) as FormModule;
    const info = describeType(routeType, 'de');
    const providers = info.fields.find((f) => f.key === 'providers')!;
    expect(providers).toMatchObject({ control: 'list', label: 'Anbieter', required: true });
    const state = initialState(info.fields, { channel: 'sms', providers: ['threema', 'sms'], strategy: 'failover' });
    expect(state.providers).toBe('threema\nsms');
    const { config, errors } = collectConfig(info.fields, { ...state, providers: ' threema \n\n sms-2 \n' }, () => 'invalid JSON');
    expect(errors).toStrictEqual({});
    expect(config).toStrictEqual({ channel: 'sms', providers: ['threema', 'sms-2'], strategy: 'failover' });
    expect(collectConfig(info.fields, { ...state, providers: '\n ' }, () => '').config).not.toHaveProperty('providers');
  });

  it('creates a route through the API, with field errors for a missing provider and "used by" on its providers', async () => {
    const registry = createRegistry({ storage: memoryStorage(), types: [memoryTransport()] });
    await registry.create({ type: 'memory', id: 'a', config: { channel: 'sms' } });
    const handler = createAdminHandler({ registry, authorize: () => ({ id: 'alice' }) });
    const { csrfToken } = (await (await handler(new Request(`${ORIGIN}/api/session`))).json()) as Json;
    const call = (method: string, path: string, body?: unknown) =>
      handler(
        new Request(`${ORIGIN}/api${path}`, {
          method,
          headers: { 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        }),
      );
    const types = ((await (await call('GET', '/types')).json()) as Json).types.map((t: Json) => t.type);
    expect(types).toContain('route');
    const bad = await call('POST', '/providers', { type: 'route', name: 'Codes', config: { providers: ['a', 'ghost'] } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(await bad.json())).toContain('config.providers[1]');
    const made = await call('POST', '/providers', { type: 'route', name: 'Codes', config: { providers: ['a'] } });
    expect(made.status).toBe(201);
    const { id } = ((await made.json()) as Json).provider;
    expect(((await (await call('GET', '/providers/a/usages')).json()) as Json).usages).toStrictEqual([{ kind: 'route', id, label: 'route "Codes"' }]);
    expect((await call('DELETE', '/providers/a')).status).toBe(409);
  });
});
