import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { hasErrorCode, isTransportError, TransportError } from '../core/errors.js';
import { withRedaction, type EventLevel, type EventSeverity, type ProviderEvent } from '../core/events.js';
import {
  emailMessageSchema,
  recipientsOf,
  textMessageSchema,
  type EmailMessage,
  type SendResult,
  type TestReport,
  type TextMessage,
} from '../core/messages.js';
import {
  systemClock,
  type AnyProviderType,
  type Clock,
  type DeliveryProvider,
  type TransportProvider,
} from '../core/provider.js';
import { generateSecretKey, SecretBox } from '../core/secrets.js';
import { autoTracer, inSpan, type TracerLike } from '../core/tracing.js';
import { parseWith, validateWith } from '../core/validation.js';
import { guardStorage } from '../storage/guard.js';
import { memoryStorage } from '../storage/memory.js';
import type { DefaultEntry, DeliveryStatus, EventQuery, ProviderRecord, TransportStorage, UsageRef } from '../storage/types.js';
import { memoryTransport } from '../testing/memory-transport.js';
import { EventQueue, REGISTRY_EVENT_SOURCE } from './event-queue.js';
import { closestKey, droppedKeys, optionsArg, requiredObjectArg, stringArg } from './arguments.js';
import { LiveProviders, type Live, type LiveEntry } from './live-providers.js';
import { CircuitBreakers } from './circuit.js';
import { RecordCache } from './record-cache.js';
import { Router, type Route, type RoutedSendResult } from './router.js';
import { EventRecorder, type RecorderSink } from './recorder.js';
import { rotateRecordSecrets, rotateTotpSecrets, type RotationContext } from './rotation.js';
import { checkRouteMembers, ROUTE_TYPE, routeType, syncRouteUsages, type RouteConfig } from './stored-routes.js';
import { safeRecipients, sendOptions, toTransportError } from './support.js';
import { runTest } from './test-run.js';
import type {
  CreateInputFor,
  CreateProviderInput,
  DefaultTarget,
  ListFilter,
  ProviderInfo,
  RegistryOptions,
  RegistrySendOptions,
  RegistryStats,
  RotationReport,
  TestOptions,
  UpdateProviderInput,
} from './types.js';

const eventLevelSchema = z.enum(['off', 'errors', 'all', 'debug']);
const severitySchema = z.enum(['error', 'warn', 'info', 'debug']);
const idSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 letters, digits or ._:-');
// Names are display text: shown in lists and used in e-mail subjects, so no line breaks or controls.
const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200)
  .refine((v) => !/[\u0000-\u001f\u007f\u2028\u2029]/.test(v), 'must be one line of text without control characters');
const usageSchema = z.object({
  kind: z.string().min(1).max(100),
  id: z.string().min(1).max(200),
  label: z.string().max(500).optional(),
});
const TENANT_DEFAULT = 'tenant-default';
const GLOBAL_DEFAULT = 'global-default';
/** Usage kinds the registry derives from the defaults; a host cannot add them by hand. */
const DEFAULT_KINDS: ReadonlySet<string> = new Set([TENANT_DEFAULT, GLOBAL_DEFAULT]);
const optionsSchema = z.object({
  storageTimeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  drainTimeoutMs: z.number().int().min(0).max(600_000).default(30_000),
  eventQueueCapacity: z.number().int().min(1).max(10_000_000).default(10_000),
  eventBatchSize: z.number().int().min(1).max(10_000).default(100),
  circuitFailureThreshold: z.number().int().min(1).max(1000).default(5),
  circuitCooldownMs: z.number().int().min(1).max(86_400_000).default(30_000),
  deliveryStatus: z.enum(['receipts', 'all', 'off']).default('receipts'),
});
const deliveryStatusSchema = z.object({
  messageId: z.string().min(1).max(500),
  providerId: z.string().min(1).max(100),
  state: z.enum(['accepted', 'delivered', 'read', 'failed', 'expired']),
  at: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO time'),
  reason: z.string().max(1000).optional(),
  detail: z.string().max(1000).optional(),
});
/** Read-modify-write attempts of `update`/`setSecret` without an expected version. */
const WRITE_ATTEMPTS = 5;

/**
 * The provider registry: everything the "manage transport providers" screen does, as an API.
 * Create it with {@link createRegistry}.
 */
export class ProviderRegistry<Types extends AnyProviderType = AnyProviderType> {
  /** The guarded storage (every call bounded by `storageTimeoutMs`; failures are `STORAGE_FAILED`). */
  readonly storage: TransportStorage;
  readonly clock: Clock;
  readonly #box: SecretBox;
  readonly #types: Map<string, AnyProviderType>;
  readonly #sink: RecorderSink;
  readonly #queue: EventQueue;
  readonly #live: LiveProviders;
  readonly #defaultEventLevel: EventLevel;
  readonly #records = new RecordCache();
  readonly #circuits: CircuitBreakers;
  readonly #trackDeliveries: 'receipts' | 'all' | 'off';
  #tracer: TracerLike | undefined;
  readonly #router: Router;
  readonly #logger: RegistryOptions['logger'];
  #closed = false;

