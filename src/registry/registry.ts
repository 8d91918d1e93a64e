import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isTransportError, TransportError } from '../core/errors.js';
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
  type Channel,
  type Clock,
  type DeliveryProvider,
  type TransportProvider,
} from '../core/provider.js';
import { generateSecretKey, SecretBox, userSecretContext } from '../core/secrets.js';
import { parseWith } from '../core/validation.js';
import { guardStorage } from '../storage/guard.js';
import { memoryStorage } from '../storage/memory.js';
import type { EventQuery, ProviderRecord, TransportStorage, UsageRef } from '../storage/types.js';
import { memoryTransport } from '../testing/memory-transport.js';
import { EventRecorder, flushRecorders, type RecorderSink } from './recorder.js';
import { closeQuietly, safeRecipients, sendOptions, toTransportError } from './support.js';
import { runTest } from './test-run.js';
import type {
  CreateProviderInput,
  DefaultTarget,
  ListFilter,
  ProviderInfo,
  RegistryOptions,
  RegistrySendOptions,
  TestOptions,
  UpdateProviderInput,
} from './types.js';

const eventLevelSchema = z.enum(['off', 'errors', 'all', 'debug']);
const idSchema = z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'must be 1-100 letters, digits or ._:-');
const nameSchema = z.string().trim().min(1, 'must not be empty').max(200);
const usageSchema = z.object({
  kind: z.string().min(1).max(100),
  id: z.string().min(1).max(200),
  label: z.string().max(500).optional(),
});
const TENANT_DEFAULT = 'tenant-default';
const GLOBAL_DEFAULT = 'global-default';

/** A built provider with the event recorder it was given (same record version, same secrets). */
interface Live {
  readonly provider: TransportProvider;
  readonly events: EventRecorder;
}

interface CacheEntry {
  readonly version: number;
  readonly live: Promise<Live>;
}

/**
 * The provider registry: everything the "manage transport providers" screen does, as an API.
 * Create it with {@link createRegistry}.
 */
export class ProviderRegistry {
  /** The guarded storage (every call wrapped; failures are `STORAGE_FAILED`). */
  readonly storage: TransportStorage;
  readonly clock: Clock;
  private readonly box: SecretBox;
  private readonly types: Map<string, AnyProviderType>;
  private readonly sink: RecorderSink;
  private readonly defaultEventLevel: EventLevel;
  private readonly cache = new Map<string, CacheEntry>();
  private closed = false;

  constructor(options: RegistryOptions = {}) {
    const storage = options.storage ?? memoryStorage();
    this.storage = guardStorage(storage);
    if (options.secretKeys === undefined && storage.processLocal !== true) {
      throw new TransportError('CONFIG_INVALID', 'secretKeys is required with a persistent storage adapter', { field: 'secretKeys' });
    }
    this.box = new SecretBox(options.secretKeys ?? { keys: { local: generateSecretKey() }, current: 'local' });
    this.clock = options.clock ?? systemClock;
    this.defaultEventLevel = parseWith(eventLevelSchema, options.defaultEventLevel ?? 'all', 'CONFIG_INVALID', 'defaultEventLevel');
    this.types = new Map();
    for (const type of options.types ?? [memoryTransport()]) {
      if (!type || typeof type.type !== 'string' || typeof type.create !== 'function') {
        throw new TransportError('CONFIG_INVALID', 'types must be provider types ({ type, configSchema, secretFields, create })', { field: 'types' });
      }
      if (this.types.has(type.type)) {
        throw new TransportError('CONFIG_INVALID', `provider type "${type.type}" is registered twice`, { field: 'types' });
      }
      this.types.set(type.type, type);
    }
    this.sink = { store: this.storage.events, logger: options.logger, clock: this.clock, pending: new Set() };
  }

  /** The registered provider types. */
  providerTypes(): readonly AnyProviderType[] {
    return [...this.types.values()];
  }

  // ---- records -------------------------------------------------------------------------

