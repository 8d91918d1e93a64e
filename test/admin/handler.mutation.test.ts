import { describe, expect, it } from 'vitest';
import { BalanceMonitor, createRegistry, type ProviderRegistry } from '../../src/index.js';
import { createAdminHandler, type AdminHandlerOptions, type AuthorizeResult } from '../../src/admin/index.js';

const ORIGIN = 'http://admin.test';
const alice = { id: 'alice', name: 'Alice' };

/** The CONFIG_INVALID error createAdminHandler throws for `options`. */
function refusal(options: Partial<AdminHandlerOptions>): { code: string; field: string; message: string } {
  try {
    createAdminHandler({ authorize: () => alice, registry: createRegistry(), ...options } as AdminHandlerOptions);
  } catch (e) {
    return e as { code: string; field: string; message: string };
  }
  throw new Error('expected CONFIG_INVALID');
}

const accepts = (options: Partial<AdminHandlerOptions>) => typeof createAdminHandler({ authorize: () => alice, registry: createRegistry(), ...options } as AdminHandlerOptions);

describe('createAdminHandler options pins', () => {
  it('names the field and the rule of each refused option', () => {
    const cases: [Partial<AdminHandlerOptions> | null, string, string][] = [
      [{ authorize: undefined }, 'authorize', 'is required: a function (request) => user | refusal that decides every request'],
      [{ registry: {} as ProviderRegistry }, 'registry', 'must be a ProviderRegistry'],
      [{ monitor: {} as BalanceMonitor }, 'monitor', 'must be a BalanceMonitor'],
      [{ users: {} as never }, 'users', 'must have list()'],
      [{ locale: 'fr' as never }, 'locale', 'must be "de" or "en"'],
      [{ csrfSecret: 'x'.repeat(31) }, 'csrfSecret', 'must have at least 32 bytes'],
      [{ origins: ['https://a.example/'] }, 'origins', 'must be origins such as "https://admin.example.com" (got "https://a.example/")'],
      [{ origins: ['not a url'] }, 'origins', 'must be origins such as "https://admin.example.com" (got "not a url")'],
      [{ csrfTokenTtlSeconds: 59 }, 'csrfTokenTtlSeconds', 'must be a whole number of seconds from 60 to 2,592,000'],
      [{ csrfTokenTtlSeconds: 2_592_001 }, 'csrfTokenTtlSeconds', 'must be a whole number of seconds from 60 to 2,592,000'],
      [{ csrfTokenTtlSeconds: 60.5 }, 'csrfTokenTtlSeconds', 'must be a whole number of seconds from 60 to 2,592,000'],
      [{ maxBodyBytes: 1023 }, 'maxBodyBytes', 'must be a whole number from 1,024 to 67,108,864'],
      [{ maxBodyBytes: 67_108_865 }, 'maxBodyBytes', 'must be a whole number from 1,024 to 67,108,864'],
      [{ maxBodyBytes: 2048.5 }, 'maxBodyBytes', 'must be a whole number from 1,024 to 67,108,864'],
      [{ basePath: 'admin' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: '/a b' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: '/admin/../x' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: '/admin/.' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: '/./admin' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: '/a//b' }, 'basePath', 'must be a path such as "/admin"'],
      [{ basePath: 42 as never }, 'basePath', 'must be a path such as "/admin"'],
    ];
    for (const [options, field, rule] of cases) {
      expect(refusal(options!), field).toMatchObject({ code: 'CONFIG_INVALID', field, message: `createAdminHandler: ${field} ${rule}` });
    }
    let error: unknown;
    try {
      createAdminHandler(null as never);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'options', message: 'createAdminHandler: options are required' });
  });

  it('refuses a registry missing any method or its event store, and a monitor missing any method', () => {
    const registry = createRegistry();
    for (const name of ['providerTypes', 'create', 'get', 'list', 'update', 'copy', 'remove', 'setSecret', 'removeSecret', 'usages', 'setDefault', 'clearDefault', 'resolve', 'send', 'events', 'recordEvent', 'redact']) {
      const without = new Proxy(registry, { get: (t, k) => (k === name ? undefined : Reflect.get(t, k, t)) });
      expect(refusal({ registry: without }).field, name).toBe('registry');
    }
    const noEvents = new Proxy(registry, { get: (t, k) => (k === 'storage' ? { ...t.storage, events: undefined } : Reflect.get(t, k, t)) });
    expect(refusal({ registry: noEvents }).field).toBe('registry');
    const noStorage = new Proxy(registry, { get: (t, k) => (k === 'storage' ? undefined : Reflect.get(t, k, t)) });
    expect(refusal({ registry: noStorage }).field).toBe('registry');
    const monitor = new BalanceMonitor({ registry, users: { getAddress: () => undefined } });
    for (const name of ['status', 'configure', 'check']) {
      const without = new Proxy(monitor, { get: (t, k) => (k === name ? undefined : Reflect.get(t, k, t)) });
      expect(refusal({ monitor: without }).field, name).toBe('monitor');
    }
    expect(accepts({ monitor })).toBe('function');
  });

  it('accepts the bounds of every option', () => {
    for (const options of [
      { csrfTokenTtlSeconds: 60 },
      { csrfTokenTtlSeconds: 2_592_000 },
      { maxBodyBytes: 1024 },
      { maxBodyBytes: 67_108_864 },
      { csrfSecret: 'x'.repeat(32) },
      { locale: 'de' as const },
      { locale: 'en' as const },
      { origins: ['https://admin.example.com', 'http://127.0.0.1:8080'] },
      { users: { list: () => [] } },
      { basePath: '/' },
      { basePath: '' },
      { basePath: '/admin/' },
      { basePath: "/a-b_c.d~!$&'()*+,;=:@%" },
    ]) {
      expect(accepts(options), JSON.stringify(options)).toBe('function');
    }
  });
});

