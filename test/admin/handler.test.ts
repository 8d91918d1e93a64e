import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BalanceMonitor, createRegistry, memoryStorage, type ProviderRegistry, type ProviderType } from '../../src/index.js';
import { createAdminHandler, type AdminAuditEntry, type AdminHandler, type AuthorizeResult } from '../../src/admin/index.js';
import { CONTENT_SECURITY_POLICY } from '../../src/admin/http.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { memoryTransport } from '../../src/testing/index.js';
import { buildUiAssets } from './helpers.js';

const ORIGIN = 'http://admin.test';
// Response bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const alice = { id: 'alice', name: 'Alice Admin' };

interface Setup {
  registry: ProviderRegistry;
  handler: AdminHandler;
  audits: AdminAuditEntry[];
  token: string;
}

async function setup(options: { authorize?: (request: Request) => AuthorizeResult | Promise<AuthorizeResult>; basePath?: string; withMonitor?: boolean } = {}): Promise<Setup> {
  const registry = createRegistry({ storage: memoryStorage(), types: [memoryTransport(), smtp(), aspsms()] });
  const audits: AdminAuditEntry[] = [];
  const monitor = options.withMonitor
    ? new BalanceMonitor({ registry, users: { getAddress: (user) => ({ ops: 'ops@example.test', bad: 'not an address' })[user] } })
    : undefined;
  const handler = createAdminHandler({
    registry,
    ...(monitor ? { monitor } : {}),
    users: { list: () => [{ id: 'ops', name: 'Ops team' }, { id: 'bad' }] },
    authorize: options.authorize ?? (() => alice),
    basePath: options.basePath ?? '/admin',
    onAudit: (entry) => audits.push(entry),
  });
  const session = await (await handler(new Request(`${ORIGIN}/admin/api/session`))).json() as Json;
  return { registry, handler, audits, token: session.csrfToken };
}

