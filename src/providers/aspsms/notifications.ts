import { z } from 'zod';
import { isTransportError, TransportError } from '../../core/errors.js';
import type { EventSeverity } from '../../core/events.js';
import type { Clock } from '../../core/provider.js';
import { toNodeListener, type FetchHandler, type NodeListener, type NodeListenerOptions } from '../../core/node-listener.js';
import type { DeliveryStatus } from '../../storage/types.js';
import type { AspsmsProvider } from './provider.js';
import { describeReason, parseAspsmsTime, type DeliveryNotification, type DeliveryState } from './status.js';

/**
 * What the ASPSMS notification handler and polling need of the registry (a `ProviderRegistry`
 * fits): the live provider, the status store and the event log. Structural, so a host can wrap it.
 */
export interface AspsmsNotificationRegistry {
  /** The live provider of an id (`NOT_FOUND` when there is none). */
  resolve(id: string): Promise<{ readonly type: string }>;
  /** Stores a delivery status (it only moves forward); true when it changed. */
  recordDeliveryStatus(status: DeliveryStatus): Promise<boolean>;
  /** Records an event of a provider. */
  recordEvent(id: string, severity: EventSeverity, type: string, message: string, fields?: Record<string, unknown>): Promise<void>;
  /** The registry's clock: the time of a notification without a date. */
  readonly clock?: Clock;
}

/** Options of {@link createAspsmsNotificationHandler}. */
export interface AspsmsNotificationHandlerOptions {
  /** The registry the ASPSMS providers live in. */
  readonly registry: AspsmsNotificationRegistry;
  /**
   * Told why a request was refused (400), failed (503) or broke (500), with a TransportError
   * (`details.reason`); the caller only sees the bare status. An error it throws is ignored.
   */
  onError?(error: TransportError): void;
}

/** Longest request target the handler reads: a notification URL is well below it. */
const MAX_URL_LENGTH = 4096;

/** True when a live provider is an ASPSMS provider (to reach `deliveryStatus` and the notification token). */
export function isAspsmsProvider(provider: { readonly type: string } | null | undefined): provider is AspsmsProvider {
  const candidate = provider as Partial<AspsmsProvider> | null | undefined;
  return candidate?.type === 'aspsms' && typeof candidate.deliveryStatus === 'function' && typeof candidate.verifyNotificationToken === 'function';
}

const single = (pattern: RegExp, message: string) => z.string().regex(pattern, message);
/** The query of a notification URL as the provider builds it and ASPSMS fills it. */
const querySchema = z.object({
  p: single(/^[A-Za-z0-9._:-]{1,100}$/, 'p must be a provider id'),
  m: single(/^[A-Za-z0-9]{1,64}$/, 'm must be a message id'),
  n: single(/^[1-9]\d{0,6}$/, 'n must be a recipient count').transform(Number),
  t: single(/^[A-Za-z0-9_-]{16,200}$/, 't must be a token'),
  s: z.enum(['delivered', 'failed', 'buffered']),
  trn: single(/^[A-Za-z0-9]{1,80}$/, 'trn must be a transaction reference'),
  dst: single(/^-?\d{1,3}$/, 'dst must be a delivery status').transform(Number).optional(),
  rsn: single(/^\d{1,4}$/, 'rsn must be a reason code').optional(),
  at: single(/^\d{14}$/, 'at must be an ASPSMS time (ddmmyyyyhhmmss)').optional(),
});
type Query = z.output<typeof querySchema>;

/** The DeliveryStatus of the `s` a notification URL was built with, when ASPSMS sent no `<DST>`. */
const STATUS_OF: Readonly<Record<Query['s'], number>> = { delivered: 0, failed: 2, buffered: 1 };

/** A refused request: answered with a bare 400, the reason for `onError` only. */
function refused(reason: string, message: string, field?: string): TransportError {
  return new TransportError('MESSAGE_INVALID', `ASPSMS notification refused: ${message}`, { retryable: false, details: { reason }, ...(field === undefined ? {} : { field }) });
}

/** True when a failure is the store's or the registry's (try again later), not the request's. */
function temporary(error: unknown): boolean {
  return !isTransportError(error) || !['NOT_FOUND', 'MESSAGE_INVALID', 'CONFIG_INVALID'].includes(error.code);
}