  /** Creates a provider; config validated by its type, secrets sealed. */
  async create(input: CreateProviderInput): Promise<ProviderInfo> {
    this.assertOpen();
    const type = this.typeOf(input?.type);
    const id = input.id === undefined ? randomUUID() : parseWith(idSchema, input.id, 'CONFIG_INVALID', 'id');
    const config = parseWith(type.configSchema, input.config ?? {}, 'CONFIG_INVALID', 'config') as Record<string, unknown>;
    const name = parseWith(nameSchema, input.name ?? type.type, 'CONFIG_INVALID', 'name');
    const eventLevel = parseWith(eventLevelSchema, input.eventLevel ?? this.defaultEventLevel, 'CONFIG_INVALID', 'eventLevel');
    const secrets: Record<string, string> = {};
    for (const [field, value] of Object.entries(input.secrets ?? {})) {
      secrets[field] = this.sealSecret(type, id, field, value);
    }
    const now = this.nowIso();
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
    this.registryEvent(record, 'info', 'provider.created', `provider "${name}" created`, { type: type.type });
    await flushRecorders(this.sink);
    return this.info(record);
  }

  /** The provider, or NOT_FOUND. */
  async get(id: string): Promise<ProviderInfo> {
    return this.info(await this.record(id));
  }

  /** All providers, optionally filtered by type or channel. */
  async list(filter: ListFilter = {}): Promise<ProviderInfo[]> {
    const records = await this.storage.providers.list();
    return records
      .filter((r) => (filter.type === undefined || r.type === filter.type) && (filter.channel === undefined || r.channel === filter.channel))
      .map((r) => this.info(r));
  }

  /** Changes name, config (merged, re-validated) or event level. */
  async update(id: string, patch: UpdateProviderInput): Promise<ProviderInfo> {
    const record = await this.record(id);
    const type = this.typeOf(record.type);
    const config =
      patch.config === undefined
        ? record.config
        : (parseWith(type.configSchema, { ...record.config, ...patch.config }, 'CONFIG_INVALID', 'config', id) as Record<string, unknown>);
    const next: ProviderRecord = {
      ...record,
      name: patch.name === undefined ? record.name : parseWith(nameSchema, patch.name, 'CONFIG_INVALID', 'name', id),
      eventLevel: patch.eventLevel === undefined ? record.eventLevel : parseWith(eventLevelSchema, patch.eventLevel, 'CONFIG_INVALID', 'eventLevel', id),
      channel: typeof type.channel === 'function' ? type.channel(config) : type.channel,
      config,
    };
    const saved = await this.save(next, patch.expectedVersion ?? record.version);
    this.registryEvent(saved, 'info', 'provider.updated', `provider "${saved.name}" updated`, { fields: Object.keys(patch.config ?? {}) });
    await flushRecorders(this.sink);
    return this.info(saved);
  }

  /** A new provider with the same configuration and secrets (re-sealed for it), without usages. */
  async copy(id: string, options: { readonly name?: string; readonly id?: string } = {}): Promise<ProviderInfo> {
    const record = await this.record(id);
    const type = this.typeOf(record.type);
    const secrets: Record<string, string> = {};
    for (const [field, sealed] of Object.entries(record.secrets)) secrets[field] = this.box.open(sealed, { recordId: id, field });
    const created = await this.create({
      type: type.type,
      name: options.name ?? `${record.name} (copy)`,
      config: record.config,
      secrets,
      eventLevel: record.eventLevel,
      ...(options.id === undefined ? {} : { id: options.id }),
    });
    this.registryEvent(record, 'info', 'provider.copied', `provider copied to "${created.name}"`, { copyId: created.id });
    await flushRecorders(this.sink);
    return created;
  }

  /**
   * Removes a provider. Fails with PROVIDER_IN_USE (listing the usages) while anything uses it,
   * unless `force` is set, which also drops its usages and defaults.
   */
  async remove(id: string, options: { readonly force?: boolean } = {}): Promise<void> {
    const record = await this.record(id);
    const usages = await this.storage.usages.list(id);
    if (usages.length > 0 && options.force !== true) {
      const labels = usages.map((u) => u.label ?? `${u.kind} ${u.id}`).join(', ');
      throw new TransportError('PROVIDER_IN_USE', `provider "${record.name}" is used by: ${labels}`, { providerId: id, details: { usages } });
    }
    for (const entry of await this.storage.defaults.list()) {
      if (entry.providerId === id) await this.storage.defaults.set(entry.channel, entry.tenant, undefined);
    }
    await this.storage.usages.removeAll(id);
    await this.storage.providers.delete(id);
    await this.evict(id);
    this.registryEvent(record, 'info', 'provider.removed', `provider "${record.name}" removed`, { forced: usages.length > 0 });
    await flushRecorders(this.sink);
  }

  // ---- secrets -------------------------------------------------------------------------

