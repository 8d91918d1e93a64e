import { TransportError } from '../core/errors.js';
import { matchRoute, type ApiContext } from './api.js';
import { loadAssets } from './assets.js';
import { CsrfTokens, sameOrigin } from './csrf.js';
import { errorResponse, readJson, responseForError, securityHeaders } from './http.js';
import { localize, negotiateLocale, t2 } from './locale.js';
import { uiMessages } from './messages.js';
import { renderPage } from './page.js';
import type { AdminHandler, AdminHandlerOptions, AdminLocale, AdminRefusal, AdminUser, AuthorizeResult } from './types.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const REGISTRY_METHODS = ['providerTypes', 'create', 'get', 'list', 'update', 'copy', 'remove', 'setSecret', 'removeSecret', 'usages', 'setDefault', 'clearDefault', 'resolve', 'send', 'events', 'recordEvent', 'redact'];
const DEFAULT_TITLE = t2('Transport providers', 'Transportanbieter');

function invalid(field: string, message: string): never {
  throw new TransportError('CONFIG_INVALID', `createAdminHandler: ${field} ${message}`, { field });
}

/** `/admin/` → `/admin`; `''` and `/` → `''`. Refuses anything that is not a plain path. */
function normalizeBasePath(value: string | undefined): string {
  if (value === undefined || value === '' || value === '/') return '';
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(value) || /(^|\/)\.\.?(\/|$)/.test(value) || value.includes('//')) {
    invalid('basePath', 'must be a path such as "/admin"');
  }
  return value.replace(/\/+$/, '');
}

function checkOptions(options: AdminHandlerOptions): void {
  if (typeof options !== 'object' || options === null) invalid('options', 'are required');
  if (typeof options.authorize !== 'function') {
    invalid('authorize', 'is required: a function (request) => user | refusal that decides every request');
  }
  const registry = options.registry as unknown as Record<string, unknown> | undefined;
  if (!registry || REGISTRY_METHODS.some((m) => typeof registry[m] !== 'function') || typeof (registry.storage as { events?: unknown } | undefined)?.events !== 'object') {
    invalid('registry', 'must be a ProviderRegistry');
  }
  const monitor = options.monitor as unknown as Record<string, unknown> | undefined;
  if (monitor !== undefined && ['status', 'configure', 'check'].some((m) => typeof monitor[m] !== 'function')) invalid('monitor', 'must be a BalanceMonitor');
  if (options.users !== undefined && typeof options.users?.list !== 'function') invalid('users', 'must have list()');
  if (options.locale !== undefined && options.locale !== 'de' && options.locale !== 'en') invalid('locale', 'must be "de" or "en"');
  if (options.csrfSecret !== undefined && Buffer.from(options.csrfSecret).length < 32) invalid('csrfSecret', 'must have at least 32 bytes');
  for (const origin of options.origins ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin !== origin) invalid('origins', `must be origins such as "https://admin.example.com" (got "${origin}")`);
  }
  const ttl = options.csrfTokenTtlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 60 || ttl > 30 * 86_400)) invalid('csrfTokenTtlSeconds', 'must be a whole number of seconds from 60 to 2,592,000');
  const max = options.maxBodyBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 1024 || max > 64 * 1024 * 1024)) invalid('maxBodyBytes', 'must be a whole number from 1,024 to 67,108,864');
}

function isRefusal(value: AuthorizeResult): value is AdminRefusal {
  return typeof value === 'object' && value !== null && 'status' in value;
}

function isUser(value: AuthorizeResult): value is AdminUser {
  return typeof value === 'object' && value !== null && typeof (value as AdminUser).id === 'string' && (value as AdminUser).id !== '';
}

/** The path below the base path: requests come with it, or without when a framework stripped it. */
function innerPath(pathname: string, basePath: string): string {
  if (basePath !== '' && (pathname === basePath || pathname.startsWith(`${basePath}/`))) return pathname.slice(basePath.length) || '/';
  return pathname || '/';
}

