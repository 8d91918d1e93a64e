import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isTransportError } from '../core/errors.js';
import type { EventSeverity, ProviderEvent } from '../core/events.js';
import type { TransportProvider } from '../core/provider.js';
import type { ProviderInfo } from '../registry/types.js';
import { describeType } from './forms.js';
import { HttpError, json } from './http.js';
import type { AdminAuditEntry, AdminBalanceMonitor, AdminProviderType, AdminLocale, AdminRegistry, AdminUser, AdminUserDirectory, TypeTexts } from './types.js';
import { validate, validateConfig, type FieldIssue } from './validate.js';

/** Everything an API route needs for one request. */
export interface ApiContext {
  readonly registry: AdminRegistry;
  readonly monitor: AdminBalanceMonitor | undefined;
  readonly users: AdminUserDirectory | undefined;
  readonly typeTexts: Readonly<Record<string, TypeTexts>> | undefined;
  readonly user: AdminUser;
  readonly locale: AdminLocale;
  readonly request: Request;
  readonly query: URLSearchParams;
  /** The JSON body (read once, size-limited). */
  body(): Promise<Record<string, unknown>>;
  /** A fresh CSRF token for the acting user. */
  csrfToken(): string;
  readonly features: { readonly balance: boolean; readonly userList: boolean };
  readonly onAudit: ((entry: AdminAuditEntry) => void) | undefined;
  report(error: unknown): void;
}

type Params = Readonly<Record<string, string>>;
type RouteHandler = (ctx: ApiContext, params: Params) => Promise<Response>;
interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly handle: RouteHandler;
}

const EVENT_LEVELS = ['off', 'errors', 'all', 'debug'] as const;
const SEVERITIES: readonly EventSeverity[] = ['error', 'warn', 'info', 'debug'];
const nameSchema = z.string().trim().min(1).max(200);
const eventLevelSchema = z.enum(EVENT_LEVELS);
const secretValueSchema = z.string().min(1).max(65_536);
const tenantSchema = z.string().trim().min(1).max(200);
const testSchema = z
  .object({
    to: z.string().trim().min(1).max(500).optional(),
    text: z.string().min(1).max(2000).optional(),
    confirm: z.boolean().optional(),
  })
  .strict();
const balanceSchema = z
  .object({
    threshold: z.number().finite().min(0).optional(),
    notifyUserId: z.string().trim().min(1).max(200).nullable().optional(),
  })
  .strict();

// ---- helpers ---------------------------------------------------------------------------

function typeOf(ctx: ApiContext, name: unknown): AdminProviderType | undefined {
  return ctx.registry.providerTypes().find((t) => t.type === name);
}

/** Runs validations and throws one 422 with every field issue they found. */
function collect(checks: readonly (() => void)[]): void {
  const issues: FieldIssue[] = [];
  for (const check of checks) {
    try {
      check();
    } catch (error) {
      if (error instanceof HttpError && Array.isArray(error.extra.issues)) issues.push(...(error.extra.issues as FieldIssue[]));
      else throw error;
    }
  }
  if (issues.length > 0) {
    throw new HttpError(422, 'CONFIG_INVALID', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { field: issues[0]!.field, issues });
  }
}

function issue(field: string, message: string): never {
  throw new HttpError(422, 'CONFIG_INVALID', `${field}: ${message}`, { field, issues: [{ field, message }] });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalObject(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new HttpError(400, 'BAD_REQUEST', `${field} must be an object`);
  return value;
}

/** Records a change made through the console (always, whatever the provider's event level) and tells `onAudit`. */
async function audit(ctx: ApiContext, provider: Pick<ProviderInfo, 'id' | 'type' | 'name'>, action: string, message: string, fields: Record<string, unknown> = {}): Promise<void> {
  const time = new Date(ctx.registry.clock.now()).toISOString();
  const by = ctx.user.name ?? ctx.user.id;
  const text = `${message} by ${by}`;
  const details = { user: ctx.user.id, ...(ctx.user.name === undefined ? {} : { userName: ctx.user.name }), providerName: provider.name, ...fields };
  const event: ProviderEvent = { id: randomUUID(), time, providerId: provider.id, providerType: provider.type, severity: 'info', type: `admin.${action}`, message: text, fields: details };
  try {
    await ctx.registry.storage.events.appendMany([event]);
  } catch (error) {
    ctx.report(error);
  }
  try {
    ctx.onAudit?.({ time, user: ctx.user, action, providerId: provider.id, providerType: provider.type, message: text, fields: details });
  } catch (error) {
    ctx.report(error);
  }
}

/** What the detail screen shows about the live provider: kind, capabilities, S/MIME readiness, or why it cannot be built. */
async function liveInfo(ctx: ApiContext, id: string): Promise<Record<string, unknown>> {
  let provider: TransportProvider;
  try {
    provider = await ctx.registry.resolve(id);
  } catch (error) {
    if (isTransportError(error)) return { ok: false, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) };
    ctx.report(error);
    return { ok: false, code: 'UNAVAILABLE', message: 'the provider could not be built' };
  }
  const readiness = (provider as { certificateReadiness?: () => unknown }).certificateReadiness;
  let certificate: unknown;
  if (typeof readiness === 'function') {
    try {
      certificate = readiness.call(provider);
    } catch {
      certificate = undefined;
    }
  }
  return {
    ok: true,
    kind: provider.kind,
    channel: provider.channel,
    ...(provider.kind === 'delivery' ? { capabilities: provider.capabilities } : {}),
    ...(certificate === undefined ? {} : { certificate }),
  };
}

