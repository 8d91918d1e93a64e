import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BalanceMonitor, createRegistry, type ProviderRegistry } from '../../src/index.js';
import { createAdminHandler, type AdminHandlerOptions, type AuthorizeResult } from '../../src/admin/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/admin/http.js';
import { buildUiAssets } from './helpers.js';
import { memoryTransport } from '../../src/testing/index.js';

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

describe('admin handler pins: page, assets, locale, CSRF, methods', () => {
  beforeAll(async () => {
    await buildUiAssets();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const make = (extra: Partial<AdminHandlerOptions> = {}) => createAdminHandler({ registry: createRegistry(), authorize: () => alice, basePath: '/admin', ...extra });
  const tokenOf = async (handler: ReturnType<typeof make>) => ((await (await handler(new Request(`${ORIGIN}/admin/api/session`))).json()) as { csrfToken: string }).csrfToken;
  const post = (handler: ReturnType<typeof make>, headers: Record<string, string>) =>
    handler(new Request(`${ORIGIN}/admin/api/providers`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"type":"memory"}' }));

  it('names each CSRF refusal', async () => {
    const handler = make();
    const token = await tokenOf(handler);
    const cross = await post(handler, { 'sec-fetch-site': 'cross-site', 'x-csrf-token': token });
    expect(cross.status).toBe(403);
    expect(await cross.json()).toStrictEqual({ error: { code: 'CSRF', message: 'cross-origin request refused' } });
    const noToken = await post(handler, { 'sec-fetch-site': 'same-origin' });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toStrictEqual({ error: { code: 'CSRF', message: 'missing or expired CSRF token' } });
  });

  it('CSRF tokens expire after the configured lifetime, by default after 12 hours', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const start = Date.now();
    const short = make({ csrfTokenTtlSeconds: 60 });
    const shortToken = await tokenOf(short);
    expect(parseInt(shortToken.split('.')[0]!, 36)).toBe(start);
    const standard = make();
    const standardToken = await tokenOf(standard);
    vi.setSystemTime(start + 59_000);
    expect((await post(short, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': shortToken })).status).toBe(201);
    vi.setSystemTime(start + 61_000);
    const expired = await post(short, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': shortToken });
    expect(expired.status).toBe(403);
    expect(await expired.json()).toStrictEqual({ error: { code: 'CSRF', message: 'missing or expired CSRF token' } });
    vi.setSystemTime(start + 12 * 3600 * 1000 - 1000);
    expect((await post(standard, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': standardToken })).status).toBe(201);
    vi.setSystemTime(start + 12 * 3600 * 1000 + 1000);
    expect((await post(standard, { 'sec-fetch-site': 'same-origin', 'x-csrf-token': standardToken })).status).toBe(403);
  });

  it('answers a non-GET page request (OPTIONS, safe) with 405 and Allow', async () => {
    const response = await make()(new Request(`${ORIGIN}/admin/`, { method: 'OPTIONS' }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toStrictEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed' } });
  });

  it('answers a wrong API method with the 405 error body', async () => {
    const response = await make()(new Request(`${ORIGIN}/admin/api/session`, { method: 'OPTIONS' }));
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toStrictEqual({ error: { code: 'METHOD_NOT_ALLOWED', message: 'method not allowed' } });
  });

  it('serves the page at / and /index.html with its headers; without a base path the links start at /', async () => {
    const handler = make();
    for (const path of ['/admin', '/admin/', '/admin/index.html']) {
      const page = await handler(new Request(`${ORIGIN}${path}`));
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('vary')).toBe('Accept-Language');
      expect(page.headers.get('cache-control')).toBe('no-store');
      expect(page.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    }
    const root = await (await make({ basePath: undefined })(new Request(`${ORIGIN}/`))).text();
    expect(root).toMatch(/<script type="module" src="\/assets\/admin\.js\?v=[0-9a-f]{12}"><\/script>/);
    const trailing = make({ basePath: '/admin/' });
    expect((await trailing(new Request(`${ORIGIN}/admin/api/providers`))).status).toBe(200);
    expect(await (await trailing(new Request(`${ORIGIN}/admin/`))).text()).toContain('src="/admin/assets/admin.js?v=');
  });

  it('caches assets immutably only for the current ?v=, with the version as ETag', async () => {
    const handler = make();
    const html = await (await handler(new Request(`${ORIGIN}/admin/`))).text();
    const version = /admin\.js\?v=([0-9a-f]{12})/.exec(html)![1]!;
    const plain = await handler(new Request(`${ORIGIN}/admin/assets/admin.js`));
    expect(plain.headers.get('etag')).toBe(`"${version}"`);
    expect(plain.headers.get('cache-control')).toBe('private, no-cache');
    expect(plain.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    const current = await handler(new Request(`${ORIGIN}/admin/assets/admin.js?v=${version}`));
    expect(current.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    const stale = await handler(new Request(`${ORIGIN}/admin/assets/admin.js?v=000000000000`));
    expect(stale.headers.get('cache-control')).toBe('private, no-cache');
    expect((await handler(new Request(`${ORIGIN}/admin/x/assets/admin.js`))).status).toBe(404);
    expect((await handler(new Request(`${ORIGIN}/admin/assets/admin.js/x`))).status).toBe(404);
    expect((await handler(new Request(`${ORIGIN}/admin/assets/admin.jsx`))).status).toBe(404);
  });

  it('takes the language from ?lang= before Accept-Language, and the option before both', async () => {
    const locale = async (handler: ReturnType<typeof make>, query: string, accept: string) =>
      ((await (await handler(new Request(`${ORIGIN}/admin/api/session${query}`, { headers: { 'accept-language': accept } }))).json()) as { locale: string }).locale;
    const handler = make();
    expect(await locale(handler, '?lang=de', 'en')).toBe('de');
    expect(await locale(handler, '?lang=en', 'de')).toBe('en');
    expect(await locale(handler, '?lang=fr', 'de')).toBe('de');
    expect(await locale(make({ locale: 'en' }), '?lang=de', 'de')).toBe('en');
    expect(await (await handler(new Request(`${ORIGIN}/admin/?lang=de`, { headers: { 'accept-language': 'en' } }))).text()).toContain('<html lang="de">');
  });

  it('treats /api itself as the API: JSON errors', async () => {
    let allowed = false;
    const handler = make({ authorize: () => (allowed ? alice : null) });
    const refused = await handler(new Request(`${ORIGIN}/admin/api`));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toStrictEqual({ error: { code: 'UNAUTHORIZED', message: 'sign-in required' } });
    allowed = true;
    const missing = await handler(new Request(`${ORIGIN}/admin/api`));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toStrictEqual({ error: { code: 'ROUTE_NOT_FOUND', message: 'no such API route' } });
  });

  it('refuses a user whose id is not text, and users: null', async () => {
    expect((await make({ authorize: () => ({ id: 42 }) as never })(new Request(`${ORIGIN}/admin/api/session`))).status).toBe(500);
    expect(refusal({ users: null as never })).toMatchObject({ code: 'CONFIG_INVALID', field: 'users' });
    expect(refusal({ basePath: 'x/admin' })).toMatchObject({ code: 'CONFIG_INVALID', field: 'basePath' });
  });

  it('adds the security headers to API responses that set none, keeping the route\'s own', async () => {
    const handler = make();
    const session = await handler(new Request(`${ORIGIN}/admin/api/session`));
    expect(session.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.headers.get('x-frame-options')).toBe('DENY');
    expect(session.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers 500 when the request itself is unusable, and reports it', async () => {
    const errors: unknown[] = [];
    const handler = make({ onError: (e) => void errors.push(e) });
    const response = await handler({ url: 'not a url', method: 'GET', headers: new Headers() } as unknown as Request);
    expect(response.status).toBe(500);
    expect(await response.json()).toStrictEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(errors).toHaveLength(1);
  });
});

describe('admin handler pins: streamed responses', () => {
  it('adds the security headers to the streamed Test, keeping its own content type', async () => {
    const registry = createRegistry({ types: [memoryTransport()] });
    const provider = await registry.create({ type: 'memory', name: 'M' });
    const handler = createAdminHandler({ registry, authorize: () => alice });
    const { csrfToken } = (await (await handler(new Request(`${ORIGIN}/api/session`))).json()) as { csrfToken: string };
    const response = await handler(
      new Request(`${ORIGIN}/api/providers/${provider.id}/test`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken }, body: '{}' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cache-control')).toBe('no-store');
    await response.text();
  });
});