function withoutBody(response: Response): Response {
  return new Response(null, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/**
 * Creates the admin console: a WHATWG fetch handler `(request) => Promise<Response>` serving the
 * browser UI (German and English) and its JSON API over the registry and the balance monitor.
 *
 * Every request is first decided by `authorize`; state-changing requests must come from the
 * console's own origin (`Sec-Fetch-Site`/`Origin`) and carry its CSRF token; every response
 * has a strict Content-Security-Policy. Secrets are write-only: the API and the UI only ever say
 * whether a secret is set. Each change is recorded as an `admin.*` event naming the user.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createAdminHandler, toNodeListener } from 'transportkit/admin';
 *
 * const admin = createAdminHandler({ registry, monitor, basePath: '/admin', authorize: (request) => sessions.adminOf(request) });
 * createServer(toNodeListener(admin)).listen(8080, '127.0.0.1');
 * ```
 */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  checkOptions(options);
  const basePath = normalizeBasePath(options.basePath);
  const registry = options.registry;
  const csrf = new CsrfTokens(options.csrfSecret, options.csrfTokenTtlSeconds ?? 12 * 3600, () => Date.now());
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const features = { balance: options.monitor !== undefined, userList: options.users !== undefined };

  return async function adminHandler(request: Request): Promise<Response> {
    const report = (error: unknown) => {
      try {
        options.onError?.(error, request);
      } catch {
        // The host's error hook must not break the response.
      }
    };
    let response: Response;
    try {
      response = await handle(request, report);
    } catch (error) {
      response = responseForError(error, report);
    }
    return request.method === 'HEAD' ? withoutBody(response) : response;
  };

  async function handle(request: Request, report: (error: unknown) => void): Promise<Response> {
    const url = new URL(request.url);
    const path = innerPath(url.pathname, basePath);
    const isApi = path === '/api' || path.startsWith('/api/');

    // 1. Who is asking: before anything else, assets included.
    let decision: AuthorizeResult;
    try {
      decision = await options.authorize(request);
    } catch (error) {
      report(error);
      return errorResponse(500, 'INTERNAL', 'authorization failed');
    }
    if (!isUser(decision)) {
      if (decision && !isRefusal(decision)) {
        report(new TypeError('authorize() must return a user ({ id }), a refusal ({ status: 401 | 403 }) or nothing'));
        return errorResponse(500, 'INTERNAL', 'authorization failed');
      }
      const status = decision && (decision.status === 403 || decision.status === 401) ? decision.status : 401;
      const message = (decision && decision.message) || (status === 401 ? 'sign-in required' : 'not allowed');
      const headers = { ...(decision ? decision.headers : {}) };
      if (isApi) return errorResponse(status, status === 401 ? 'UNAUTHORIZED' : 'FORBIDDEN', message, {}, headers);
      return new Response(message, { status, headers: securityHeaders({ 'content-type': 'text/plain; charset=utf-8', ...headers }) });
    }
    const user = decision;
    const queryLocale = url.searchParams.get('lang');
    const locale: AdminLocale = options.locale ?? (queryLocale === 'de' || queryLocale === 'en' ? queryLocale : negotiateLocale(request.headers.get('accept-language')));

    // 2. State-changing requests: same origin and the CSRF token.
    if (!SAFE_METHODS.has(request.method)) {
      if (!sameOrigin(request, options.origins ?? [])) return errorResponse(403, 'CSRF', 'cross-origin request refused');
      if (!csrf.verify(user.id, request.headers.get('x-csrf-token'))) return errorResponse(403, 'CSRF', 'missing or expired CSRF token');
    }

    // 3. The page, its assets, the API.
    if (isApi) return api(request, url, path, user, locale, report);
    if (request.method !== 'GET' && request.method !== 'HEAD') return errorResponse(405, 'METHOD_NOT_ALLOWED', 'method not allowed', {}, { allow: 'GET, HEAD' });
    if (path === '/' || path === '/index.html') {
      const assets = await loadAssets();
      const html = renderPage(
        {
          basePath,
          locale,
          title: localize(options.title, locale) ?? localize(DEFAULT_TITLE, locale)!,
          user: { id: user.id, name: user.name ?? user.id },
          csrfToken: csrf.issue(user.id),
          features,
          messages: uiMessages(locale),
        },
        { js: assets.get('admin.js')!.version, css: assets.get('admin.css')!.version, icon: assets.get('icon.svg')!.version },
      );
      return new Response(html, { headers: securityHeaders({ 'content-type': 'text/html; charset=utf-8', vary: 'Accept-Language' }) });
    }
    const asset = /^\/assets\/([a-z]+\.(?:js|css|svg))$/.exec(path);
    if (asset) {
      const file = (await loadAssets()).get(asset[1]!);
      if (file) {
        const immutable = url.searchParams.get('v') === file.version;
        const etag = `"${file.version}"`;
        const headers = securityHeaders({
          'content-type': file.contentType,
          etag,
          'cache-control': immutable ? 'private, max-age=31536000, immutable' : 'private, no-cache',
        });
        if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
        return new Response(file.body as Uint8Array<ArrayBuffer>, { headers });
      }
    }
    return new Response('not found', { status: 404, headers: securityHeaders({ 'content-type': 'text/plain; charset=utf-8' }) });
  }

  async function api(request: Request, url: URL, path: string, user: AdminUser, locale: AdminLocale, report: (error: unknown) => void): Promise<Response> {
    let segments: string[];
    try {
      segments = path.slice('/api/'.length).split('/').map((s) => decodeURIComponent(s));
    } catch {
      return errorResponse(400, 'BAD_REQUEST', 'malformed path');
    }
    const match = matchRoute(request.method, segments);
    if (!match) return errorResponse(404, 'ROUTE_NOT_FOUND', 'no such API route');
    if ('allowed' in match) return errorResponse(405, 'METHOD_NOT_ALLOWED', 'method not allowed', {}, { allow: match.allowed.join(', ') });
    let body: Promise<Record<string, unknown>> | undefined;
    const context: ApiContext = {
      registry,
      monitor: options.monitor,
      users: options.users,
      typeTexts: options.typeTexts,
      user,
      locale,
      request,
      query: url.searchParams,
      body: () => (body ??= readJson(request, maxBody)),
      csrfToken: () => csrf.issue(user.id),
      features,
      onAudit: options.onAudit,
      report,
    };
    try {
      const response = await match.route.handle(context, match.params);
      for (const [name, value] of securityHeaders()) if (!response.headers.has(name)) response.headers.set(name, value);
      return response;
    } catch (error) {
      return responseForError(error, report);
    }
  }
}