function balanceMonitor(ctx: ApiContext): AdminBalanceMonitor {
  if (!ctx.monitor) throw new HttpError(404, 'ROUTE_NOT_FOUND', 'the balance panel needs a BalanceMonitor (option "monitor")');
  return ctx.monitor;
}

function serializeError(error: unknown): unknown {
  if (isTransportError(error)) return { code: error.code, message: error.message, ...(error.upstream === undefined ? {} : { upstream: error.upstream }) };
  return { code: 'UNAVAILABLE', message: 'failed' };
}

// ---- routes ----------------------------------------------------------------------------

const session: RouteHandler = async (ctx) =>
  json({ user: { id: ctx.user.id, name: ctx.user.name ?? ctx.user.id }, locale: ctx.locale, csrfToken: ctx.csrfToken(), features: ctx.features });

const types: RouteHandler = async (ctx) => json({ types: ctx.registry.providerTypes().map((t) => describeType(t, ctx.locale, ctx.typeTexts)) });

const listProviders: RouteHandler = async (ctx) => {
  const providers = await ctx.registry.list();
  const withUsages = await Promise.all(
    providers.map(async (p) => ({ ...p, usages: await ctx.registry.usages(p.id).catch(() => []) })),
  );
  return json({ providers: withUsages });
};

const getProvider: RouteHandler = async (ctx, { id }) => {
  const provider = await ctx.registry.get(id!);
  const [usages, defaults, live] = await Promise.all([ctx.registry.usages(id!), ctx.registry.storage.defaults.list({ providerId: id! }), liveInfo(ctx, id!)]);
  const balance = ctx.monitor !== undefined && (live.capabilities as { balance?: boolean } | undefined)?.balance === true;
  return json({ provider, usages, defaults, live, balance });
};

/** Checks and normalises `secrets` of a create request: empty values are "not set". */
function secretsOf(type: AdminProviderType, value: unknown): Record<string, string> {
  const secrets = optionalObject(value, 'secrets') ?? {};
  const out: Record<string, string> = {};
  collect(
    Object.entries(secrets).map(([field, v]) => () => {
      if (!type.secretFields.includes(field)) issue(`secrets.${field}`, `not a secret field of ${type.type}`);
      if (v === undefined || v === null || v === '') return;
      if (typeof v !== 'string' || v.length > 65_536) issue(`secrets.${field}`, 'must be text of at most 65,536 characters');
      out[field] = v;
    }),
  );
  return out;
}

const createProvider: RouteHandler = async (ctx) => {
  const body = await ctx.body();
  const type = typeOf(ctx, body.type);
  if (!type) issue('type', `unknown provider type (known: ${ctx.registry.providerTypes().map((t) => t.type).join(', ')})`);
  const config = optionalObject(body.config, 'config') ?? {};
  let secrets: Record<string, string> = {};
  collect([
    () => {
      if (body.name !== undefined && body.name !== '') validate(nameSchema, body.name, 'name', ctx.locale);
    },
    () => validateConfig(type, config, ctx.locale),
    () => {
      secrets = secretsOf(type, body.secrets);
    },
    () => {
      if (body.eventLevel !== undefined) validate(eventLevelSchema, body.eventLevel, 'eventLevel', ctx.locale);
    },
  ]);
  const created = await ctx.registry.create({
    type: type.type,
    ...(typeof body.name === 'string' && body.name.trim() !== '' ? { name: body.name } : {}),
    config,
    secrets,
    ...(body.eventLevel === undefined ? {} : { eventLevel: body.eventLevel as (typeof EVENT_LEVELS)[number] }),
  });
  await audit(ctx, created, 'create', `provider "${created.name}" created`, { secrets: Object.keys(secrets) });
  return json({ provider: created }, 201);
};