  constructor(input: RegistryOptions = {}) {
    const options = optionsArg<RegistryOptions>(input, 'options');
    const settings = parseWith(
      optionsSchema,
      {
        storageTimeoutMs: options.storageTimeoutMs,
        drainTimeoutMs: options.drainTimeoutMs,
        eventQueueCapacity: options.eventQueueCapacity,
        eventBatchSize: options.eventBatchSize,
        circuitFailureThreshold: options.circuitFailureThreshold,
        circuitCooldownMs: options.circuitCooldownMs,
        deliveryStatus: options.deliveryStatus,
      },
      'CONFIG_INVALID',
      'options',
    );
    const storage = options.storage ?? memoryStorage();
    this.storage = guardStorage(storage, { timeoutMs: settings.storageTimeoutMs });
    if (options.secretKeys === undefined && storage.processLocal !== true) {
      throw new TransportError('CONFIG_INVALID', 'secretKeys is required with a persistent storage adapter', { field: 'secretKeys' });
    }
    this.#box = new SecretBox(options.secretKeys ?? { keys: { local: generateSecretKey() }, current: 'local' });
    this.clock = options.clock ?? systemClock;
    this.#defaultEventLevel = parseWith(eventLevelSchema, options.defaultEventLevel ?? 'all', 'CONFIG_INVALID', 'defaultEventLevel');
    this.#types = new Map();
    const types = options.types ?? [memoryTransport()];
    if (!Array.isArray(types)) throw new TransportError('CONFIG_INVALID', 'invalid types: must be an array of provider types', { field: 'types' });
    for (const type of types) {
      if (!type || typeof type.type !== 'string' || typeof type.create !== 'function') {
        throw new TransportError('CONFIG_INVALID', 'types must be provider types ({ type, configSchema, secretFields, create })', { field: 'types' });
      }
      const reserved = (type.type as string) === ROUTE_TYPE;
      if (this.#types.has(type.type) || reserved) {
        const why = reserved ? 'is reserved for stored routes' : 'is registered twice';
        throw new TransportError('CONFIG_INVALID', `provider type "${type.type}" ${why}`, { field: 'types' });
      }
      this.#types.set(type.type, type);
    }
    this.#types.set(ROUTE_TYPE, routeType as AnyProviderType);
    this.#queue = new EventQueue({
      store: this.storage.events,
      clock: this.clock,
      logger: options.logger,
      capacity: settings.eventQueueCapacity,
      batchSize: settings.eventBatchSize,
    });
    this.#sink = { queue: this.#queue, logger: options.logger, clock: this.clock };
    this.#live = new LiveProviders(settings.drainTimeoutMs);
    this.#logger = options.logger;
    this.#trackDeliveries = settings.deliveryStatus;
    if (options.tracer !== undefined && options.tracer !== false && typeof options.tracer?.startActiveSpan !== 'function') {
      throw new TransportError('CONFIG_INVALID', 'invalid tracer: must be an OpenTelemetry Tracer (startActiveSpan) or false', { field: 'tracer' });
    }
    if (options.tracer) this.#tracer = options.tracer;
    else if (options.tracer === undefined) void autoTracer().then((tracer) => (this.#tracer ??= tracer));
    this.#circuits = new CircuitBreakers({ failureThreshold: settings.circuitFailureThreshold, cooldownMs: settings.circuitCooldownMs });
    this.#router = new Router({
      clock: this.clock,
      idempotency: this.storage.idempotency,
      circuits: this.#circuits,
      sendOnce: (id, message, sendOptions) => this.#sendOnce(id, message, sendOptions),
      shapeOf: async (id) => {
        const provider = await this.resolve(id);
        return provider.kind === 'delivery' ? provider.capabilities.message : 'text';
      },
      note: (id, severity, type, message, fields) => void this.recordEvent(id, severity, type, message, fields).catch(() => undefined),
    });
    this.#records.start(this.storage, (cause) => this.#internalError('storage.watch failed; reading records on every send', cause));
  }

  /** The registered provider types. */
  providerTypes(): readonly AnyProviderType[] {
    return [...this.#types.values()];
  }

  // ---- records -------------------------------------------------------------------------

  /** Creates a provider (or a stored route, type `route`); config validated by its type, secrets sealed. */
  async create(arg: CreateInputFor<Types | typeof routeType>): Promise<ProviderInfo> {
    return this.#create(arg as CreateProviderInput);
  }

  async #create(arg: CreateProviderInput): Promise<ProviderInfo> {
    this.#assertOpen();
    const input = requiredObjectArg<CreateProviderInput>(arg, 'input');
    const type = this.#typeOf(input.type);
    const id = input.id === undefined ? randomUUID() : parseWith(idSchema, input.id, 'CONFIG_INVALID', 'id');
    const config = await this.#config(type, input.config ?? {}, undefined);
    if (type.type === ROUTE_TYPE) await checkRouteMembers(this.storage, id, (config as unknown as RouteConfig).providers);
    const name = parseWith(nameSchema, input.name ?? type.type, 'CONFIG_INVALID', 'name');
    const eventLevel = parseWith(eventLevelSchema, input.eventLevel ?? this.#defaultEventLevel, 'CONFIG_INVALID', 'eventLevel');
    const secrets: Record<string, string> = {};
    for (const [field, value] of Object.entries(optionsArg<Record<string, string>>(input.secrets, 'secrets'))) {
      secrets[field] = this.#sealSecret(type, id, field, value);
    }
    const now = this.#nowIso();
    const record: ProviderRecord = {
      id,
      type: type.type,
      channel: typeof type.channel === 'function' ? type.channel(config) : type.channel,
      name,
      config,
      secrets,
      eventLevel,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await this.storage.providers.insert(record);
    if (type.type === ROUTE_TYPE && !(await syncRouteUsages(this.storage, record, [], routeMembers(record)))) {
      await this.storage.providers.remove(id, { force: true });
      await syncRouteUsages(this.storage, record, routeMembers(record), []);
      throw new TransportError('CONFIG_INVALID', 'invalid config.providers: a provider of the route was removed meanwhile', { field: 'config.providers', providerId: id });
    }
    this.#registryEvent(record, 'info', 'provider.created', `provider "${name}" created`, { type: type.type });
    return this.#info(record);
  }

  /** The provider, or NOT_FOUND. */
  async get(id: string): Promise<ProviderInfo> {
    return this.#info(await this.#record(id));
  }

  /** All providers, optionally filtered by type or channel. */
  async list(arg: ListFilter = {}): Promise<ProviderInfo[]> {
    const filter = optionsArg<ListFilter>(arg, 'filter');
    const records = await this.storage.providers.list();
    return records
      .filter((r) => (filter.type === undefined || r.type === filter.type) && (filter.channel === undefined || r.channel === filter.channel))
      .map((r) => this.#info(r));
  }

  /**
   * Changes name, config (merged, re-validated) or event level. With `expectedVersion` a record
   * changed meanwhile gives `CONFLICT`; without, the patch is applied to the newest version.
   */
  async update(id: string, arg: UpdateProviderInput): Promise<ProviderInfo> {
    const patch = requiredObjectArg<UpdateProviderInput>(arg, 'patch');
    let before: readonly string[] = [];
    const saved = await this.#change(id, patch.expectedVersion, async (record) => {
      const type = this.#typeOf(record.type);
      const config = patch.config === undefined ? record.config : await this.#config(type, { ...record.config, ...optionsArg(patch.config, 'patch.config') }, id);
      before = routeMembers(record);
      if (type.type === ROUTE_TYPE) await checkRouteMembers(this.storage, id, (config as unknown as RouteConfig).providers);
      return {
        ...record,
        name: patch.name === undefined ? record.name : parseWith(nameSchema, patch.name, 'CONFIG_INVALID', 'name', id),
        eventLevel: patch.eventLevel === undefined ? record.eventLevel : parseWith(eventLevelSchema, patch.eventLevel, 'CONFIG_INVALID', 'eventLevel', id),
        channel: typeof type.channel === 'function' ? type.channel(config) : type.channel,
        config,
      };
    });
    if (saved.type === ROUTE_TYPE && !(await syncRouteUsages(this.storage, saved, before, routeMembers(saved)))) {
      throw new TransportError('CONFIG_INVALID', 'invalid config.providers: a provider of the route was removed meanwhile', { field: 'config.providers', providerId: id });
    }
    this.#registryEvent(saved, 'info', 'provider.updated', `provider "${saved.name}" updated`, { fields: Object.keys(patch.config ?? {}) });
    return this.#info(saved);
  }

  /** A new provider with the same configuration and secrets (re-sealed for it), without usages. */
  async copy(id: string, arg: { readonly name?: string; readonly id?: string } = {}): Promise<ProviderInfo> {
    const options = optionsArg<{ name?: string; id?: string }>(arg, 'options');
    const record = await this.#record(id);
    const type = this.#typeOf(record.type);
    const secrets: Record<string, string> = {};
    for (const [field, sealed] of Object.entries(record.secrets)) secrets[field] = this.#box.open(sealed, { recordId: id, field });
    const created = await this.#create({
      type: type.type,
      name: options.name ?? `${record.name} (copy)`,
      config: record.config,
      secrets,
      eventLevel: record.eventLevel,
      id: options.id,
    });
    this.#registryEvent(record, 'info', 'provider.copied', `provider copied to "${created.name}"`, { copyId: created.id });
    return created;
  }

  /**
   * Removes a provider. Fails with PROVIDER_IN_USE (listing the usages, defaults included) while
   * anything uses it, unless `force` is set, which also drops its usages and defaults. One atomic
   * store operation: a usage or default added concurrently either blocks the removal or fails.
   * Sends in flight on the provider finish before it is closed.
   */
  async remove(id: string, options: { readonly force?: boolean } = {}): Promise<void> {
    this.#assertOpen();
    const force = optionsArg<{ force?: boolean }>(options, 'options').force === true;
    const outcome = await this.storage.providers.remove(stringArg(id, 'id'), { force });
    if (outcome.status === 'not-found') throw notFound(id);
    if (outcome.status === 'in-use') {
      const usages = [...outcome.usages, ...outcome.defaults.map(defaultUsage)];
      const labels = usages.map((u) => u.label ?? `${u.kind} ${u.id}`).join(', ');
      const record = await this.storage.providers.get(id);
      throw new TransportError('PROVIDER_IN_USE', `provider "${record?.name ?? id}" is used by: ${labels}`, { providerId: id, details: { usages } });
    }
    const { record } = outcome;
    await syncRouteUsages(this.storage, record, routeMembers(record), []);
    const forced = outcome.usages.length + outcome.defaults.length > 0;
    this.#registryEvent(record, 'info', 'provider.removed', `provider "${record.name}" removed`, { forced });
    this.#records.forget(id);
    await this.#live.evict(id);
  }

  // ---- secrets -------------------------------------------------------------------------

  /** Sets (changes) one secret field, e.g. the password. */
  async setSecret(id: string, field: string, value: string, options: { readonly expectedVersion?: number } = {}): Promise<ProviderInfo> {
    stringArg(field, 'field');
    const saved = await this.#change(id, optionsArg<{ expectedVersion?: number }>(options, 'options').expectedVersion, (record) => ({
      ...record,
      secrets: { ...record.secrets, [field]: this.#sealSecret(this.#typeOf(record.type), id, field, value) },
    }));
    this.#registryEvent(saved, 'info', 'secret.changed', `secret "${field}" changed`, { field });
    return this.#info(saved);
  }

  /** Removes one secret field, e.g. the password. */
  async removeSecret(id: string, field: string, options: { readonly expectedVersion?: number } = {}): Promise<ProviderInfo> {
    stringArg(field, 'field');
    const saved = await this.#change(id, optionsArg<{ expectedVersion?: number }>(options, 'options').expectedVersion, (record) => {
      const type = this.#typeOf(record.type);
      if (!type.secretFields.includes(field)) this.#unknownSecret(type, field, id);
      const secrets = { ...record.secrets };
      delete secrets[field];
      return { ...record, secrets };
    });
    this.#registryEvent(saved, 'info', 'secret.removed', `secret "${field}" removed`, { field });
    return this.#info(saved);
  }

  /**
   * Re-seals every stored secret (provider records and TOTP user secrets) under the current key.
   * A record changed concurrently is read again and retried; a value that cannot be opened (or a
   * record that cannot be written) is skipped and reported, never dropped. Safe to run again:
   * it continues with what is left under old keys.
   */
  async rotateSecrets(): Promise<RotationReport> {
    this.#assertOpen();
    const context: RotationContext = { storage: this.storage, box: this.#box, now: () => this.#nowIso() };
    let rotated = 0;
    let remaining = 0;
    const skipped: RotationReport['skipped'][number][] = [];
    for (const listed of await this.storage.providers.list()) {
      for (const result of [await rotateRecordSecrets(context, listed), ...(await rotateTotpSecrets(context, listed.id))]) {
        rotated += result.rotated;
        remaining += result.skipped.length;
        skipped.push(...result.skipped);
      }
    }
    return { rotated, skipped, remaining };
  }

  // ---- usages and defaults -------------------------------------------------------------

  /** Registers a place that uses the provider ("used by"); NOT_FOUND when the provider is gone. */
  async addUsage(id: string, usage: UsageRef): Promise<void> {
    const parsed = parseWith(usageSchema, usage, 'CONFIG_INVALID', 'usage', id);
    if (DEFAULT_KINDS.has(parsed.kind)) {
      throw new TransportError('CONFIG_INVALID', `invalid usage.kind: "${parsed.kind}" is derived from the defaults; use setDefault()`, { field: 'usage.kind', providerId: id });
    }
    if (!(await this.storage.usages.add(stringArg(id, 'id'), parsed))) throw notFound(id);
  }

  /** Removes a usage reference; false when there was none. */
  async removeUsage(id: string, kind: string, usageId: string): Promise<boolean> {
    return this.storage.usages.remove(stringArg(id, 'id'), stringArg(kind, 'kind'), stringArg(usageId, 'usageId'));
  }

  /** The places that use the provider: the host's usages, then the defaults it is. */
  async usages(id: string): Promise<UsageRef[]> {
    await this.#record(id);
    const [stored, defaults] = await Promise.all([this.storage.usages.list(id), this.storage.defaults.list({ providerId: id })]);
    return [...stored, ...defaults.sort(byDefault).map(defaultUsage)];
  }

  /**
   * Makes `providerId` the default for its channel, for a tenant or (without one) globally,
   * replacing the previous default. The "used by" view shows it from then on. One atomic store
   * operation: NOT_FOUND when the provider was removed meanwhile.
   */
  async setDefault(providerId: string, target: { readonly tenant?: string | null } = {}): Promise<void> {
    const record = await this.#record(providerId);
    const tenant = optionsArg<{ tenant?: string | null }>(target, 'target').tenant ?? null;
    if (tenant !== null) parseWith(z.string().min(1).max(200), tenant, 'CONFIG_INVALID', 'tenant', providerId);
    if (!(await this.storage.defaults.set(record.channel, tenant, providerId))) throw notFound(providerId);
  }

  /** Clears a default (and with it its "used by" entry). */
  async clearDefault(target: DefaultTarget): Promise<void> {
    const { channel, tenant } = defaultTarget(target);
    await this.storage.defaults.clear(channel, tenant);
  }

  /** The default provider id: tenant default, then global default; NOT_FOUND when neither is set. */
  async defaultFor(target: DefaultTarget): Promise<string> {
    const { channel, tenant } = defaultTarget(target);
    const found = (tenant === null ? undefined : await this.storage.defaults.get(channel, tenant)) ?? (await this.storage.defaults.get(channel, null));
    if (found === undefined) {
      throw new TransportError('NOT_FOUND', `no default ${channel} provider${tenant === null ? '' : ` for tenant "${tenant}"`} and no global default`);
    }
    return found;
  }

  /** The live default provider for a channel and tenant. */
  async resolveFor(target: DefaultTarget): Promise<TransportProvider> {
    return this.resolve(await this.defaultFor(target));
  }

  // ---- live providers ------------------------------------------------------------------

  /**
   * The live provider of a record, cached; rebuilt when the record's version changed, also when
   * another app instance changed it. The old build keeps serving the sends it started and is
   * closed once they settled (at most `drainTimeoutMs` later).
   */
  async resolve(id: string): Promise<TransportProvider> {
    return (await this.#entry(id).then((e) => e.live)).provider;
  }

  /**
   * Validates and sends a message. `target` is a provider id, a channel default
   * (`{ channel, tenant }`) or a {@link Route} of several providers. A provider id without
   * `retry` or `idempotencyKey` is one attempt; anything else goes through the router: retries
   * with backoff inside a time budget, failover on provider faults, circuit breakers, and one
   * send per idempotency key across app instances (see the README's decision table).
   * Events are queued, never awaited: a slow or hanging event store does not delay a send.
   */
  async send(target: string | DefaultTarget | Route, message: EmailMessage | TextMessage, arg: RegistrySendOptions = {}): Promise<RoutedSendResult> {
    const options = sendOptionsArg(arg);
    if (typeof target === 'string') {
      this.#assertOpen();
      const record = this.#records.peek(target) ?? (await this.#cachedRecord(target));
      const stored = storedRoute(record);
      if (stored) return this.#routed(stored.providers, stored, message, options);
      if (options.retry === undefined && options.idempotencyKey === undefined) {
        // No await between taking the entry and counting the send on it: a replaced build drains it.
        const result = await this.#sendOnce(target, message, options, this.#entryFor(record));
        return { ...result, attempts: [{ providerId: target, ok: true }] };
      }
    }
    this.#assertOpen();
    const { providers, route } = await this.#targetProviders(target);
    return this.#routed(providers, route, message, options);
  }

  /** A send through the router: retries, failover, circuits, idempotency. */
  #routed(providers: readonly string[], route: Route | undefined, message: EmailMessage | TextMessage, options: RegistrySendOptions): Promise<RoutedSendResult> {
    const attributes = { 'messaging.system': 'transportkit', 'messaging.operation.type': 'send', 'transportkit.route.providers': providers.length };
    return inSpan(this.#tracer, 'route send', 'producer', attributes, () => this.#router.send(providers, route, message, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.redact ? { redact: options.redact } : {}),
      ...(options.retry === false ? { retry: { attempts: 1 } } : options.retry ? { retry: options.retry } : {}),
      idempotencyKey: options.idempotencyKey,
      idempotencyTtlMs: options.idempotencyTtlMs,
    }));
  }

  /** One attempt through one provider: validation, the send, its events. */
  async #sendOnce(id: string, message: EmailMessage | TextMessage, options: RegistrySendOptions, known?: LiveEntry): Promise<SendResult> {
    const entry = known ?? (await this.#entry(id));
    // The cached recorder already holds the opened secrets: no second read or decryption per send.
    return this.#live.use(entry, async ({ provider, events: recorder }) => {
      if (provider.kind !== 'delivery') {
        throw new TransportError('UNSUPPORTED', `provider ${id} (${provider.type}) does not deliver messages`, { providerId: id });
      }
      const attributes = { 'messaging.system': 'transportkit', 'messaging.operation.type': 'send', 'transportkit.provider.id': id, 'transportkit.provider.type': provider.type };
      return inSpan(this.#tracer, `send ${provider.type}`, 'producer', attributes, (span) => withRedaction(options.redact ?? [], async () => {
        try {
          const parsed = this.#checkMessage(provider, message);
          const result = await provider.send(parsed, sendOptions(options));
          recorder.info('send', `sent to ${result.accepted.length} recipient(s)`, {
            messageId: result.messageId,
            accepted: result.accepted,
            rejected: result.rejected,
            segments: result.segments,
          });
          if (result.messageId && (this.#trackDeliveries === 'all' || (this.#trackDeliveries === 'receipts' && provider.capabilities.deliveryReceipts))) {
            const response = result.details?.response;
            const accepted: DeliveryStatus = { messageId: result.messageId, providerId: id, state: 'accepted', at: this.#nowIso(), ...(typeof response === 'string' ? { detail: response.slice(0, 1000) } : {}) };
            // In the background: the send has succeeded whatever the status store does.
            void this.storage.deliveries.advance(accepted).catch((cause: unknown) => this.#internalError('storing the accepted delivery status failed', cause));
          }
          if (result.messageId) span?.setAttribute('messaging.message.id', result.messageId);
          return result;
        } catch (cause) {
          const error = toTransportError(cause, id, recorder);
          recorder.error('send.failed', `send failed: ${error.message}`, { code: error.code, upstream: error.upstream, recipients: safeRecipients(message) });
          throw error;
        }
      }));
    });
  }

  /** @internal The tracer of this registry (the BalanceMonitor's spans use it). */
  get tracer(): TracerLike | undefined {
    return this.#tracer;
  }

  /** The provider ids a send target stands for. */
  async #targetProviders(target: unknown): Promise<{ providers: readonly string[]; route?: Route }> {
    if (typeof target === 'string') return { providers: [target] };
    const object = requiredObjectArg<Record<string, unknown>>(target, 'target');
    if ('providers' in object) {
      const route = parseWith(routeSchema, object, 'CONFIG_INVALID', 'route') as Route;
      return { providers: [...route.providers], route };
    }
    const id = await this.defaultFor(object as unknown as DefaultTarget);
    const stored = storedRoute(await this.#cachedRecord(id));
    return stored ? { providers: stored.providers, route: stored } : { providers: [id] };
  }

  /**
   * The Test function: resolves the provider, runs its diagnostics, `verify()`, reads the
   * balance where supported and, with `to`, sends a test message. Never throws for provider
   * failures: they are failing steps of the report.
   */
  async test(id: string, arg: TestOptions = {}): Promise<TestReport> {
    const options = testOptionsArg(arg);
    const record = await this.#record(id);
    const recorder = await this.#recorderFor(record);
    const spanAttributes = { 'transportkit.provider.id': id, 'transportkit.provider.type': record.type };
    const report = await inSpan(this.#tracer, `test ${record.type}`, 'internal', spanAttributes, () => runTest(
      {
        providerId: id,
        type: record.type,
        name: record.name,
        clock: this.clock,
        recorder,
        resolve: () => this.resolve(id),
        send: (message) => this.send(id, message, options),
      },
      options,
    ));
    const failed = report.steps.find((s) => !s.ok);
    if (report.ok) recorder.info('test', 'test passed', { steps: report.steps.map((s) => s.name) });
    else recorder.error('test', `test failed at step "${failed?.name}"`, { steps: report.steps.map(({ name, ok, code, detail }) => ({ name, ok, code, detail })) });
    return report;
  }

  // ---- delivery status -----------------------------------------------------------------

  /** The delivery status of a sent message (`SendResult.messageId`), or `undefined` when none is known. */
  async deliveryStatus(messageId: string): Promise<DeliveryStatus | undefined> {
    return this.storage.deliveries.get(stringArg(messageId, 'messageId'));
  }

  /**
   * Records what an upstream reported about a sent message (a delivery notification, a read
   * receipt). A status only moves forward (`accepted` < `delivered` = `failed` = `expired` <
   * `read`); each stored change is a `message.status` event of the provider. Returns whether it
   * was stored. Used by the ASPSMS notification and Threema callback handlers, and by hosts with
   * their own status sources.
   */
  async recordDeliveryStatus(status: DeliveryStatus): Promise<boolean> {
    const parsed = parseWith(deliveryStatusSchema, status, 'MESSAGE_INVALID', 'status') as DeliveryStatus;
    const stored = await this.storage.deliveries.advance(parsed);
    if (stored) {
      await this.recordEvent(parsed.providerId, parsed.state === 'failed' || parsed.state === 'expired' ? 'warn' : 'info', 'message.status', `message ${parsed.messageId} ${parsed.state}${parsed.reason ? `: ${parsed.reason}` : ''}`, {
        messageId: parsed.messageId,
        state: parsed.state,
        ...(parsed.reason ? { reason: parsed.reason } : {}),
      }).catch((cause: unknown) => {
        if (!hasErrorCode(cause, 'NOT_FOUND')) throw cause;
      });
    }
    return stored;
  }

  // ---- events --------------------------------------------------------------------------

  /** Recorded events, oldest first; waits until this registry's queued events are written. */
  async events(query: EventQuery = {}): Promise<ProviderEvent[]> {
    const parsed = parseWith(eventQuerySchema, query ?? {}, 'CONFIG_INVALID', 'query') as EventQuery;
    await this.#queue.flush();
    return this.storage.events.list(parsed);
  }

  /**
   * Deletes events recorded before `before` (a Date or ISO time) and returns how many. Events
   * hold recipients (personal data): call it on a schedule to keep the log bounded.
   */
  async pruneEvents(options: { readonly before: Date | string }): Promise<number> {
    const before = parseWith(z.coerce.date(), optionsArg<{ before: Date | string }>(options, 'options').before, 'CONFIG_INVALID', 'before');
    await this.#queue.flush();
    return this.storage.events.prune({ before: before.toISOString() });
  }

  /**
   * Records an event for a provider at its event level, redacted with its secrets. Used by
   * components built on the registry (BalanceMonitor, second factor). Queued, like every event.
   */
  async recordEvent(id: string, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown> = {}): Promise<void> {
    parseWith(severitySchema, severity, 'CONFIG_INVALID', 'severity');
    stringArg(type, 'type');
    stringArg(message, 'message');
    optionsArg(fields, 'fields');
    (await this.#recorderFor(await this.#cachedRecord(id)))[severity](type, message, fields);
  }

  /**
   * Redacts a text with a provider's secret values (and their encoded forms), for components
   * that store upstream text outside events, such as the BalanceMonitor's last error.
   */
  async redact(id: string, text: string): Promise<string> {
    stringArg(text, 'text');
    return (await this.#recorderFor(await this.#cachedRecord(id))).redact(text);
  }

  /** Counters for monitoring: the event queue (written, dropped, failed) and the provider cache. */
  stats(): RegistryStats {
    const now = this.clock.now();
    const delivery = Object.fromEntries(
      [...this.#router.counters].map(([id, c]) => [id, { ...c, failed: { ...c.failed }, circuit: this.#circuits.state(id, now) }]),
    );
    return { events: this.#queue.stats(), providers: this.#live.stats(), delivery };
  }

  /**
   * Closes every live provider after its in-flight sends (bounded by `drainTimeoutMs`) and
   * writes the queued events. The registry cannot be used afterwards; the storage stays open.
   */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#records.stop().catch((cause: unknown) => this.#internalError('storage.watch could not be stopped', cause));
    await this.#live.closeAll();
    await this.#queue.flush();
  }

  // ---- internals -----------------------------------------------------------------------

  /** The cache entry serving the record's current version (built when needed). */
  async #entry(id: string): Promise<LiveEntry> {
    this.#assertOpen();
    return this.#entryFor(await this.#cachedRecord(id));
  }

  #entryFor(record: ProviderRecord): LiveEntry {
    return this.#live.entry(record.id, record.version, () => this.#build(record));
  }

  /** The record, from the cache when the store announces changes (no read per send or event). */
  #cachedRecord(id: string): Promise<ProviderRecord> {
    return this.#records.read(stringArg(id, 'id'), () => this.#record(id));
  }

  async #build(record: ProviderRecord): Promise<Live> {
    const type = this.#typeOf(record.type);
    const config = await validateWith(type.configSchema, record.config, 'CONFIG_INVALID', 'config', record.id);
    const secrets: Record<string, string> = {};
    for (const [field, sealed] of Object.entries(record.secrets)) {
      try {
        secrets[field] = this.#box.open(sealed, { recordId: record.id, field });
      } catch (cause) {
        throw isTransportError(cause) ? cause.withProvider(record.id) : cause;
      }
    }
    const events = new EventRecorder(this.#sink, record.id, record.type, record.eventLevel, Object.values(secrets));
    try {
      const provider = await type.create(config, secrets, {
        providerId: record.id,
        name: record.name,
        events,
        clock: this.clock,
        storage: this.storage,
        secretBox: this.#box,
      });
      return { provider, events };
    } catch (cause) {
      throw toTransportError(cause, record.id, events);
    }
  }

  #checkMessage(provider: DeliveryProvider, message: EmailMessage | TextMessage): EmailMessage | TextMessage {
    const parsed: EmailMessage | TextMessage =
      provider.capabilities.message === 'email'
        ? (parseWith(emailMessageSchema, message, 'MESSAGE_INVALID', 'message', provider.id) as EmailMessage)
        : (parseWith(textMessageSchema, message, 'MESSAGE_INVALID', 'message', provider.id) as TextMessage);
    const recipients = recipientsOf(parsed);
    if (recipients.length > 1 && !provider.capabilities.multipleRecipients) {
      throw new TransportError('MESSAGE_INVALID', `provider ${provider.id} sends to one recipient at a time`, { providerId: provider.id, field: 'message.to' });
    }
    const rejected = recipients.filter((r) => !provider.validateAddress(r).ok);
    if (rejected.length > 0) {
      throw new TransportError('INVALID_RECIPIENT', `invalid recipient address(es) for ${provider.channel}: ${rejected.join(', ')}`, {
        providerId: provider.id,
        field: 'message.to',
        upstream: { rejected },
      });
    }
    return parsed;
  }

  /**
   * The recorder of a record: the live provider's when it is built for this version (no secrets
   * opened again), else a fresh one with whatever secrets still open.
   */
  async #recorderFor(record: ProviderRecord): Promise<EventRecorder> {
    const cached = this.#live.cached(record.id);
    if (cached?.version === record.version) {
      const live = await cached.live.catch(() => undefined);
      if (live) return live.events;
    }
    const secrets = Object.entries(record.secrets).flatMap(([field, sealed]) => {
      try {
        return [this.#box.open(sealed, { recordId: record.id, field })];
      } catch {
        return [];
      }
    });
    return new EventRecorder(this.#sink, record.id, record.type, record.eventLevel, secrets);
  }

  #registryEvent(record: ProviderRecord, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown>): void {
    new EventRecorder(this.#sink, record.id, record.type, record.eventLevel, [])[severity](type, message, fields);
  }

  /**
   * Read-modify-write of a record. With `expectedVersion` one attempt (CONFLICT when stale);
   * without, a concurrent change is read again and `change` re-applied to it.
   */
  async #change(id: string, expectedVersion: number | undefined, change: (record: ProviderRecord) => ProviderRecord | Promise<ProviderRecord>): Promise<ProviderRecord> {
    this.#assertOpen();
    for (let attempt = 1; ; attempt += 1) {
      const record = await this.#record(id);
      const next = { ...(await change(record)), version: (expectedVersion ?? record.version) + 1, updatedAt: this.#nowIso() };
      try {
        await this.storage.providers.update(next, expectedVersion ?? record.version);
        this.#records.forget(id);
        return next;
      } catch (cause) {
        const retry = expectedVersion === undefined && attempt < WRITE_ATTEMPTS && hasErrorCode(cause, 'CONFLICT');
        if (!retry) throw isTransportError(cause) ? cause.withProvider(id) : cause;
      }
    }
  }

  /**
   * A config validated by its type; keys the schema does not know are refused, not dropped
   * (a typo such as `prot: 2525` would otherwise store a provider on the default port).
   */
  async #config(type: AnyProviderType, input: unknown, providerId: string | undefined): Promise<Record<string, unknown>> {
    const config = (await validateWith(type.configSchema, optionsArg(input, 'config'), 'CONFIG_INVALID', 'config', providerId)) as Record<string, unknown>;
    const [unknown] = droppedKeys(input, config);
    if (unknown !== undefined) {
      const shape = (type.configSchema as { shape?: Record<string, unknown> }).shape;
      const known = [...new Set([...Object.keys(shape ?? {}), ...Object.keys(config)])];
      const suggestion = closestKey(unknown.split('.').at(-1)!, known);
      throw new TransportError('CONFIG_INVALID', `invalid config.${unknown}: not a setting of ${type.type}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, {
        field: `config.${unknown}`,
        providerId,
      });
    }
    return config;
  }

  #sealSecret(type: AnyProviderType, id: string, field: string, value: unknown): string {
    if (!type.secretFields.includes(field)) this.#unknownSecret(type, field, id);
    if (typeof value !== 'string' || value.length === 0 || value.length > 65_536) {
      throw new TransportError('CONFIG_INVALID', `secret "${field}" must be a non-empty string`, { field: `secrets.${field}`, providerId: id });
    }
    return this.#box.seal(value, { recordId: id, field });
  }

  #unknownSecret(type: AnyProviderType, field: string, id: string): never {
    throw new TransportError(
      'CONFIG_INVALID',
      `"${field}" is not a secret field of ${type.type} (known: ${type.secretFields.join(', ') || 'none'})`,
      { field: `secrets.${field}`, providerId: id },
    );
  }

  #typeOf(name: unknown): AnyProviderType {
    const type = this.#types.get(name as string);
    if (!type) {
      throw new TransportError('NOT_FOUND', `unknown provider type "${String(name)}" (known: ${[...this.#types.keys()].join(', ')})`, {
        field: 'type',
        details: { known: [...this.#types.keys()] },
      });
    }
    return type;
  }

  async #record(id: string): Promise<ProviderRecord> {
    const record = await this.storage.providers.get(stringArg(id, 'id'));
    if (!record) throw notFound(id);
    return record;
  }

  #info(record: ProviderRecord): ProviderInfo {
    const type = this.#types.get(record.type);
    const fields = new Set([...(type?.secretFields ?? []), ...Object.keys(record.secrets)]);
    const secrets: Record<string, { set: boolean }> = {};
    for (const field of fields) secrets[field] = { set: record.secrets[field] !== undefined };
    return {
      id: record.id,
      type: record.type,
      channel: record.channel,
      name: record.name,
      config: structuredClone(record.config),
      secrets,
      eventLevel: record.eventLevel,
      version: record.version,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  }

  /** Reports a failure of the registry's own machinery to the host's logger; never throws. */
  #internalError(msg: string, cause: unknown): void {
    try {
      const error = cause as { code?: unknown; message?: unknown } | null;
      this.#logger?.({ level: 'error', time: this.clock.now(), msg, providerId: REGISTRY_EVENT_SOURCE, providerType: 'registry', event: 'registry.error', fields: { code: error?.code, message: String(error?.message ?? cause) } });
    } catch {
      // A throwing logger must not break the registry.
    }
  }

  #nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  #assertOpen(): void {
    if (this.#closed) throw new TransportError('UNAVAILABLE', 'the registry is closed', { retryable: false });
  }
}

/** Creates a {@link ProviderRegistry}. */
export function createRegistry<const Types extends readonly AnyProviderType[] = readonly AnyProviderType[]>(
  options: RegistryOptions & { readonly types?: Types } = {},
): ProviderRegistry<Types[number]> {
  return new ProviderRegistry<Types[number]>(options);
}

const eventQuerySchema = z.object({
  providerId: z.string().optional(),
  types: z.array(z.string()).optional(),
  since: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO time').optional(),
  limit: z.number().int().min(0).optional(),
});
const sendOptionsSchema = z.object({
  redact: z.array(z.string(), 'must be an array of strings').optional(),
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  retry: z
    .union([
      z.literal(false),
      z.object({
        attempts: z.number().int().min(1).max(20).optional(),
        baseDelayMs: z.number().min(0).max(60_000).optional(),
        maxDelayMs: z.number().min(0).max(600_000).optional(),
        budgetMs: z.number().min(1).max(3_600_000).optional(),
      }).strict(),
    ])
    .optional(),
  idempotencyKey: z.string().min(1).max(255).optional(),
  idempotencyTtlMs: z.number().int().min(1000).max(30 * 86_400_000).optional(),
});
const routeSchema = z.object({
  providers: z.array(z.string().min(1)).min(1, 'a route needs at least one provider'),
  strategy: z.union([z.enum(['failover', 'round-robin']), z.custom<(ids: readonly string[]) => readonly string[]>((v) => typeof v === 'function', 'must be failover, round-robin or a function')]).optional(),
  mapMessage: z.custom<Route['mapMessage']>((v) => typeof v === 'function', 'must be a function').optional(),
});

/** The send options, checked: `redact` must be a list (a lone string would redact nothing). */
function sendOptionsArg(arg: unknown): RegistrySendOptions {
  const options = optionsArg<RegistrySendOptions>(arg, 'options');
  // Most sends pass no options: nothing to check (the schema accepts every field absent).
  if (options.redact === undefined && options.signal === undefined && options.retry === undefined && options.idempotencyKey === undefined && options.idempotencyTtlMs === undefined) return options;
  parseWith(
    sendOptionsSchema,
    { redact: options.redact, signal: options.signal, retry: options.retry, idempotencyKey: options.idempotencyKey, idempotencyTtlMs: options.idempotencyTtlMs },
    'CONFIG_INVALID',
    'options',
  );
  return options;
}

const testOptionsSchema = z.object({
  to: z.string('must be a string').optional(),
  text: z.string('must be a string').optional(),
  onStep: z.custom<(step: unknown) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
});

/** Options of `test`, checked (the fields it reads; others are left alone, as for `send`). */
function testOptionsArg(arg: unknown): TestOptions {
  const options = optionsArg<TestOptions>(arg, 'options');
  parseWith(testOptionsSchema, { to: options.to, text: options.text, onStep: options.onStep, signal: options.signal }, 'CONFIG_INVALID', 'options');
  return options;
}

/** A default target, checked. */
function defaultTarget(arg: unknown): { channel: string; tenant: string | null } {
  const target = requiredObjectArg<DefaultTarget>(arg, 'target');
  return { channel: stringArg(target.channel, 'target.channel'), tenant: target.tenant === undefined || target.tenant === null ? null : stringArg(target.tenant, 'target.tenant') };
}

function notFound(id: unknown): TransportError {
  return new TransportError('NOT_FOUND', `provider "${String(id)}" does not exist`, { providerId: String(id) });
}

/** The "used by" entry a default stands for. */
function defaultUsage({ channel, tenant }: DefaultEntry): UsageRef {
  return tenant === null
    ? { kind: GLOBAL_DEFAULT, id: channel, label: `global default ${channel} provider` }
    : { kind: TENANT_DEFAULT, id: `${tenant}/${channel}`, label: `default ${channel} provider of tenant ${tenant}` };
}

/** Global defaults first, then by tenant and channel: a stable "used by" order. */
function byDefault(a: DefaultEntry, b: DefaultEntry): number {
  return (a.tenant ?? '').localeCompare(b.tenant ?? '') || a.channel.localeCompare(b.channel);
}

/** The providers a stored route record names (none for other records). */
function routeMembers(record: ProviderRecord): readonly string[] {
  return record.type === ROUTE_TYPE ? (record.config as unknown as RouteConfig).providers : [];
}

/** The route a stored route record stands for (its config was validated when it was written). */
function storedRoute(record: ProviderRecord): Route | undefined {
  if (record.type !== ROUTE_TYPE) return undefined;
  const { providers, strategy } = record.config as unknown as RouteConfig;
  return { providers, strategy };
}