  /** Sets (changes) one secret field, e.g. the password. */
  async setSecret(id: string, field: string, value: string, options: { readonly expectedVersion?: number } = {}): Promise<ProviderInfo> {
    const record = await this.record(id);
    const sealed = this.sealSecret(this.typeOf(record.type), id, field, value);
    const saved = await this.save({ ...record, secrets: { ...record.secrets, [field]: sealed } }, options.expectedVersion ?? record.version);
    this.registryEvent(saved, 'info', 'secret.changed', `secret "${field}" changed`, { field });
    await flushRecorders(this.sink);
    return this.info(saved);
  }

  /** Removes one secret field, e.g. the password. */
  async removeSecret(id: string, field: string, options: { readonly expectedVersion?: number } = {}): Promise<ProviderInfo> {
    const record = await this.record(id);
    const type = this.typeOf(record.type);
    if (!type.secretFields.includes(field)) this.unknownSecret(type, field, id);
    const secrets = { ...record.secrets };
    delete secrets[field];
    const saved = await this.save({ ...record, secrets }, options.expectedVersion ?? record.version);
    this.registryEvent(saved, 'info', 'secret.removed', `secret "${field}" removed`, { field });
    await flushRecorders(this.sink);
    return this.info(saved);
  }

  /**
   * Re-seals every stored secret (provider records and TOTP user secrets) under the current key.
   * Returns how many values were re-sealed.
   */
  async rotateSecrets(): Promise<{ readonly rotated: number }> {
    let rotated = 0;
    for (const record of await this.storage.providers.list()) {
      const stale = Object.entries(record.secrets).filter(([, sealed]) => this.box.needsRotation(sealed));
      if (stale.length > 0) {
        const secrets = { ...record.secrets };
        for (const [field, sealed] of stale) {
          const context = { recordId: record.id, field };
          secrets[field] = this.box.seal(this.box.open(sealed, context), context);
        }
        await this.storage.providers.update({ ...record, secrets, version: record.version + 1, updatedAt: this.nowIso() }, record.version);
        rotated += stale.length;
      }
      for (const state of await this.storage.totp.list(record.id)) {
        if (!this.box.needsRotation(state.sealedSecret)) continue;
        const context = userSecretContext(record.id, state.userId);
        const sealedSecret = this.box.seal(this.box.open(state.sealedSecret, context), context);
        await this.storage.totp.put({ ...state, sealedSecret, version: state.version + 1 }, state.version);
        rotated += 1;
      }
    }
    return { rotated };
  }

  // ---- usages and defaults -------------------------------------------------------------

  /** Registers a place that uses the provider ("used by"). */
  async addUsage(id: string, usage: UsageRef): Promise<void> {
    await this.record(id);
    await this.storage.usages.add(id, parseWith(usageSchema, usage, 'CONFIG_INVALID', 'usage', id));
  }

  /** Removes a usage reference; false when there was none. */
  async removeUsage(id: string, kind: string, usageId: string): Promise<boolean> {
    return this.storage.usages.remove(id, kind, usageId);
  }

  /** The places that use the provider. */
  async usages(id: string): Promise<UsageRef[]> {
    await this.record(id);
    return this.storage.usages.list(id);
  }

  /**
   * Makes `providerId` the default for its channel, for a tenant or (without one) globally, and
   * registers the matching usage reference.
   */
  async setDefault(providerId: string, target: { readonly tenant?: string | null } = {}): Promise<void> {
    const record = await this.record(providerId);
    const tenant = target.tenant ?? null;
    if (tenant !== null) parseWith(z.string().min(1).max(200), tenant, 'CONFIG_INVALID', 'tenant', providerId);
    await this.clearDefault({ channel: record.channel, tenant });
    await this.storage.defaults.set(record.channel, tenant, providerId);
    await this.storage.usages.add(providerId, defaultUsage(record.channel, tenant));
  }

  /** Clears a default and its usage reference. */
  async clearDefault(target: DefaultTarget): Promise<void> {
    const tenant = target.tenant ?? null;
    const previous = await this.storage.defaults.get(target.channel, tenant);
    if (previous === undefined) return;
    await this.storage.defaults.set(target.channel, tenant, undefined);
    const usage = defaultUsage(target.channel, tenant);
    await this.storage.usages.remove(previous, usage.kind, usage.id);
  }

  /** The default provider id: tenant default, then global default; NOT_FOUND when neither is set. */
  async defaultFor(target: DefaultTarget): Promise<string> {
    const tenant = target.tenant ?? null;
    const found =
      (tenant === null ? undefined : await this.storage.defaults.get(target.channel, tenant)) ??
      (await this.storage.defaults.get(target.channel, null));
    if (found === undefined) {
      throw new TransportError('NOT_FOUND', `no default ${target.channel} provider${tenant === null ? '' : ` for tenant "${tenant}"`} and no global default`);
    }
    return found;
  }