const updateProvider: RouteHandler = async (ctx, { id }) => {
  const body = await ctx.body();
  const current = await ctx.registry.get(id!);
  const type = typeOf(ctx, current.type);
  const config = optionalObject(body.config, 'config');
  // The registry merges a patch into the stored config; fields the form left empty must go.
  let patch: Record<string, unknown> | undefined;
  if (config !== undefined) {
    patch = { ...config };
    for (const key of Object.keys(current.config)) if (!(key in config)) patch[key] = undefined;
  }
  collect([
    () => {
      if (body.name !== undefined) validate(nameSchema, body.name, 'name', ctx.locale);
    },
    () => {
      if (patch !== undefined && type) validateConfig(type, { ...current.config, ...patch }, ctx.locale);
    },
    () => {
      if (body.eventLevel !== undefined) validate(eventLevelSchema, body.eventLevel, 'eventLevel', ctx.locale);
    },
  ]);
  if (body.expectedVersion !== undefined && (typeof body.expectedVersion !== 'number' || !Number.isInteger(body.expectedVersion))) {
    throw new HttpError(400, 'BAD_REQUEST', 'expectedVersion must be an integer');
  }
  const updated = await ctx.registry.update(id!, {
    ...(body.name === undefined ? {} : { name: body.name as string }),
    ...(patch === undefined ? {} : { config: patch }),
    ...(body.eventLevel === undefined ? {} : { eventLevel: body.eventLevel as (typeof EVENT_LEVELS)[number] }),
    ...(body.expectedVersion === undefined ? {} : { expectedVersion: body.expectedVersion as number }),
  });
  const changed = Object.keys({ ...current.config, ...updated.config }).filter((k) => JSON.stringify(current.config[k]) !== JSON.stringify(updated.config[k]));
  const fields: Record<string, unknown> = { config: changed };
  if (current.name !== updated.name) fields.name = { from: current.name, to: updated.name };
  if (current.eventLevel !== updated.eventLevel) fields.eventLevel = { from: current.eventLevel, to: updated.eventLevel };
  await audit(ctx, updated, 'update', `provider "${updated.name}" updated`, fields);
  return json({ provider: updated });
};

const copyProvider: RouteHandler = async (ctx, { id }) => {
  const body = await ctx.body();
  const source = await ctx.registry.get(id!);
  collect([
    () => {
      if (body.name !== undefined && body.name !== '') validate(nameSchema, body.name, 'name', ctx.locale);
    },
  ]);
  const copy = await ctx.registry.copy(id!, typeof body.name === 'string' && body.name.trim() !== '' ? { name: body.name } : {});
  await audit(ctx, copy, 'copy', `provider "${copy.name}" copied from "${source.name}"`, { sourceId: source.id });
  return json({ provider: copy }, 201);
};

const removeProvider: RouteHandler = async (ctx, { id }) => {
  const force = ctx.query.get('force') === 'true';
  const current = await ctx.registry.get(id!);
  const usages = force ? await ctx.registry.usages(id!).catch(() => []) : [];
  await ctx.registry.remove(id!, { force });
  await audit(ctx, current, 'remove', `provider "${current.name}" removed${usages.length > 0 ? ' with its usages' : ''}`, { force, usages });
  return json({ removed: true });
};

function secretField(ctx: ApiContext, provider: ProviderInfo, field: string): void {
  const type = typeOf(ctx, provider.type);
  if (!type?.secretFields.includes(field) && !(field in provider.secrets)) {
    throw new HttpError(404, 'NOT_FOUND', `"${field}" is not a secret field of ${provider.type}`);
  }
}

const setSecret: RouteHandler = async (ctx, { id, field }) => {
  const body = await ctx.body();
  const provider = await ctx.registry.get(id!);
  secretField(ctx, provider, field!);
  validate(secretValueSchema, body.value, `secrets.${field}`, ctx.locale);
  const updated = await ctx.registry.setSecret(id!, field!, body.value as string);
  await audit(ctx, updated, 'secret.set', `secret "${field}" changed`, { field });
  return json({ provider: updated });
};

const removeSecret: RouteHandler = async (ctx, { id, field }) => {
  const provider = await ctx.registry.get(id!);
  secretField(ctx, provider, field!);
  const updated = await ctx.registry.removeSecret(id!, field!);
  await audit(ctx, updated, 'secret.remove', `secret "${field}" removed`, { field });
  return json({ provider: updated });
};

const listUsages: RouteHandler = async (ctx, { id }) => json({ usages: await ctx.registry.usages(id!) });

