import { z } from 'zod';
import { isTransportError, TransportError } from '../core/errors.js';
import type { EventSeverity } from '../core/events.js';
import type { Balance, EmailMessage, SendResult, TextMessage } from '../core/messages.js';
import type { Clock, DeliveryProvider, TransportProvider } from '../core/provider.js';
import { inSpan } from '../core/tracing.js';
import { parseWith } from '../core/validation.js';
import type { ProviderRegistry } from '../registry/registry.js';
import { outcomeUnknown } from '../registry/retry.js';
import { toTransportError } from '../registry/support.js';
import type { ProviderInfo } from '../registry/types.js';
import type { BalanceState } from '../storage/types.js';
import { calendarDay, checkTimeZone } from './day.js';
import { findRecipient, type RecipientCheck } from './recipient.js';
import { parseInterval, schedule } from './schedule.js';
import { mapLimit, withDeadline } from './tasks.js';
import { defaultBalanceTemplates, fitText, renderWarning, type BalanceLocale, type BalanceWarningTemplate } from './templates.js';
import type {
  BalanceCheckOptions,
  BalanceCheckResult,
  BalanceMonitorOptions,
  BalanceReading,
  BalanceSettings,
  BalanceStartOptions,
  BalanceStatus,
  BalanceUserDirectory,
  BalanceWarningOutcome,
} from './types.js';

const isFunction = (value: unknown) => typeof value === 'function';
const hasMethods = (value: unknown, names: readonly string[]) =>
  typeof value === 'object' && value !== null && names.every((n) => isFunction((value as Record<string, unknown>)[n]));
const template = z.custom<BalanceWarningTemplate>(isFunction, 'must be a function (input) => ({ subject, text })');

const optionsSchema = z.object({
  registry: z.custom<ProviderRegistry>(
    (v) => hasMethods(v, ['get', 'list', 'resolve', 'send', 'recordEvent', 'redact']) && hasMethods((v as ProviderRegistry).storage?.balance, ['get', 'put', 'claimDailyWarning', 'releaseDailyWarning']),
    'must be a ProviderRegistry',
  ),
  users: z.custom<BalanceUserDirectory>((v) => hasMethods(v, ['getAddress']), 'must have getAddress(userId, channel)'),
  timeZone: z.string().default('UTC'),
  concurrency: z.number().int().min(1).max(64).default(4),
  checkTimeoutMs: z.number().int().min(1).max(600_000).default(30_000),
  templates: z.object({ en: template.optional(), de: template.optional() }).strict().optional(),
  locale: z.enum(['en', 'de']).default('en'),
  clock: z.custom<Clock>((v) => hasMethods(v, ['now']), 'must have now()').optional(),
});

const checkOptionsSchema = z.object({ signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional() });
const startOptionsSchema = z.object({
  every: z.union([z.string(), z.number()]).optional(),
  runOnStart: z.boolean().optional(),
  onRun: z.custom<(results: BalanceCheckResult[]) => void>(isFunction, 'must be a function').optional(),
  onError: z.custom<(error: TransportError) => void>(isFunction, 'must be a function').optional(),
});
const providerIdSchema = z.string().min(1, 'must not be empty').max(100);

const settingsSchema = z
  .object({
    threshold: z.number().finite().min(0, 'must be 0 (never warn) or more').optional(),
    notifyUserId: z.string().trim().min(1, 'must not be empty').max(200).nullable().optional(),
  })
  .strict();

const NOT_NEEDED: BalanceWarningOutcome = { status: 'not-needed' };

type BalanceProvider = DeliveryProvider & Required<Pick<DeliveryProvider, 'getBalance'>>;

/** True when the live provider reports a balance: decided by capabilities, never by type name. */
function hasBalance(provider: TransportProvider): provider is BalanceProvider {
  return provider.kind === 'delivery' && provider.capabilities.balance && typeof provider.getBalance === 'function';
}