/** The parameters of a URL's query, each at most once (a repeated one is refused, not guessed at). */
function queryOf(url: URL): Record<string, string> | TransportError {
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (Object.hasOwn(params, name)) return refused('bad-field', `parameter ${name} is repeated`, name);
    // Placeholders ASPSMS left unfilled arrive as `<DST>`: read as absent.
    if (value !== '' && !/^<[A-Z]+>$/.test(value)) params[name] = value;
  }
  return params;
}

/** One notification, checked: the provider, the token, the reference of the message. */
async function verified(registry: AspsmsNotificationRegistry, url: URL): Promise<{ query: Query; provider: AspsmsProvider } | TransportError> {
  const params = queryOf(url);
  if (params instanceof TransportError) return params;
  const parsed = querySchema.safeParse(params);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    return refused('bad-field', issue?.message ?? 'malformed query', field);
  }
  const query = parsed.data;
  const index = query.trn.startsWith(query.m) ? query.trn.slice(query.m.length) : '';
  // References are the message id plus the recipient's index: anything else is not of this message.
  if (!/^(0|[1-9]\d*)$/.test(index) || Number(index) >= query.n) return refused('wrong-reference', 'trn is not a reference of the message', 'trn');
  let provider: { readonly type: string };
  try {
    provider = await registry.resolve(query.p);
  } catch (cause) {
    if (temporary(cause)) throw cause;
    return refused('unknown-provider', 'the provider does not exist or cannot be built', 'p');
  }
  if (!isAspsmsProvider(provider)) return refused('not-aspsms', 'the provider is not an ASPSMS provider', 'p');
  if (!provider.verifyNotificationToken({ messageId: query.m, recipients: query.n, token: query.t })) return refused('bad-token', 'invalid token', 't');
  return { query, provider };
}

/** What a notification or an inquiry record says, as a delivery status (undefined: not final yet). */
function finalState(status: number): 'delivered' | 'failed' | undefined {
  return status === 0 ? 'delivered' : status === 2 ? 'failed' : undefined;
}

/**
 * Records a final state under the message and, for a message to several recipients, under the
 * recipient's reference. The message's own status is the first final report of any recipient
 * (`delivered` and `failed` rank equal): read the others by reference.
 */
async function recordFinal(
  registry: AspsmsNotificationRegistry,
  entry: { providerId: string; messageId: string; reference: string; recipients: number; state: 'delivered' | 'failed'; at: string; reason?: string },
): Promise<void> {
  const { providerId, messageId, reference, recipients, state, at, reason } = entry;
  const status = { providerId, state, at, ...(state === 'failed' && reason !== undefined ? { reason } : {}) };
  await registry.recordDeliveryStatus({ ...status, messageId });
  if (recipients > 1) await registry.recordDeliveryStatus({ ...status, messageId: reference });
}

function nowIso(registry: AspsmsNotificationRegistry): string {
  let now = Date.now();
  try {
    now = registry.clock?.now() ?? now;
  } catch {
    // A failing host clock: the system time will do for a report's date.
  }
  return new Date(now).toISOString();
}

/**
 * A WHATWG fetch handler for the notification URLs an ASPSMS provider with `notificationUrl`
 * builds: ASPSMS calls them (HTTP GET) when a message was delivered, finally failed or was
 * buffered. Serve it at that URL, e.g. `createServer(toNodeListener(handler))`, or in any
 * framework that speaks fetch (Hono, Next.js, Bun, Deno).
 *
 * It checks everything before trusting anything: GET only (405), a well-formed query, the
 * provider `p` an ASPSMS provider of the registry, the token `t` (HMAC of provider, message and
 * recipient count, compared in constant time) and the reference `trn` one of the message's.
 * Any invalid request is a bare 400 (no detail helps an attacker; `onError` hears why).
 * Then `<DST>` 0 is recorded as `delivered` and 2 as `failed` with the reason code and its
 * description (`101 unknown subscriber`) under the message id and, for a message to several
 * recipients, under the recipient's reference as well (`aspsmsSendDetails(result).references`);
 * 1 (buffered) and -1 (not yet submitted) change no status but record an `aspsms.buffered`
 * event. The date is `<DSCTS>` in the provider's time zone. A status the store cannot take
 * answers 503, so a retrying caller can report it again; a replayed notification changes nothing.
 *
 * The handler reads no body; its storage calls are bounded by the registry's `storageTimeoutMs`.
 */