const removeUsage: RouteHandler = async (ctx, { id, kind, usage }) => {
  const provider = await ctx.registry.get(id!);
  if (kind === 'tenant-default' || kind === 'global-default') throw new HttpError(400, 'BAD_REQUEST', 'defaults are cleared with DELETE /api/defaults/{channel}');
  const removed = await ctx.registry.removeUsage(id!, kind!, usage!);
  if (!removed) throw new HttpError(404, 'NOT_FOUND', `provider "${provider.name}" has no usage ${kind} ${usage}`);
  await audit(ctx, provider, 'usage.remove', `usage ${kind} "${usage}" removed`, { kind, usageId: usage });
  return json({ usages: await ctx.registry.usages(id!) });
};

const listDefaults: RouteHandler = async (ctx) => json({ defaults: await ctx.registry.storage.defaults.list() });

const setDefault: RouteHandler = async (ctx, { id }) => {
  const body = await ctx.body();
  const provider = await ctx.registry.get(id!);
  const tenant = body.tenant === undefined || body.tenant === null || body.tenant === '' ? null : body.tenant;
  if (tenant !== null) validate(tenantSchema, tenant, 'tenant', ctx.locale);
  const name = tenant === null ? null : (tenant as string).trim();
  await ctx.registry.setDefault(id!, { tenant: name });
  await audit(ctx, provider, 'default.set', name === null ? `made the global default ${provider.channel} provider` : `made the default ${provider.channel} provider of tenant "${name}"`, {
    channel: provider.channel,
    tenant: name,
  });
  return json({ usages: await ctx.registry.usages(id!), defaults: await ctx.registry.storage.defaults.list({ providerId: id! }) });
};

const clearDefault: RouteHandler = async (ctx, { channel }) => {
  const tenantParam = ctx.query.get('tenant');
  const tenant = tenantParam === null || tenantParam === '' ? null : tenantParam;
  const providerId = await ctx.registry.storage.defaults.get(channel!, tenant);
  if (providerId === undefined) throw new HttpError(404, 'NOT_FOUND', `no default ${channel} provider${tenant === null ? '' : ` for tenant "${tenant}"`}`);
  const provider = await ctx.registry.get(providerId).catch(() => ({ id: providerId, type: 'unknown', name: providerId, channel: channel! }));
  await ctx.registry.clearDefault({ channel: channel!, tenant });
  await audit(ctx, provider, 'default.clear', tenant === null ? `no longer the global default ${channel} provider` : `no longer the default ${channel} provider of tenant "${tenant}"`, {
    channel,
    tenant,
  });
  return json({ cleared: true });
};

const runTest: RouteHandler = async (ctx, { id }) => {
  const body = await ctx.body();
  validate(testSchema, body, '', ctx.locale);
  const input = body as z.infer<typeof testSchema>;
  const provider = await ctx.registry.get(id!);
  if (input.to !== undefined && input.confirm !== true) {
    throw new HttpError(400, 'CONFIRMATION_REQUIRED', `a test sends a real message to ${input.to}: confirm it ("confirm": true)`);
  }
  const encoder = new TextEncoder();
  const signal = ctx.request.signal;
  const stream = new ReadableStream<Uint8Array>({
    start: async (controller) => {
      const write = (value: unknown) => {
        try {
          controller.enqueue(encoder.encode(`${JSON.stringify(value)}\n`));
        } catch {
          // The client went away; the test still finishes and is recorded.
        }
      };
      try {
        const report = await ctx.registry.test(id!, {
          ...(input.to === undefined ? {} : { to: input.to }),
          ...(input.text === undefined ? {} : { text: input.text }),
          signal,
          onStep: (step) => write({ type: 'step', step }),
        });
        write({ type: 'report', report });
        await audit(ctx, provider, 'test', `test ${report.ok ? 'passed' : 'failed'}${input.to === undefined ? '' : `, test message to ${input.to}`}`, {
          ok: report.ok,
          ...(input.to === undefined ? {} : { to: input.to }),
        });
      } catch (error) {
        if (!isTransportError(error)) ctx.report(error);
        write({ type: 'error', error: serializeError(error) });
      }
      try {
        controller.close();
      } catch {
        // Already cancelled by the client.
      }
    },
  });
  return new Response(stream, { status: 200, headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'x-accel-buffering': 'no' } });
};

