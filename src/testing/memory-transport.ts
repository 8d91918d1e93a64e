import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sleep } from '../core/abort.js';
import { TransportError, type TransportErrorCode, ERROR_CODES } from '../core/errors.js';
import { isEmailAddress, recipientsOf, type EmailMessage, type SendResult, type TextMessage } from '../core/messages.js';
import type { AddressCheck, DeliveryProvider, ProviderType, SendOptions } from '../core/provider.js';

/** Configuration of an in-memory provider. */
export interface MemoryTransportConfig {
  /** The channel it pretends to be: `email` takes e-mail messages, anything else text. */
  readonly channel: string;
  /** Starting prepaid balance; when set, the provider has the balance capability. */
  readonly balance?: number | undefined;
  /** Unit of the balance (default `credits`). */
  readonly unit: string;
  /** Maximum text length (text channels). */
  readonly maxLength?: number | undefined;
  /** Simulated upstream latency in milliseconds for every operation (default 0). */
  readonly latencyMs: number;
}

/** A message the in-memory transport "sent". */
export interface SentMessage {
  readonly providerId: string;
  readonly channel: string;
  readonly messageId: string;
  /** Every recipient as a plain address. */
  readonly to: readonly string[];
  readonly message: EmailMessage | TextMessage;
  /** ISO time. */
  readonly sentAt: string;
}

/** An operation failure can be injected into. */
export type MemoryOperation = 'send' | 'verify' | 'balance';

/** Options of {@link MemoryTransportType.failNext}. */
export interface FailNextOptions {
  /** Only this provider (default: any). */
  readonly providerId?: string;
  /** Which operation fails (default `send`). */
  readonly operation?: MemoryOperation;
  /** How many calls fail (default 1). */
  readonly times?: number;
  /** Error message (default derived from the code). */
  readonly message?: string;
  /** What the upstream asked to wait before retrying (`upstream.retryAfterSeconds`), as a rate limit does. */
  readonly retryAfterSeconds?: number;
}

/** The in-memory provider type plus the helpers a test uses to inspect and steer it. */
export interface MemoryTransportType extends ProviderType<MemoryTransportConfig, 'password', DeliveryProvider, 'memory'> {
  /** Every sent message, oldest first; only those of one provider when given. */
  outbox(providerId?: string): readonly SentMessage[];
  /** Sent messages that include the recipient. */
  find(to: string, providerId?: string): readonly SentMessage[];
  /** The newest message to a recipient, or undefined. */
  last(to?: string): SentMessage | undefined;
  /** Makes the next call(s) fail with a TransportError of `code`. */
  failNext(code: TransportErrorCode, options?: FailNextOptions): void;
  /** Sets the balance a provider reports (enables nothing: the config decides the capability). */
  setBalance(providerId: string, amount: number): void;
  /** Clears outbox, injected failures and balances. */
  reset(): void;
}

const configSchema = z.object({
  channel: z.string().min(1).max(50).default('email'),
  balance: z.number().finite().optional(),
  unit: z.string().min(1).max(30).default('credits'),
  maxLength: z.number().int().positive().optional(),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
});

const PHONE = /^\+?[1-9]\d{6,14}$/;
const THREEMA_ID = /^[A-Z0-9*][A-Z0-9]{7}$/;

function checkAddress(channel: string, address: string): AddressCheck {
  if (typeof address !== 'string' || address.length === 0) return { ok: false, reason: 'empty address' };
  if (channel === 'email') return isEmailAddress(address) ? { ok: true, normalized: address } : { ok: false, reason: 'not an e-mail address' };
  if (channel === 'sms') {
    const digits = address.replace(/[\s().-]/g, '');
    return PHONE.test(digits) ? { ok: true, normalized: digits.startsWith('+') ? digits : `+${digits}` } : { ok: false, reason: 'not a phone number' };
  }
  if (channel === 'threema') {
    const id = address.toUpperCase();
    return THREEMA_ID.test(id) ? { ok: true, normalized: id } : { ok: false, reason: 'not a Threema ID' };
  }
  return { ok: true, normalized: address };
}

/**
 * The in-memory transport: a real provider type for any channel that keeps what it sends in an
 * outbox. Use it in host test suites, and as the registry's default type.
 *
 * @example
 * ```ts
 * const memory = memoryTransport();
 * const registry = createRegistry({ types: [memory] });
 * const p = await registry.create({ type: 'memory', config: { channel: 'sms' } });
 * await registry.send(p.id, { to: '+41791234567', text: 'hi' });
 * memory.find('+41791234567'); // [SentMessage]
 * ```
 */