/** A TransportError for failures that belong to no provider (e.g. listing the providers). */
function asTransportError(cause: unknown): TransportError {
  if (isTransportError(cause)) return cause;
  return new TransportError('UNAVAILABLE', cause instanceof Error ? cause.message : String(cause), { cause });
}

/**
 * The balance check ("Guthabenprüfung"): reads the prepaid credit of every provider with the
 * balance capability and, below a provider's threshold, warns the chosen user through that same
 * provider, at most once per provider and calendar day, also across app instances sharing one
 * store (the store's atomic daily claim). The host schedules it: {@link BalanceMonitor.checkAll}
 * from its own cron, or {@link BalanceMonitor.start} for a plain timer.
 *
 * Every check and every warning outcome is recorded as an event of the provider.
 *
 * @example
 * ```ts
 * const monitor = new BalanceMonitor({ registry, users: { getAddress: (id, channel) => directory.address(id, channel) } });
 * await monitor.configure(smsId, { threshold: 50, notifyUserId: 'admin' });
 * const stop = monitor.start({ runOnStart: true, every: '24h' });
 * ```
 */
export class BalanceMonitor {
  readonly #registry: ProviderRegistry;
  readonly #users: BalanceUserDirectory;
  readonly #timeZone: string;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #template: BalanceWarningTemplate;
  readonly #locale: BalanceLocale;
  readonly #clock: Clock;
  #stopSchedule: (() => Promise<void>) | undefined;

  constructor(options: BalanceMonitorOptions) {
    const o = parseWith(optionsSchema, options, 'CONFIG_INVALID', '');
    this.#registry = o.registry;
    this.#users = o.users;
    this.#timeZone = checkTimeZone(o.timeZone);
    this.#concurrency = o.concurrency;
    this.#timeoutMs = o.checkTimeoutMs;
    this.#locale = o.locale;
    this.#template = o.templates?.[o.locale] ?? defaultBalanceTemplates[o.locale];
    this.#clock = o.clock ?? o.registry.clock;
  }

  /** The IANA time zone whose calendar day limits the warnings. */
  get warningTimeZone(): string {
    return this.#timeZone;
  }