  /** The live default provider for a channel and tenant. */
  async resolveFor(target: DefaultTarget): Promise<TransportProvider> {
    return this.resolve(await this.defaultFor(target));
  }

  // ---- live providers ------------------------------------------------------------------

  /**
   * The live provider of a record, cached; rebuilt (and the old one closed) when the record's
   * version changed, also when another app instance changed it.
   */
  async resolve(id: string): Promise<TransportProvider> {
    return (await this.live(id)).provider;
  }


  /** Validates and sends a message through a delivery provider, recording events. */
  async send(id: string, message: EmailMessage | TextMessage, options: RegistrySendOptions = {}): Promise<SendResult> {
    // The cached recorder already holds the opened secrets: no second read or decryption per send.
    const { provider, events: recorder } = await this.live(id);
    if (provider.kind !== 'delivery') {
      throw new TransportError('UNSUPPORTED', `provider ${id} (${provider.type}) does not deliver messages`, { providerId: id });
    }
    return withRedaction(options.redact ?? [], async () => {
      try {
        const parsed = this.checkMessage(provider, message);
        const result = await provider.send(parsed, sendOptions(options));
        recorder.info('send', `sent to ${result.accepted.length} recipient(s)`, {
          messageId: result.messageId,
          accepted: result.accepted,
          rejected: result.rejected,
          segments: result.segments,
        });
        return result;
      } catch (cause) {
        const error = toTransportError(cause, id, recorder);
        recorder.error('send.failed', `send failed: ${error.message}`, { code: error.code, upstream: error.upstream, recipients: safeRecipients(message) });
        throw error;
      } finally {
        await flushRecorders(this.sink);
      }
    });
  }

  /**
   * The Test function: resolves the provider, runs its diagnostics, `verify()`, reads the
   * balance where supported and, with `to`, sends a test message. Never throws for provider
   * failures: they are failing steps of the report.
   */
  async test(id: string, options: TestOptions = {}): Promise<TestReport> {
    const record = await this.record(id);
    const recorder = await this.recorderFor(id);
    const report = await runTest(
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
    );
    const failed = report.steps.find((s) => !s.ok);
    if (report.ok) recorder.info('test', 'test passed', { steps: report.steps.map((s) => s.name) });
    else recorder.error('test', `test failed at step "${failed?.name}"`, { steps: report.steps.map(({ name, ok, code, detail }) => ({ name, ok, code, detail })) });
    await flushRecorders(this.sink);
    return report;
  }

  // ---- events --------------------------------------------------------------------------

  /** Recorded events, oldest first. */
  async events(query: EventQuery = {}): Promise<ProviderEvent[]> {
    await flushRecorders(this.sink);
    return this.storage.events.list(query);
  }

  /**
   * Records an event for a provider at its event level, redacted with its secrets. Used by
   * components built on the registry (BalanceMonitor, second factor).
   */
  async recordEvent(id: string, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown> = {}): Promise<void> {
    (await this.recorderFor(id))[severity](type, message, fields);
    await flushRecorders(this.sink);
  }

  /**
   * Redacts a text with a provider's secret values (and their encoded forms), for components
   * that store upstream text outside events, such as the BalanceMonitor's last error.
   */
  async redact(id: string, text: string): Promise<string> {
    return (await this.recorderFor(id)).redact(text);
  }

  /** Closes every live provider. The registry cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const entries = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(entries.map((e) => closeQuietly(e.live)));
    await flushRecorders(this.sink);
  }

  // ---- internals -----------------------------------------------------------------------

  /** The cached live provider of a record, rebuilt when the stored version moved on. */
  private async live(id: string): Promise<Live> {
    this.assertOpen();
    const record = await this.record(id);
    const cached = this.cache.get(id);
    if (cached && cached.version === record.version) return cached.live;
    const live = this.build(record);
    this.cache.set(id, { version: record.version, live });
    live.catch(() => {
      if (this.cache.get(id)?.live === live) this.cache.delete(id);
    });
    if (cached) void closeQuietly(cached.live);
    return live;
  }