export function memoryTransport(): MemoryTransportType {
  let sent: SentMessage[] = [];
  let failures: { code: TransportErrorCode; providerId?: string; operation: MemoryOperation; remaining: number; message?: string; retryAfterSeconds?: number }[] = [];
  let balances = new Map<string, number>();

  const takeFailure = (providerId: string, operation: MemoryOperation): TransportError | undefined => {
    const i = failures.findIndex((f) => f.operation === operation && (f.providerId === undefined || f.providerId === providerId));
    if (i < 0) return undefined;
    const f = failures[i]!;
    f.remaining -= 1;
    if (f.remaining <= 0) failures.splice(i, 1);
    return new TransportError(f.code, f.message ?? `injected ${operation} failure (${f.code})`, {
      providerId,
      ...(f.retryAfterSeconds === undefined ? {} : { upstream: { retryAfterSeconds: f.retryAfterSeconds } }),
    });
  };

  return {
    type: 'memory',
    kind: 'delivery',
    channel: (config) => config.channel,
    configSchema,
    secretFields: ['password'],
    create(config, _secrets, context) {
      const { providerId } = context;
      // Like a real connection pool, closing fails the operations still waiting on the upstream.
      const closing = new AbortController();
      const wait = async (signal: AbortSignal | undefined) => {
        try {
          await sleep(config.latencyMs, signal ? AbortSignal.any([signal, closing.signal]) : closing.signal);
        } catch (cause) {
          if (!closing.signal.aborted || signal?.aborted) throw cause;
          throw new TransportError('UNAVAILABLE', 'the provider was closed', { providerId, cause });
        }
      };
      const provider: DeliveryProvider = {
        kind: 'delivery',
        id: providerId,
        type: 'memory',
        channel: config.channel,
        capabilities: {
          message: config.channel === 'email' ? 'email' : 'text',
          balance: config.balance !== undefined,
          ...(config.maxLength === undefined ? {} : { maxLength: config.maxLength }),
          unicode: true,
          attachments: config.channel === 'email',
          deliveryReceipts: false,
          multipleRecipients: true,
        },
        validateAddress: (address) => checkAddress(config.channel, address),
        async send(message: EmailMessage | TextMessage, options: SendOptions = {}): Promise<SendResult> {
          await wait(options.signal);
          const failure = takeFailure(providerId, 'send');
          if (failure) throw failure;
          if ('text' in message && config.maxLength !== undefined && typeof message.text === 'string' && message.text.length > config.maxLength) {
            throw new TransportError('MESSAGE_INVALID', `text is longer than ${config.maxLength} characters`, { providerId, field: 'message.text' });
          }
          const to = recipientsOf(message).map((r) => {
            const check = checkAddress(config.channel, r);
            return check.ok ? check.normalized : r;
          });
          const messageId = randomUUID();
          sent.push({ providerId, channel: config.channel, messageId, to, message: structuredClone(message), sentAt: new Date(context.clock.now()).toISOString() });
          context.events.debug('memory.sent', `stored message ${messageId} in the outbox`, { to });
          return { providerId, messageId, accepted: to, rejected: [] };
        },
        async verify(options: SendOptions = {}) {
          await wait(options.signal);
          const failure = takeFailure(providerId, 'verify');
          if (failure) throw failure;
          return { detail: 'in-memory transport ready' };
        },
        async close() {
          closing.abort();
        },
      };
      if (config.balance !== undefined) {
        const initial = config.balance;
        (provider as { getBalance?: DeliveryProvider['getBalance'] }).getBalance = async (options: SendOptions = {}) => {
          await wait(options.signal);
          const failure = takeFailure(providerId, 'balance');
          if (failure) throw failure;
          return { amount: balances.get(providerId) ?? initial, unit: config.unit, checkedAt: new Date(context.clock.now()).toISOString() };
        };
      }
      return provider;
    },
    outbox: (providerId) => sent.filter((m) => providerId === undefined || m.providerId === providerId),
    find: (to, providerId) => sent.filter((m) => m.to.includes(to) && (providerId === undefined || m.providerId === providerId)),
    last: (to) => [...sent].reverse().find((m) => to === undefined || m.to.includes(to)),
    failNext(code, options = {}) {
      if (!(ERROR_CODES as readonly string[]).includes(code)) throw new TransportError('CONFIG_INVALID', `unknown error code "${code}"`, { field: 'code' });
      failures.push({
        code,
        operation: options.operation ?? 'send',
        remaining: options.times ?? 1,
        ...(options.providerId === undefined ? {} : { providerId: options.providerId }),
        ...(options.message === undefined ? {} : { message: options.message }),
        ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      });
    },
    setBalance(providerId, amount) {
      balances.set(providerId, amount);
    },
    reset() {
      sent = [];
      failures = [];
      balances = new Map();
    },
  };
}