const listEvents: RouteHandler = async (ctx) => {
  const q = ctx.query;
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 200) || 200, 1), 1000);
  const providerId = q.get('provider') ?? undefined;
  const types = q.getAll('type').filter((t) => t !== '');
  const since = q.get('since') ?? undefined;
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw new HttpError(400, 'BAD_REQUEST', 'since must be an ISO time');
  const severities = q.getAll('severity').filter((s): s is EventSeverity => SEVERITIES.includes(s as EventSeverity));
  const events = await ctx.registry.events({
    ...(providerId ? { providerId } : {}),
    ...(types.length > 0 ? { types } : {}),
    ...(since ? { since: new Date(since).toISOString() } : {}),
    limit,
  });
  return json({ events: severities.length > 0 ? events.filter((e) => severities.includes(e.severity)) : events });
};

const balanceStatus: RouteHandler = async (ctx, { id }) => json({ status: await balanceMonitor(ctx).status(id!) });

const configureBalance: RouteHandler = async (ctx, { id }) => {
  const monitor = balanceMonitor(ctx);
  const body = await ctx.body();
  const provider = await ctx.registry.get(id!);
  const settings = { ...body, ...(body.notifyUserId === '' ? { notifyUserId: null } : {}) };
  validate(balanceSchema, settings, '', ctx.locale);
  const status = await monitor.configure(id!, settings as z.infer<typeof balanceSchema>);
  await audit(ctx, provider, 'balance.configure', `balance warning set to threshold ${status.threshold}, user to notify: ${status.notifyUserId ?? 'none'}`, {
    threshold: status.threshold,
    notifyUserId: status.notifyUserId ?? null,
  });
  return json({ status });
};

const checkBalance: RouteHandler = async (ctx, { id }) => {
  const monitor = balanceMonitor(ctx);
  const provider = await ctx.registry.get(id!);
  const result = await monitor.check(id!, { signal: ctx.request.signal });
  const outcome = result.ok ? (result.warning.status === 'failed' ? { ...result.warning, error: serializeError(result.warning.error) } : result.warning) : undefined;
  const body = result.ok
    ? { ok: true, balance: result.balance, threshold: result.threshold, below: result.below, warning: outcome }
    : { ok: false, error: serializeError(result.error) };
  await audit(ctx, provider, 'balance.check', `balance checked${result.ok && result.warning.status === 'sent' ? ', low-balance warning sent' : ''}`, {
    ok: result.ok,
    ...(result.ok ? { warning: result.warning.status } : {}),
  });
  return json({ result: body, status: await monitor.status(id!) });
};

const listUsers: RouteHandler = async (ctx) => {
  if (!ctx.users) throw new HttpError(404, 'ROUTE_NOT_FOUND', 'no user list (option "users")');
  const users = await ctx.users.list();
  return json({ users: users.map((u) => ({ id: String(u.id), name: u.name ?? String(u.id) })) });
};

const route = (method: string, path: string, handle: RouteHandler): Route => ({ method, segments: path.split('/').filter(Boolean), handle });

/** The JSON API, relative to `{basePath}/api`. */
export const ROUTES: readonly Route[] = [
  route('GET', 'session', session),
  route('GET', 'types', types),
  route('GET', 'users', listUsers),
  route('GET', 'providers', listProviders),
  route('POST', 'providers', createProvider),
  route('GET', 'providers/:id', getProvider),
  route('PATCH', 'providers/:id', updateProvider),
  route('DELETE', 'providers/:id', removeProvider),
  route('POST', 'providers/:id/copy', copyProvider),
  route('PUT', 'providers/:id/secrets/:field', setSecret),
  route('DELETE', 'providers/:id/secrets/:field', removeSecret),
  route('GET', 'providers/:id/usages', listUsages),
  route('DELETE', 'providers/:id/usages/:kind/:usage', removeUsage),
  route('PUT', 'providers/:id/default', setDefault),
  route('POST', 'providers/:id/test', runTest),
  route('GET', 'providers/:id/balance', balanceStatus),
  route('PUT', 'providers/:id/balance', configureBalance),
  route('POST', 'providers/:id/balance/check', checkBalance),
  route('GET', 'defaults', listDefaults),
  route('DELETE', 'defaults/:channel', clearDefault),
  route('GET', 'events', listEvents),
];

/** Finds the route of a method and path (segments after `api/`, decoded). */
export function matchRoute(method: string, segments: readonly string[]): { route: Route; params: Params } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const candidate of ROUTES) {
    if (candidate.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const fits = candidate.segments.every((s, i) => {
      if (s.startsWith(':')) {
        params[s.slice(1)] = segments[i]!;
        return segments[i] !== '';
      }
      return s === segments[i];
    });
    if (!fits) continue;
    if (candidate.method === method || (method === 'HEAD' && candidate.method === 'GET')) return { route: candidate, params };
    allowed.push(candidate.method);
  }
  return allowed.length > 0 ? { allowed } : undefined;
}