export function createAspsmsNotificationHandler(options: AspsmsNotificationHandlerOptions): FetchHandler {
  const registry = options?.registry;
  if (
    typeof registry?.resolve !== 'function' ||
    typeof registry.recordDeliveryStatus !== 'function' ||
    typeof registry.recordEvent !== 'function'
  ) {
    throw new TransportError('CONFIG_INVALID', 'invalid registry: must have resolve, recordDeliveryStatus and recordEvent (a ProviderRegistry)', { field: 'registry' });
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TransportError('CONFIG_INVALID', 'invalid onError: must be a function', { field: 'onError' });
  }
  const notify = (error: TransportError) => {
    try {
      options.onError?.(error);
    } catch {
      // The host's error callback failed: the request is answered anyway.
    }
  };
  const answer = (status: number, headers: Record<string, string> = {}) =>
    new Response(status === 200 ? 'OK' : String(status), { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } });

  const handle = async (request: Request): Promise<Response> => {
    if (request.method !== 'GET') {
      notify(refused('method', `method ${request.method} is not allowed`));
      return answer(405, { allow: 'GET' });
    }
    if (request.url.length > MAX_URL_LENGTH) {
      notify(refused('too-long', `the URL is longer than ${MAX_URL_LENGTH} characters`));
      return answer(400);
    }
    let checked: Awaited<ReturnType<typeof verified>>;
    try {
      checked = await verified(registry, new URL(request.url));
    } catch (cause) {
      notify(unavailable('the provider could not be resolved', cause));
      return answer(503);
    }
    if (checked instanceof TransportError) {
      notify(checked);
      return answer(400);
    }
    const { query, provider } = checked;
    const status = query.dst ?? STATUS_OF[query.s];
    if (![-1, 0, 1, 2].includes(status)) {
      notify(refused('bad-field', `unknown delivery status ${status}`, 'dst'));
      return answer(400);
    }
    const at = parseAspsmsTime(query.at, provider.timeZone) ?? nowIso(registry);
    try {
      const state = finalState(status);
      if (state === undefined) {
        await registry.recordEvent(query.p, 'info', 'aspsms.buffered', `message ${query.m} ${status === 1 ? 'buffered' : 'not yet submitted'} for recipient ${query.trn}`, {
          messageId: query.m,
          reference: query.trn,
          status,
          ...(query.rsn === undefined ? {} : { reasonCode: query.rsn }),
          at,
        });
      } else {
        const reason = state === 'failed' ? (describeReason(query.rsn) ?? 'no reason given') : undefined;
        await recordFinal(registry, { providerId: query.p, messageId: query.m, reference: query.trn, recipients: query.n, state, at, ...(reason === undefined ? {} : { reason }) });
      }
    } catch (cause) {
      notify(unavailable('the status could not be stored', cause));
      return answer(503);
    }
    return answer(200);
  };

  return async (request) => {
    try {
      return await handle(request);
    } catch (cause) {
      notify(unavailable('the notification handler failed', cause));
      return answer(500);
    }
  };
}

/** A failure on our side, for `onError`: the caller may try again. */
function unavailable(message: string, cause: unknown): TransportError {
  const code = isTransportError(cause) ? cause.code : 'UNAVAILABLE';
  return new TransportError(code, `ASPSMS notification: ${message}${isTransportError(cause) ? ` (${cause.message})` : ''}`, { cause, retryable: true, details: { reason: 'unavailable' } });
}

/**
 * The notification handler as a `node:http` listener (and Express middleware):
 * `createServer(createAspsmsNotificationListener({ registry })).listen(8080)`. Same as
 * `toNodeListener(createAspsmsNotificationHandler(options), listenerOptions)`.
 */
export function createAspsmsNotificationListener(options: AspsmsNotificationHandlerOptions, listenerOptions: NodeListenerOptions = {}): NodeListener {
  return toNodeListener(createAspsmsNotificationHandler(options), listenerOptions);
}