  private async build(record: ProviderRecord): Promise<Live> {
    const type = this.typeOf(record.type);
    const config = parseWith(type.configSchema, record.config, 'CONFIG_INVALID', 'config', record.id);
    const secrets: Record<string, string> = {};
    for (const [field, sealed] of Object.entries(record.secrets)) {
      try {
        secrets[field] = this.box.open(sealed, { recordId: record.id, field });
      } catch (cause) {
        throw isTransportError(cause) ? cause.withProvider(record.id) : cause;
      }
    }
    const events = new EventRecorder(this.sink, record.id, record.type, record.eventLevel, Object.values(secrets));
    try {
      const provider = await type.create(config, secrets, {
        providerId: record.id,
        name: record.name,
        events,
        clock: this.clock,
        storage: this.storage,
        secretBox: this.box,
      });
      return { provider, events };
    } catch (cause) {
      throw toTransportError(cause, record.id, events);
    }
  }


  private checkMessage(provider: DeliveryProvider, message: EmailMessage | TextMessage): EmailMessage | TextMessage {
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
   * The recorder of a record: the live provider's when it is built for the current version (no
   * secrets opened again), else a fresh one with whatever secrets still open.
   */
  private async recorderFor(id: string): Promise<EventRecorder> {
    const record = await this.record(id);
    const cached = this.cache.get(id);
    if (cached?.version === record.version) {
      const live = await cached.live.catch(() => undefined);
      if (live) return live.events;
    }
    const secrets = Object.entries(record.secrets).flatMap(([field, sealed]) => {
      try {
        return [this.box.open(sealed, { recordId: id, field })];
      } catch {
        return [];
      }
    });
    return new EventRecorder(this.sink, id, record.type, record.eventLevel, secrets);
  }

  private registryEvent(record: ProviderRecord, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown>): void {
    new EventRecorder(this.sink, record.id, record.type, record.eventLevel, [])[severity](type, message, fields);
  }

  private sealSecret(type: AnyProviderType, id: string, field: string, value: unknown): string {
    if (!type.secretFields.includes(field)) this.unknownSecret(type, field, id);
    if (typeof value !== 'string' || value.length === 0 || value.length > 65_536) {
      throw new TransportError('CONFIG_INVALID', `secret "${field}" must be a non-empty string`, { field: `secrets.${field}`, providerId: id });
    }
    return this.box.seal(value, { recordId: id, field });
  }

  private unknownSecret(type: AnyProviderType, field: string, id: string): never {
    throw new TransportError(
      'CONFIG_INVALID',
      `"${field}" is not a secret field of ${type.type} (known: ${type.secretFields.join(', ') || 'none'})`,
      { field: `secrets.${field}`, providerId: id },
    );
  }

  private typeOf(name: unknown): AnyProviderType {
    const type = typeof name === 'string' ? this.types.get(name) : undefined;
    if (!type) {
      throw new TransportError('NOT_FOUND', `unknown provider type "${String(name)}" (known: ${[...this.types.keys()].join(', ')})`, {
        field: 'type',
        details: { known: [...this.types.keys()] },
      });
    }
    return type;
  }

  private async record(id: string): Promise<ProviderRecord> {
    const record = typeof id === 'string' ? await this.storage.providers.get(id) : undefined;
    if (!record) throw new TransportError('NOT_FOUND', `provider "${String(id)}" does not exist`, { providerId: String(id) });
    return record;
  }

  private async save(record: ProviderRecord, expectedVersion: number): Promise<ProviderRecord> {
    const next = { ...record, version: expectedVersion + 1, updatedAt: this.nowIso() };
    try {
      await this.storage.providers.update(next, expectedVersion);
    } catch (cause) {
      throw isTransportError(cause) ? cause.withProvider(record.id) : cause;
    }
    return next;
  }

  private async evict(id: string): Promise<void> {
    const cached = this.cache.get(id);
    this.cache.delete(id);
    if (cached) await closeQuietly(cached.live);
  }

  private info(record: ProviderRecord): ProviderInfo {
    const type = this.types.get(record.type);
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

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private assertOpen(): void {
    if (this.closed) throw new TransportError('UNAVAILABLE', 'the registry is closed', { retryable: false });
  }
}

/** Creates a {@link ProviderRegistry}. */
export function createRegistry(options: RegistryOptions = {}): ProviderRegistry {
  return new ProviderRegistry(options);
}

function defaultUsage(channel: Channel, tenant: string | null): UsageRef {
  return tenant === null
    ? { kind: GLOBAL_DEFAULT, id: channel, label: `global default ${channel} provider` }
    : { kind: TENANT_DEFAULT, id: `${tenant}/${channel}`, label: `default ${channel} provider of tenant ${tenant}` };
}