function call(s: Setup, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return s.handler(
    new Request(`${ORIGIN}/admin/api${path}`, {
      method,
      headers: {
        'sec-fetch-site': 'same-origin',
        'x-csrf-token': s.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
}

beforeAll(async () => {
  await buildUiAssets();
});

describe('createAdminHandler: options', () => {
  it('refuses to create a handler without authorize', () => {
    const registry = createRegistry();
    expect(() => createAdminHandler({ registry } as never)).toThrow(/authorize is required/);
    expect(() => createAdminHandler({ registry, authorize: 'yes' } as never)).toThrow(/authorize is required/);
    expect(() => createAdminHandler({ registry: {} as never, authorize: () => alice })).toThrow(/registry/);
    expect(() => createAdminHandler({ registry, authorize: () => alice, basePath: '../x' })).toThrow(/basePath/);
    expect(() => createAdminHandler({ registry, authorize: () => alice, csrfSecret: 'short' })).toThrow(/csrfSecret/);
    expect(() => createAdminHandler({ registry, authorize: () => alice, origins: ['https://a.example/path'] })).toThrow(/origins/);
  });
});

describe('authorize decides every request', () => {
  it('answers 401 without a user, 403 with a refusal, for pages, assets and API alike', async () => {
    let answer: AuthorizeResult = null;
    const s = await setup({ authorize: () => answer });
    for (const path of ['/admin/', '/admin/assets/admin.js', '/admin/api/providers']) {
      answer = null;
      expect((await s.handler(new Request(`${ORIGIN}${path}`))).status).toBe(401);
      answer = { status: 403, message: 'admins only', headers: { 'x-why': 'role' } };
      const refused = await s.handler(new Request(`${ORIGIN}${path}`));
      expect(refused.status).toBe(403);
      expect(refused.headers.get('x-why')).toBe('role');
      expect(refused.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(await refused.text()).toContain('admins only');
    }
    answer = { status: 401, headers: { 'www-authenticate': 'Basic realm="admin"' } };
    expect((await s.handler(new Request(`${ORIGIN}/admin/`))).headers.get('www-authenticate')).toBe('Basic realm="admin"');
  });

  it('answers 500 without detail when authorize throws or returns nonsense, and reports it', async () => {
    const errors: unknown[] = [];
    const registry = createRegistry();
    let mode = 'throw';
    const handler = createAdminHandler({
      registry,
      authorize: () => {
        if (mode === 'throw') throw new Error('session store down');
        return true as never;
      },
      onError: (e) => errors.push(e),
    });
    const thrown = await handler(new Request(`${ORIGIN}/api/providers`));
    expect(thrown.status).toBe(500);
    expect(await thrown.text()).not.toContain('session store');
    mode = 'nonsense';
    expect((await handler(new Request(`${ORIGIN}/api/providers`))).status).toBe(500);
    expect(errors).toHaveLength(2);
  });

  it('a request without approval changes nothing', async () => {
    let allowed = true;
    const s = await setup({ authorize: () => (allowed ? alice : null) });
    allowed = false;
    const response = await call(s, 'POST', '/providers', { type: 'memory', name: 'Sneaky' });
    expect(response.status).toBe(401);
    expect(await s.registry.list()).toEqual([]);
  });
});

describe('CSRF and origin checks on every state-changing request', () => {
  it('refuses cross-site and same-site requests, a foreign Origin, and a missing or foreign token', async () => {
    const s = await setup();
    const create = (headers: Record<string, string>) => call(s, 'POST', '/providers', { type: 'memory', name: 'X' }, headers);
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { 'sec-fetch-site': 'none' },
      { 'x-csrf-token': '' },
      { 'x-csrf-token': 'abc.def.ghi' },
    ];
    for (const headers of cases) {
      const response = await create(headers);
      expect(response.status, JSON.stringify(headers)).toBe(403);
      expect((await response.json() as Json).error.code).toBe('CSRF');
    }
    // Without Sec-Fetch-Site (older browsers), the Origin must be the console's.
    const noFetchSite = (origin: string | undefined) =>
      s.handler(
        new Request(`${ORIGIN}/admin/api/providers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': s.token, ...(origin ? { origin } : {}) },
          body: JSON.stringify({ type: 'memory', name: 'Y' }),
        }),
      );
    expect((await noFetchSite('http://evil.test')).status).toBe(403);
    expect((await noFetchSite(undefined)).status).toBe(403);
    expect((await noFetchSite(ORIGIN)).status).toBe(201);
    // A token of another user does not fit.
    const bob = await setup({ authorize: () => ({ id: 'bob' }) });
    expect((await call({ ...s, token: bob.token }, 'POST', '/providers', { type: 'memory' })).status).toBe(403);
    expect((await s.registry.list()).map((p) => p.name)).toEqual(['Y']);
  });

  it('refuses a classic cross-site form post (text/plain, no token)', async () => {
    const s = await setup();
    const response = await s.handler(
      new Request(`${ORIGIN}/admin/api/providers`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.test', 'sec-fetch-site': 'cross-site' },
        body: 'type=memory&name=pwned',
      }),
    );
    expect(response.status).toBe(403);
    expect(await s.registry.list()).toEqual([]);
  });

  it('accepts configured public origins behind a proxy', async () => {
    const registry = createRegistry();
    const handler = createAdminHandler({ registry, authorize: () => alice, origins: ['https://admin.example.com'] });
    const { csrfToken } = await (await handler(new Request('http://10.0.0.5:3000/api/session'))).json() as Json;
    const post = (origin: string) =>
      handler(new Request('http://10.0.0.5:3000/api/providers', { method: 'POST', headers: { origin, 'content-type': 'application/json', 'x-csrf-token': csrfToken }, body: '{"type":"memory"}' }));
    expect((await post('http://10.0.0.5:3000')).status).toBe(403);
    expect((await post('https://admin.example.com')).status).toBe(201);
  });

  it('requires JSON bodies and bounds their size', async () => {
    const s = await setup();
    const form = await call(s, 'POST', '/providers', undefined, { 'content-type': 'text/plain' });
    expect(form.status).toBe(422); // empty body: nothing to create, type missing
    const plain = await s.handler(new Request(`${ORIGIN}/admin/api/providers`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', 'x-csrf-token': s.token, 'content-type': 'text/plain' }, body: '{"type":"memory"}' }));
    expect(plain.status).toBe(415);
    const big = await call(s, 'POST', '/providers', { type: 'memory', name: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });
});

describe('the page', () => {
  it('serves one HTML page with a strict CSP, no inline script or style, and escaped boot data', async () => {
    const s = await setup();
    await s.registry.create({ type: 'memory', name: '<img src=x onerror=alert(1)>' });
    const response = await s.handler(new Request(`${ORIGIN}/admin/`, { headers: { 'accept-language': 'de-CH,de;q=0.9,en;q=0.5' } }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('<html lang="de">');
    expect(html).not.toMatch(/<script(?![^>]*\b(src=|type="application\/json"))/);
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    expect(html).toMatch(/<script type="module" src="\/admin\/assets\/admin\.js\?v=[0-9a-f]{12}"><\/script>/);
    const boot = JSON.parse(/<script type="application\/json" id="tk-admin-boot">(.*?)<\/script>/s.exec(html)![1]!);
    expect(boot).toMatchObject({ basePath: '/admin', locale: 'de', user: { id: 'alice', name: 'Alice Admin' }, features: { balance: false, userList: true } });
    expect(boot.messages['list.heading']).toBe('Transportanbieter');
  });

  it('puts user-controlled text into the boot data as JSON that cannot close the element', async () => {
    const s = await setup({ authorize: () => ({ id: 'x', name: '</script><script>alert(1)</script>' }) });
    const html = await (await s.handler(new Request(`${ORIGIN}/admin/`))).text();
    expect(html).not.toContain('</script><script>');
    expect(html).toContain('\\u003c/script\\u003e');
  });

  it('serves the built assets with their content type, versioned caching and ETag', async () => {
    const s = await setup();
    const js = await s.handler(new Request(`${ORIGIN}/admin/assets/admin.js`));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('text/javascript');
    const etag = js.headers.get('etag')!;
    expect((await js.text()).length).toBeGreaterThan(10_000);
    const again = await s.handler(new Request(`${ORIGIN}/admin/assets/admin.js`, { headers: { 'if-none-match': etag } }));
    expect(again.status).toBe(304);
    const css = await s.handler(new Request(`${ORIGIN}/admin/assets/admin.css?v=${etag.slice(1, -1)}`));
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await s.handler(new Request(`${ORIGIN}/admin/assets/other.js`))).status).toBe(404);
    expect((await s.handler(new Request(`${ORIGIN}/admin/assets/../../etc/passwd`))).status).toBe(404);
  });

  it('works with the base path in the URL or stripped by the framework, answers HEAD without a body', async () => {
    const s = await setup();
    expect((await s.handler(new Request(`${ORIGIN}/admin`))).status).toBe(200);
    expect((await s.handler(new Request(`${ORIGIN}/api/providers`))).status).toBe(200);
    const head = await s.handler(new Request(`${ORIGIN}/admin/`, { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await s.handler(new Request(`${ORIGIN}/admin/nothing`))).status).toBe(404);
    expect((await call(s, 'GET', '/nothing')).status).toBe(404);
    const wrong = await call(s, 'PATCH', '/providers');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
  });
});

describe('forms for a host\'s own provider type', () => {
  it('come from its zod schema: .meta() titles, .describe() help, typeTexts per language, JSON for the rest', async () => {
    const pager: ProviderType<{ endpoint: string; retries: number; mode: 'fast' | 'safe'; tags?: string[]; extra?: Record<string, string> }> = {
      type: 'pager',
      kind: 'delivery',
      channel: 'pager',
      configSchema: z.object({
        endpoint: z.url().meta({ title: 'Pager endpoint' }).describe('Where pages go.'),
        retries: z.number().int().min(0).max(5).default(1),
        mode: z.enum(['fast', 'safe']).default('safe'),
        tags: z.array(z.string()).optional(),
        extra: z.record(z.string(), z.string()).optional(),
      }) as never,
      secretFields: ['token'],
      create: () => {
        throw new Error('not used');
      },
    };
    const registry = createRegistry({ types: [pager] });
    const handler = createAdminHandler({
      registry,
      authorize: () => alice,
      typeTexts: { pager: { name: { en: 'Pager', de: 'Pager (Funkruf)' }, fields: { retries: { label: { de: 'Wiederholungen', en: 'Attempts' } }, endpoint: { help: { de: 'Wohin die Meldungen gehen.' } } }, options: { mode: { fast: { de: 'schnell' } } }, secrets: { token: { label: 'API token' } } } },
    });
    const get = async (language: string) =>
      ((await (await handler(new Request(`${ORIGIN}/api/types`, { headers: { 'accept-language': language } }))).json()) as Json).types[0];
    const en = await get('en');
    expect(en.name).toBe('Pager');
    expect(en.fields.map((f: { key: string; control: string }) => [f.key, f.control])).toEqual([
      ['endpoint', 'text'],
      ['retries', 'number'],
      ['mode', 'select'],
      ['tags', 'list'],
      ['extra', 'json'],
    ]);
    expect(en.fields[0]).toMatchObject({ label: 'Pager endpoint', help: 'Where pages go.', inputType: 'url', required: true });
    expect(en.fields[1]).toMatchObject({ label: 'Attempts', min: 0, max: 5, default: 1 });
    expect(en.fields[2]).toMatchObject({ label: 'Mode', default: 'safe' });
    expect(en.secrets).toEqual([{ field: 'token', label: 'API token', multiline: false }]);
    const de = await get('de');
    expect(de.name).toBe('Pager (Funkruf)');
    expect(de.fields[1].label).toBe('Wiederholungen');
    expect(de.fields[0]).toMatchObject({ label: 'Pager endpoint', help: 'Wohin die Meldungen gehen.' });
    expect(de.fields[2].options).toEqual([{ value: 'fast', label: 'schnell' }, { value: 'safe', label: 'safe' }]);
  });
});

describe('JSON API', () => {
  let s: Setup;
  beforeEach(async () => {
    s = await setup({ withMonitor: true });
  });

  it('describes the provider types with forms generated from their schemas, in the request language', async () => {
    const de = await (await s.handler(new Request(`${ORIGIN}/admin/api/types`, { headers: { 'accept-language': 'de' } }))).json() as Json;
    const smtpType = de.types.find((t: { type: string }) => t.type === 'smtp');
    expect(smtpType.name).toBe('E-Mail (SMTP)');
    const host = smtpType.fields.find((f: { key: string }) => f.key === 'host');
    expect(host).toMatchObject({ control: 'text', required: true, label: 'Server' });
    expect(host.help).toContain('Hostname');
    expect(smtpType.fields.find((f: { key: string }) => f.key === 'starttls')).toMatchObject({ control: 'select', default: 'required', options: [{ value: 'required', label: 'erforderlich' }, expect.anything(), expect.anything()] });
    expect(smtpType.fields.find((f: { key: string }) => f.key === 'from')).toMatchObject({ control: 'group', orString: 'address' });
    expect(smtpType.fields.find((f: { key: string }) => f.key === 'smime').fields.map((f: { key: string }) => f.key)).toEqual(expect.arrayContaining(['enabled', 'certificate', 'chain', 'serialNumber']));
    expect(smtpType.secrets.find((x: { field: string }) => x.field === 'smimeKey')).toMatchObject({ multiline: true });
    const en = await (await call(s, 'GET', '/types')).json() as Json;
    expect(en.types.find((t: { type: string }) => t.type === 'memory').fields.find((f: { key: string }) => f.key === 'latencyMs')).toMatchObject({ control: 'number', integer: true, min: 0, max: 60000, default: 0 });
  });

  it('creates with field-level errors first (in German when asked), never echoes secrets, records the user', async () => {
    const bad = await call(s, 'POST', '/providers', { type: 'smtp', name: ' ', config: { host: 'bad host!', port: 70000 }, secrets: { password: 'hunter2-secret' } }, { 'accept-language': 'de' });
    expect(bad.status).toBe(422);
    const { error } = await bad.json() as Json;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'Pflichtfeld' },
        { field: 'config.host', message: 'host must be a host name or IP address' },
        { field: 'config.port', message: 'Höchstens 65535' },
      ]),
    );
    const created = await call(s, 'POST', '/providers', { type: 'smtp', name: 'Relay', config: { host: 'mail.example.test', port: 2525, username: 'app', starttls: 'off' }, secrets: { password: 'hunter2-secret', smimeKey: '' } });
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).not.toContain('hunter2');
    const { provider } = JSON.parse(text);
    expect(provider.secrets).toStrictEqual({
      password: { set: true },
      smimePassphrase: { set: false },
      smimeKey: { set: false },
      smimePkcs12: { set: false },
      dkimPrivateKey: { set: false },
      oauth2ClientSecret: { set: false },
      oauth2RefreshToken: { set: false },
      oauth2CertificateKey: { set: false },
    });
    expect(s.audits.map((a) => [a.action, a.user.id])).toEqual([['create', 'alice']]);
    const events = await s.registry.events({ providerId: provider.id, types: ['admin.create'] });
    expect(events[0]).toMatchObject({ message: 'provider "Relay" created by Alice Admin', fields: { user: 'alice', secrets: ['password'] } });
    const listed = await (await call(s, 'GET', '/providers')).text();
    expect(listed).not.toContain('hunter2');
    const detail = await (await call(s, 'GET', `/providers/${provider.id}`)).json() as Json;
    expect(JSON.stringify(detail)).not.toContain('hunter2');
    expect(detail.live).toMatchObject({ ok: true, kind: 'delivery' });
  });

  it('updates: a field emptied in the form is removed, a stale version is a conflict', async () => {
    const p = await s.registry.create({ type: 'memory', name: 'M', config: { channel: 'sms', balance: 5, maxLength: 100 } });
    const response = await call(s, 'PATCH', `/providers/${p.id}`, { name: 'M2', config: { channel: 'sms', unit: 'credits', latencyMs: 0 }, expectedVersion: 1 });
    expect(response.status).toBe(200);
    const { provider } = await response.json() as Json;
    expect(provider.name).toBe('M2');
    expect(provider.config.balance).toBeUndefined();
    expect(provider.config.maxLength).toBeUndefined();
    const stale = await call(s, 'PATCH', `/providers/${p.id}`, { name: 'M3', expectedVersion: 1 });
    expect(stale.status).toBe(409);
    expect((await stale.json() as Json).error.code).toBe('CONFLICT');
    expect(s.audits.at(-1)).toMatchObject({ action: 'update', fields: { config: ['balance', 'maxLength'], name: { from: 'M', to: 'M2' } } });
  });

  it('copies, sets and removes secrets, manages defaults and "used by", refuses removal while in use', async () => {
    const p = await s.registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms' }, secrets: { password: 'pw-one' } });
    const copy = await (await call(s, 'POST', `/providers/${p.id}/copy`, { name: 'SMS copy' })).json() as Json;
    expect(copy.provider).toMatchObject({ name: 'SMS copy', secrets: { password: { set: true } } });
    const set = await call(s, 'PUT', `/providers/${p.id}/secrets/password`, { value: 'pw-two-secret' });
    expect(await set.text()).not.toContain('pw-two');
    expect((await call(s, 'PUT', `/providers/${p.id}/secrets/password`, { value: '' })).status).toBe(422);
    expect((await call(s, 'PUT', `/providers/${p.id}/secrets/nope`, { value: 'x' })).status).toBe(404);
    const removed = await (await call(s, 'DELETE', `/providers/${p.id}/secrets/password`)).json() as Json;
    expect(removed.provider.secrets.password).toEqual({ set: false });

    const made = await (await call(s, 'PUT', `/providers/${p.id}/default`, { tenant: 'acme' })).json() as Json;
    expect(made.usages).toEqual([{ kind: 'tenant-default', id: 'acme/sms', label: 'default sms provider of tenant acme' }]);
    await s.registry.addUsage(p.id, { kind: 'form', id: 'contact', label: 'Contact form' });
    const inUse = await call(s, 'DELETE', `/providers/${p.id}`);
    expect(inUse.status).toBe(409);
    expect((await inUse.json() as Json).error).toMatchObject({ code: 'PROVIDER_IN_USE', usages: [{ kind: 'form', id: 'contact' }, { kind: 'tenant-default' }] });
    expect((await call(s, 'DELETE', '/defaults/sms?tenant=acme')).status).toBe(200);
    expect((await (await call(s, 'GET', `/providers/${p.id}/usages`)).json() as Json).usages).toEqual([{ kind: 'form', id: 'contact', label: 'Contact form' }]);
    expect((await call(s, 'DELETE', `/providers/${p.id}?force=true`)).status).toBe(200);
    expect((await call(s, 'GET', `/providers/${p.id}`)).status).toBe(404);
    expect(s.audits.map((a) => a.action)).toEqual(['copy', 'secret.set', 'secret.remove', 'default.set', 'default.clear', 'remove']);
    const events = await s.registry.events({ providerId: p.id });
    expect(events.filter((e) => e.type.startsWith('admin.')).every((e) => e.fields.user === 'alice')).toBe(true);
    expect(JSON.stringify(events)).not.toContain('pw-two');
  });

  it('streams the Test step by step and needs a confirmation before it sends', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const handler = createAdminHandler({ registry, authorize: () => alice });
    const { csrfToken } = await (await handler(new Request(`${ORIGIN}/api/session`))).json() as Json;
    const p = await registry.create({ type: 'memory', name: 'T', config: { channel: 'sms', balance: 3 } });
    const post = (body: unknown) =>
      handler(new Request(`${ORIGIN}/api/providers/${p.id}/test`, { method: 'POST', headers: { 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken, 'content-type': 'application/json' }, body: JSON.stringify(body) }));
    const unconfirmed = await post({ to: '+41791234567' });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json() as Json).error.code).toBe('CONFIRMATION_REQUIRED');
    expect(memory.outbox()).toHaveLength(0);
    const response = await post({ to: '+41791234567', confirm: true });
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['step', 'step', 'step', 'step', 'report']);
    expect(lines.slice(0, 4).map((l) => l.step.name)).toEqual(['config', 'verify', 'balance', 'send']);
    expect(lines[4].report).toMatchObject({ ok: true, steps: lines.slice(0, 4).map((l) => l.step) });
    expect(memory.outbox()).toHaveLength(1);
    const checksOnly = (await (await post({})).text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(checksOnly.at(-1).report.steps.map((x: { name: string }) => x.name)).toEqual(['config', 'verify', 'balance']);
    expect(memory.outbox()).toHaveLength(1);
    expect((await registry.events({ providerId: p.id, types: ['test'] })).map((e) => e.message)).toEqual(['test passed', 'test passed']);
  });

  it('refuses an unknown type and removes a host usage', async () => {
    const unknown = await call(s, 'POST', '/providers', { type: 'fax' });
    expect(unknown.status).toBe(422);
    expect((await unknown.json() as Json).error.issues[0].field).toBe('type');
    const p = await s.registry.create({ type: 'memory', name: 'U', config: { channel: 'sms' } });
    await s.registry.addUsage(p.id, { kind: 'form', id: 'contact/us', label: 'Contact' });
    const removed = await call(s, 'DELETE', `/providers/${p.id}/usages/form/${encodeURIComponent('contact/us')}`);
    expect((await removed.json() as Json).usages).toEqual([]);
    expect((await call(s, 'DELETE', `/providers/${p.id}/usages/form/contact`)).status).toBe(404);
    expect(s.audits.at(-1)).toMatchObject({ action: 'usage.remove', fields: { kind: 'form', usageId: 'contact/us' } });
  });

  it('sends each step of the Test as soon as it completed, before the next one ran', async () => {
    const memory = memoryTransport();
    const registry = createRegistry({ types: [memory] });
    const handler = createAdminHandler({ registry, authorize: () => alice });
    const { csrfToken } = (await (await handler(new Request(`${ORIGIN}/api/session`))).json()) as Json;
    const p = await registry.create({ type: 'memory', name: 'Slow', config: { channel: 'sms', balance: 3, latencyMs: 300 } });
    const response = await handler(
      new Request(`${ORIGIN}/api/providers/${p.id}/test`, {
        method: 'POST',
        headers: { 'sec-fetch-site': 'same-origin', 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
        body: JSON.stringify({ to: '+41791234567', confirm: true }),
      }),
    );
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(JSON.parse(first.split('\n')[0]!)).toMatchObject({ type: 'step', step: { name: 'config', ok: true } });
    expect(memory.outbox()).toHaveLength(0); // verify, balance and send (300 ms each) are still to come
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest.trim().split('\n').map((l) => (JSON.parse(l) as Json).type)).toEqual(['step', 'step', 'step', 'report']);
    expect(memory.outbox()).toHaveLength(1);
  });

  it('reads events with filters', async () => {
    const p = await s.registry.create({ type: 'memory', name: 'E', config: { channel: 'sms' } });
    await s.registry.send(p.id, { to: '+41791234567', text: 'hi' });
    const all = await (await call(s, 'GET', `/events?provider=${p.id}`)).json() as Json;
    expect(all.events.map((e: { type: string }) => e.type)).toEqual(['provider.created', 'send']);
    const typed = await (await call(s, 'GET', `/events?provider=${p.id}&type=send&severity=info`)).json() as Json;
    expect(typed.events).toHaveLength(1);
    expect((await call(s, 'GET', '/events?since=yesterday')).status).toBe(400);
  });

  it('balance panel: indicator off for an invalid address, on for a valid one, "check now" warns once', async () => {
    const p = await s.registry.create({ type: 'memory', name: 'Credit', config: { channel: 'email', balance: 3 } });
    const detail = await (await call(s, 'GET', `/providers/${p.id}`)).json() as Json;
    expect(detail.balance).toBe(true);
    const off = await (await call(s, 'PUT', `/providers/${p.id}/balance`, { threshold: 10, notifyUserId: 'bad' })).json() as Json;
    expect(off.status).toMatchObject({ recipientReady: false, recipientProblem: 'invalid-address', threshold: 10 });
    const on = await (await call(s, 'PUT', `/providers/${p.id}/balance`, { notifyUserId: 'ops' })).json() as Json;
    expect(on.status).toMatchObject({ recipientReady: true, address: 'ops@example.test' });
    expect((await call(s, 'PUT', `/providers/${p.id}/balance`, { threshold: -1 })).status).toBe(422);
    const first = await (await call(s, 'POST', `/providers/${p.id}/balance/check`)).json() as Json;
    expect(first.result).toMatchObject({ ok: true, below: true, warning: { status: 'sent', to: 'ops@example.test' } });
    const second = await (await call(s, 'POST', `/providers/${p.id}/balance/check`)).json() as Json;
    expect(second.result.warning.status).toBe('already-claimed');
    expect(second.status.lastBalance.amount).toBe(3);
    expect((await (await call(s, 'GET', '/users')).json() as Json).users).toEqual([{ id: 'ops', name: 'Ops team' }, { id: 'bad', name: 'bad' }]);
  });
});