/** What polling found for one recipient of a message. */
export interface AspsmsPolledRecipient {
  /** The transaction reference (`aspsmsSendDetails(result).references`). */
  readonly reference: string;
  /** `unknown`: ASPSMS returned no record for it (yet). */
  readonly state: DeliveryState;
  /** The reason code and its description, for `failed`. */
  readonly reason?: string;
  /** When ASPSMS reported it (ISO). */
  readonly at?: string;
}

/** What polling found for one message. */
export interface AspsmsPollResult {
  readonly messageId: string;
  /**
   * `delivered` or `failed` once a recipient's delivery is final (the first such report, as the
   * notification handler records it), else `pending`.
   */
  readonly state: 'delivered' | 'failed' | 'pending';
  readonly recipients: readonly AspsmsPolledRecipient[];
}

const messagesSchema = z
  .array(
    z.object({
      messageId: z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a message id has 1-64 letters and digits'),
      references: z.array(z.string().regex(/^[A-Za-z0-9]{1,64}$/, 'a reference has 1-64 letters and digits')).min(1, 'at least one reference is required'),
    }),
  )
  .min(1, 'at least one message is required');

/**
 * Delivery status by polling, for hosts without a public notification endpoint: asks ASPSMS
 * (`InquireDeliveryNotifications`, in batches of 1000 references) about the references of
 * earlier sends and records the final ones like the notification handler (under the message id
 * and, for several recipients, under each reference). Each inquiry may cost credits at ASPSMS
 * (0.25 per reference in its 2007 documents): poll sparingly, and stop polling a message once it
 * is final.
 *
 * @param registry - the registry (or anything with `resolve`, `recordDeliveryStatus` and `recordEvent`).
 * @param providerId - the ASPSMS provider the messages were sent with.
 * @param messages - per message its `messageId` and the `references` of `aspsmsSendDetails(result)`.
 * @returns per message the state found and each recipient's.
 */
export async function pollAspsmsDeliveryStatus(
  registry: AspsmsNotificationRegistry,
  providerId: string,
  messages: readonly { readonly messageId: string; readonly references: readonly string[] }[],
  options: { readonly signal?: AbortSignal } = {},
): Promise<AspsmsPollResult[]> {
  if (typeof registry?.resolve !== 'function' || typeof registry.recordDeliveryStatus !== 'function') {
    throw new TransportError('CONFIG_INVALID', 'invalid registry: must have resolve and recordDeliveryStatus (a ProviderRegistry)', { field: 'registry' });
  }
  if (typeof providerId !== 'string' || providerId === '') throw new TransportError('CONFIG_INVALID', 'invalid providerId: must be a provider id', { field: 'providerId' });
  const parsed = messagesSchema.safeParse(messages);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['messages', ...(issue?.path ?? []).map(String)].join('.');
    throw new TransportError('MESSAGE_INVALID', `invalid ${field}: ${issue?.message ?? 'malformed'}`, { field, providerId });
  }
  const provider = await registry.resolve(providerId);
  if (!isAspsmsProvider(provider)) throw new TransportError('UNSUPPORTED', `provider ${providerId} is not an ASPSMS provider`, { providerId, field: 'providerId' });
  const references = parsed.data.flatMap((m) => m.references);
  const found = new Map<string, DeliveryNotification>((await provider.deliveryStatus(references, options.signal ? { signal: options.signal } : {})).map((n) => [n.reference, n]));
  const results: AspsmsPollResult[] = [];
  for (const { messageId, references: refs } of parsed.data) {
    let state: AspsmsPollResult['state'] = 'pending';
    const recipients: AspsmsPolledRecipient[] = [];
    for (const reference of refs) {
      const record = found.get(reference);
      if (record === undefined) {
        recipients.push({ reference, state: 'unknown' });
        continue;
      }
      const final = finalState(record.status);
      const reason = final === 'failed' ? (describeReason(record.reasonCode) ?? 'no reason given') : undefined;
      const at = record.notifiedAt ?? record.submittedAt;
      recipients.push({ reference, state: record.state, ...(reason === undefined ? {} : { reason }), ...(at === undefined ? {} : { at }) });
      if (final === undefined) continue;
      if (state === 'pending') state = final;
      await recordFinal(registry, { providerId, messageId, reference, recipients: refs.length, state: final, at: at ?? nowIso(registry), ...(reason === undefined ? {} : { reason }) });
    }
    results.push({ messageId, state, recipients });
  }
  return results;
}
