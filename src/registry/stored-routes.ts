import { z } from 'zod';
import { TransportError } from '../core/errors.js';
import type { TestStep } from '../core/messages.js';
import type { Channel, ProviderType, RouteProvider } from '../core/provider.js';
import type { TransportStorage } from '../storage/types.js';

/** The type id of stored routes; reserved: a host provider type cannot use it. */
export const ROUTE_TYPE = 'route';
/** The "used by" kind a stored route registers on each of its providers. */
export const ROUTE_USAGE = 'route';

/** The configuration of a stored route. */
export interface RouteConfig {
  /** The channel the route serves: it can be the default of that channel (`{ channel, tenant }` sends). */
  readonly channel: Channel;
  /** Provider ids, in the order `failover` tries them; no route among them. */
  readonly providers: readonly string[];
  readonly strategy: 'failover' | 'round-robin';
}

const providerIdSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be a provider id');

const routeConfigSchema = z.object({
  channel: z.string().regex(/^[a-z][a-z0-9-]{0,49}$/, 'must be a channel name such as sms or email').default('sms'),
  providers: z
    .array(providerIdSchema)
    .min(1, 'a route needs at least one provider')
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name a provider twice'),
  strategy: z.enum(['failover', 'round-robin']).default('failover'),
});

/**
 * The built-in provider type of stored routes: an ordered list of providers with a strategy,
 * kept as a record like a provider (named, listed, copied, "used by", a channel default) so an
 * admin can edit it. Every registry has it; its records' providers are registered as used by
 * the route, so none of them can be removed while the route names it.
 */
export const routeType: ProviderType<RouteConfig, never, RouteProvider, typeof ROUTE_TYPE> = {
  type: ROUTE_TYPE,
  kind: 'route',
  channel: (config) => config.channel,
  configSchema: routeConfigSchema as z.ZodType<RouteConfig>,
  secretFields: [],
  create(config, _secrets, context) {
    const route = { providers: [...config.providers], strategy: config.strategy };
    return {
      kind: 'route',
      id: context.providerId,
      type: ROUTE_TYPE,
      channel: config.channel,
      route,
      async diagnostics() {
        return Promise.all(route.providers.map(async (id) => memberStep(context.storage, id)));
      },
      async close() {},
    };
  },
};

async function memberStep(storage: TransportStorage, id: string): Promise<Omit<TestStep, 'durationMs'>> {
  const record = await storage.providers.get(id);
  if (!record) return { name: `provider ${id}`, ok: false, code: 'NOT_FOUND', detail: `provider "${id}" does not exist` };
  if (record.type === ROUTE_TYPE) return { name: `provider ${id}`, ok: false, code: 'CONFIG_INVALID', detail: `"${id}" is a route; routes do not nest` };
  return { name: `provider ${id}`, ok: true, detail: `${record.name} (${record.type}, ${record.channel})` };
}

/** Refuses a route naming itself, a missing provider or another route (`config.providers[i]`). */
export async function checkRouteMembers(storage: TransportStorage, routeId: string, providers: readonly string[]): Promise<void> {
  const records = await Promise.all(providers.map((id) => storage.providers.get(id)));
  records.forEach((record, i) => {
    const id = providers[i]!;
    const why = id === routeId ? 'a route cannot name itself' : !record ? `provider "${id}" does not exist` : record.type === ROUTE_TYPE ? `"${id}" is a route; routes do not nest` : undefined;
    if (why) throw new TransportError('CONFIG_INVALID', `invalid config.providers[${i}]: ${why}`, { field: `config.providers[${i}]`, providerId: routeId });
  });
}

/**
 * Registers the route as a usage of the providers it names now and drops it from those it no
 * longer names. False when a provider was removed meanwhile (its usage could not be added).
 */
export async function syncRouteUsages(storage: TransportStorage, route: { readonly id: string; readonly name: string }, before: readonly string[], after: readonly string[]): Promise<boolean> {
  const usage = { kind: ROUTE_USAGE, id: route.id, label: `route "${route.name}"` };
  const added = await Promise.all(after.map((id) => storage.usages.add(id, usage)));
  await Promise.all(before.filter((id) => !after.includes(id)).map((id) => storage.usages.remove(id, ROUTE_USAGE, route.id)));
  return added.every(Boolean);
}