  /** Sets a provider's warning threshold and/or the user to notify; returns the new status. */
  async configure(providerId: string, settings: BalanceSettings): Promise<BalanceStatus> {
    const parsed = parseWith(settingsSchema, settings, 'CONFIG_INVALID', '', providerId);
    await this.#registry.get(providerId);
    const state = await this.#updateState(providerId, {
      ...(parsed.threshold === undefined ? {} : { threshold: parsed.threshold }),
      ...(parsed.notifyUserId === undefined ? {} : { notifyUserId: parsed.notifyUserId ?? undefined }),
    });
    await this.#event(providerId, 'info', 'balance.configured', `balance warning threshold ${state.threshold}, user to notify: ${state.notifyUserId ?? 'none'}`, {
      threshold: state.threshold,
      notifyUserId: state.notifyUserId,
    });
    return this.status(providerId);
  }

  /**
   * What the balance screen shows: last balance and when, threshold, user, the user's address
   * for this provider's channel and whether it is usable, last warning day, last error.
   * `NOT_FOUND` for an unknown provider.
   */
  async status(providerId: string): Promise<BalanceStatus> {
    parseWith(providerIdSchema, providerId, 'CONFIG_INVALID', 'providerId');
    const info = await this.#registry.get(providerId);
    const state = await this.#state(providerId);
    let provider: TransportProvider | undefined;
    let recipient: RecipientCheck;
    try {
      provider = await this.#registry.resolve(providerId);
      // Only its message is shown (as the recipient detail), so a plain Error is enough.
      if (provider.kind !== 'delivery') throw new Error(`provider ${providerId} does not deliver messages`);
      recipient = await findRecipient(this.#users, provider, state.notifyUserId, this.#timeoutMs);
    } catch (cause) {
      const detail = toTransportError(cause, providerId).message;
      recipient = { ready: false, problem: 'provider-unavailable', detail };
    }
    return {
      providerId,
      providerName: info.name,
      channel: info.channel,
      balanceSupported: provider !== undefined && hasBalance(provider),
      ...(state.lastBalance === undefined ? {} : { lastBalance: state.lastBalance }),
      threshold: state.threshold,
      ...(state.notifyUserId === undefined ? {} : { notifyUserId: state.notifyUserId }),
      ...(recipient.address === undefined ? {} : { address: recipient.address }),
      recipientReady: recipient.ready,
      ...(recipient.ready ? {} : { recipientProblem: recipient.problem, recipientDetail: recipient.detail }),
      ...(state.lastWarningDay === undefined ? {} : { lastWarningDay: state.lastWarningDay }),
      ...(state.lastError === undefined ? {} : { lastError: state.lastError }),
    };
  }

  /**
   * Checks one provider and warns when due. Resolves with `ok: false` when the balance could
   * not be read (also on timeout); throws `NOT_FOUND` for an unknown provider and `UNSUPPORTED`
   * for one without the balance capability.
   */
  async check(providerId: string, options: BalanceCheckOptions = {}): Promise<BalanceCheckResult> {
    parseWith(providerIdSchema, providerId, 'CONFIG_INVALID', 'providerId');
    parseWith(checkOptionsSchema, options, 'CONFIG_INVALID', 'options');
    const info = await this.#registry.get(providerId);
    let provider: TransportProvider;
    try {
      provider = await this.#registry.resolve(providerId);
    } catch (cause) {
      return this.#failed(providerId, toTransportError(cause, providerId));
    }
    if (!hasBalance(provider)) {
      throw new TransportError('UNSUPPORTED', `provider "${info.name}" (${info.type}) does not report a balance`, { providerId });
    }
    return this.#checkProvider(info, provider, options.signal);
  }

  /**
   * Checks every provider whose live instance has the balance capability, `concurrency` at a
   * time. One failing provider does not stop the others: its result has `ok: false`. A provider
   * that cannot even be built is reported only when it has balance settings.
   */
  async checkAll(options: BalanceCheckOptions = {}): Promise<BalanceCheckResult[]> {
    parseWith(checkOptionsSchema, options, 'CONFIG_INVALID', 'options');
    const infos = await this.#registry.list();
    const results = await mapLimit(infos, this.#concurrency, (info) => this.#checkListed(info, options.signal));
    return results.filter((r): r is BalanceCheckResult => r !== undefined);
  }

  /**
   * Runs {@link BalanceMonitor.checkAll} on a plain timer: at once when `runOnStart` (default),
   * then every `every` (default `'24h'`). Runs never overlap, timers are unref'd. Returns the
   * stop function, which aborts a run in progress and resolves when it has ended. `CONFLICT`
   * when already started.
   */
  start(options: BalanceStartOptions = {}): () => Promise<void> {
    parseWith(startOptionsSchema, options, 'CONFIG_INVALID', 'options');
    if (this.#stopSchedule) throw new TransportError('CONFLICT', 'the balance monitor is already started; call its stop function first', { retryable: false });
    const everyMs = parseInterval(options.every ?? '24h', 'every');
    const stopTimer = schedule(
      {
        run: async (signal) => {
          try {
            const results = await this.checkAll({ signal });
            options.onRun?.(results);
          } catch (cause) {
            try {
              options.onError?.(asTransportError(cause));
            } catch {
              // A throwing host callback must not end the schedule.
            }
          }
        },
      },
      everyMs,
      options.runOnStart ?? true,
    );
    let stopping: Promise<void> | undefined;
    const stop = () => {
      // No check needed: this stop is the current one until here, start refuses (CONFLICT) while it is set.
      stopping ??= stopTimer().finally(() => {
        this.#stopSchedule = undefined;
      });
      return stopping;
    };
    this.#stopSchedule = stop;
    return stop;
  }

  // ---- internals -----------------------------------------------------------------------

  async #checkListed(info: ProviderInfo, signal: AbortSignal | undefined): Promise<BalanceCheckResult | undefined> {
    if (signal?.aborted) return undefined;
    const id = info.id;
    try {
      let provider: TransportProvider;
      try {
        provider = await this.#registry.resolve(id);
      } catch (cause) {
        const error = toTransportError(cause, id);
        const monitored = error.code !== 'NOT_FOUND' && (await this.#registry.storage.balance.get(id)) !== undefined;
        return monitored ? await this.#failed(id, error) : undefined;
      }
      return hasBalance(provider) ? await this.#checkProvider(info, provider, signal) : undefined;
    } catch (cause) {
      return this.#failed(id, toTransportError(cause, id));
    }
  }

  async #checkProvider(info: ProviderInfo, provider: BalanceProvider, signal: AbortSignal | undefined): Promise<BalanceCheckResult> {
    const attributes = { 'transportkit.provider.id': provider.id, 'transportkit.provider.type': provider.type };
    return inSpan(this.#registry.tracer, `balance check ${provider.type}`, 'internal', attributes, async (span) => {
      const result = await this.#checkBalance(info, provider, signal);
      if (!result.ok) span?.setAttribute('error.type', result.error.code);
      return result;
    });
  }

  async #checkBalance(info: ProviderInfo, provider: BalanceProvider, signal: AbortSignal | undefined): Promise<BalanceCheckResult> {
    const id = provider.id;
    let balance: Balance;
    try {
      balance = await withDeadline(this.#timeoutMs, signal, `balance query of provider ${id}`, (s) => provider.getBalance({ signal: s }));
      if (typeof balance?.amount !== 'number' || !Number.isFinite(balance.amount) || typeof balance.unit !== 'string') {
        throw new TransportError('UNAVAILABLE', 'the provider returned no valid balance'); // the catch names the provider
      }
    } catch (cause) {
      return this.#failed(id, toTransportError(cause, id));
    }
    const reading: BalanceReading = { amount: balance.amount, unit: balance.unit, checkedAt: this.#nowIso() };
    const state = await this.#updateState(id, { lastBalance: reading, lastError: undefined });
    const below = state.threshold > 0 && reading.amount < state.threshold;
    await this.#event(
      id,
      below ? 'warn' : 'info',
      'balance.checked',
      `balance ${reading.amount} ${reading.unit}${below ? `, below the warning threshold of ${state.threshold}` : ''}`,
      { amount: reading.amount, unit: reading.unit, threshold: state.threshold, below },
    );
    const warning = below ? await this.#warn(info, provider, state, reading, signal) : NOT_NEEDED;
    return { providerId: id, ok: true, balance: reading, threshold: state.threshold, below, warning };
  }

  /** Sends today's warning unless it was claimed already; releases the claim when the send fails. */
  async #warn(info: ProviderInfo, provider: BalanceProvider, state: BalanceState, reading: BalanceReading, signal: AbortSignal | undefined): Promise<BalanceWarningOutcome> {
    const id = provider.id;
    const day = calendarDay(this.#clock.now(), this.#timeZone);
    const recipient = await findRecipient(this.#users, provider, state.notifyUserId, this.#timeoutMs);
    if (!recipient.ready) {
      await this.#event(id, 'warn', 'balance.warning.skipped', `low-balance warning not sent: ${recipient.detail}`, { day, reason: recipient.problem, userId: recipient.userId });
      return { status: 'skipped', day, reason: recipient.problem, detail: recipient.detail };
    }
    if (!(await this.#registry.storage.balance.claimDailyWarning(id, day))) {
      await this.#event(id, 'debug', 'balance.warning.already-claimed', `the low-balance warning of ${day} was already claimed`, { day });
      return { status: 'already-claimed', day };
    }
    let sent: SendResult;
    try {
      const message = this.#message(info, provider, state.threshold, reading, day, recipient.address);
      sent = await withDeadline(this.#timeoutMs, signal, `low-balance warning of provider ${id}`, (s) => this.#registry.send(id, message, { signal: s }));
    } catch (cause) {
      const error = toTransportError(cause, id);
      // A warning that may have gone out (timed out or aborted in flight) keeps the claim: at most
      // one a day also means no second warning after an unknown outcome.
      const unknown = outcomeUnknown(error);
      const released = !unknown && (await this.#registry.storage.balance.releaseDailyWarning(id, day).then(
        () => true,
        () => false,
      ));
      await this.#recordError(id, error);
      await this.#event(id, 'error', 'balance.warning.failed', `low-balance warning to user "${recipient.userId}" failed: ${error.message}`, {
        day,
        userId: recipient.userId,
        code: error.code,
        claimReleased: released,
        outcome: unknown ? 'unknown' : 'not-sent',
      });
      return { status: 'failed', day, error, outcome: unknown ? 'unknown' : 'not-sent' };
    }
    await this.#updateState(id, { lastWarningDay: day });
    await this.#event(id, 'warn', 'balance.warning.sent', `low-balance warning sent to user "${recipient.userId}"`, {
      day,
      userId: recipient.userId,
      to: recipient.address,
      amount: reading.amount,
      threshold: state.threshold,
      messageId: sent.messageId,
    });
    return { status: 'sent', day, userId: recipient.userId, to: recipient.address, ...(sent.messageId === undefined ? {} : { messageId: sent.messageId }) };
  }

  #message(info: ProviderInfo, provider: BalanceProvider, threshold: number, reading: BalanceReading, day: string, to: string): EmailMessage | TextMessage {
    const { subject, text } = renderWarning(this.#template, {
      providerId: info.id,
      providerName: info.name,
      channel: provider.channel,
      amount: reading.amount,
      unit: reading.unit,
      threshold,
      day,
      locale: this.#locale,
    });
    return provider.capabilities.message === 'email' ? { to, subject, text } : { to, text: fitText(text, provider.capabilities.maxLength) };
  }

  /** A failed check: recorded as the last error (unless merely aborted) and as an event. Never throws. */
  async #failed(providerId: string, error: TransportError): Promise<BalanceCheckResult> {
    if (error.code !== 'ABORTED') await this.#recordError(providerId, error);
    await this.#event(providerId, error.code === 'ABORTED' ? 'info' : 'error', 'balance.check.failed', `balance check failed: ${error.message}`, {
      code: error.code,
      upstream: error.upstream,
    });
    return { providerId, ok: false, error };
  }

  async #recordError(providerId: string, error: TransportError): Promise<void> {
    try {
      const message = await this.#registry.redact(providerId, error.message);
      await this.#updateState(providerId, { lastError: { code: error.code, message, at: this.#nowIso() } });
    } catch {
      // The store is failing too; the event (and the result) still report the error.
    }
  }

  async #state(providerId: string): Promise<BalanceState> {
    return (await this.#registry.storage.balance.get(providerId)) ?? { providerId, threshold: 0 };
  }

  /** Read-merge-write of the state; `undefined` in the patch removes a field. */
  async #updateState(providerId: string, patch: Partial<Omit<BalanceState, 'providerId'>>): Promise<BalanceState> {
    const merged: Record<string, unknown> = { ...(await this.#state(providerId)), ...patch, providerId };
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    const next = merged as unknown as BalanceState;
    await this.#registry.storage.balance.put(next);
    return next;
  }

  async #event(providerId: string, severity: EventSeverity, type: string, message: string, fields: Record<string, unknown>): Promise<void> {
    try {
      await this.#registry.recordEvent(providerId, severity, type, message, fields);
    } catch {
      // The provider was removed meanwhile: there is no record left to attach the event to.
    }
  }

  #nowIso(): string {
    return new Date(this.#clock.now()).toISOString();
  }
}

/** Creates a {@link BalanceMonitor}. */
export function createBalanceMonitor(options: BalanceMonitorOptions): BalanceMonitor {
  return new BalanceMonitor(options);
}