describe('admin handler request pins', () => {
  async function handlerWith(authorize: () => AuthorizeResult | Promise<AuthorizeResult>, extra: Partial<AdminHandlerOptions> = {}) {
    const errors: unknown[] = [];
    const handler = createAdminHandler({ registry: createRegistry(), authorize, basePath: '/admin', onError: (e) => void errors.push(e), ...extra });
    return { handler, errors };
  }

  it('answers refusals with the documented codes and messages', async () => {
    let answer: AuthorizeResult = null;
    const { handler } = await handlerWith(() => answer);
    const api = async () => {
      const response = await handler(new Request(`${ORIGIN}/admin/api/providers`));
      return { status: response.status, body: (await response.json()) as unknown };
    };
    expect(await api()).toStrictEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'sign-in required' } } });
    answer = { status: 403 };
    expect(await api()).toStrictEqual({ status: 403, body: { error: { code: 'FORBIDDEN', message: 'not allowed' } } });
    answer = { status: 401, message: 'log in first' };
    expect(await api()).toStrictEqual({ status: 401, body: { error: { code: 'UNAUTHORIZED', message: 'log in first' } } });
    answer = { status: 500 as never };
    expect((await api()).status).toBe(401);
    answer = undefined;
    const page = await handler(new Request(`${ORIGIN}/admin/`));
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await page.text()).toBe('sign-in required');
    answer = { id: '' } as never;
    expect((await handler(new Request(`${ORIGIN}/admin/`))).status).toBe(500);
  });

  it('reports nonsense from authorize and hides it; a throwing onError changes nothing', async () => {
    const { handler, errors } = await handlerWith(() => 'admin' as never);
    const response = await handler(new Request(`${ORIGIN}/admin/api/providers`));
    expect(response.status).toBe(500);
    expect(await response.json()).toStrictEqual({ error: { code: 'INTERNAL', message: 'authorization failed' } });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(TypeError);
    expect((errors[0] as Error).message).toBe('authorize() must return a user ({ id }), a refusal ({ status: 401 | 403 }) or nothing');
    const throwing = createAdminHandler({
      registry: createRegistry(),
      authorize: () => {
        throw new Error('down');
      },
      onError: () => {
        throw new Error('hook down');
      },
    });
    const answer = await throwing(new Request(`${ORIGIN}/api/providers`));
    expect(answer.status).toBe(500);
    expect(await answer.json()).toStrictEqual({ error: { code: 'INTERNAL', message: 'authorization failed' } });
  });

  // No page or asset here: those need the built console (test/admin/handler.test.ts builds it).
  it('routes: 404 outside the API, 400 for a malformed API path, HEAD without a body', async () => {
    const { handler } = await handlerWith(() => alice);
    const missing = await handler(new Request(`${ORIGIN}/admin/nothing`));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('not found');
    expect(missing.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const put = await handler(new Request(`${ORIGIN}/admin/`, { method: 'PUT', headers: { 'sec-fetch-site': 'same-origin' } }));
    expect(put.status).toBe(403);
    const malformed = await handler(new Request(`${ORIGIN}/admin/api/providers/%E0%A4%A`));
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toStrictEqual({ error: { code: 'BAD_REQUEST', message: 'malformed path' } });
    const unknownRoute = await handler(new Request(`${ORIGIN}/admin/api/nope`));
    expect(await unknownRoute.json()).toStrictEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'no such API route' } });
    expect((await handler(new Request(`${ORIGIN}/admin/apiary`))).status).toBe(404);
    const head = await handler(new Request(`${ORIGIN}/admin/api/providers`, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect(head.headers.get('content-type')).toContain('application/json');
    // Without the base path in the URL (a framework stripped it) the same routes answer.
    expect((await handler(new Request(`${ORIGIN}/api/providers`))).status).toBe(200);
  });

  it('features follow the options: balance with a monitor, the user list with users', async () => {
    const registry = createRegistry();
    const session = async (options: Partial<AdminHandlerOptions>) => {
      const handler = createAdminHandler({ registry, authorize: () => alice, ...options } as AdminHandlerOptions);
      return ((await (await handler(new Request(`${ORIGIN}/api/session`))).json()) as { features: unknown }).features;
    };
    expect(await session({})).toStrictEqual({ balance: false, userList: false });
    expect(await session({ users: { list: () => [] }, monitor: new BalanceMonitor({ registry, users: { getAddress: () => undefined } }) })).toStrictEqual({ balance: true, userList: true });
  });
});
