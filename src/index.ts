/**
 * The core of transportkit: the provider registry (`createRegistry`), the contract every provider
 * type implements (`ProviderType`, `DeliveryProvider`, `VerifierProvider`), the storage contract
 * with the in-memory reference store, sealed secrets, the error class with its stable codes, the
 * balance monitor and the in-memory transport. This entry loads no vendor library; each
 * provider type is its own subpath (`transportkit/smtp`, `transportkit/aspsms`,
 * `transportkit/threema`, `transportkit/totp`), storage on PostgreSQL is
 * `transportkit/postgres`, test helpers are `transportkit/testing`.
 *
 * @example
 * ```ts
 * import { createRegistry, generateSecretKey, isTransportError, memoryTransport } from 'transportkit';
 *
 * const registry = createRegistry({
 *   types: [memoryTransport()],
 *   secretKeys: { keys: { k1: generateSecretKey() }, current: 'k1' },
 * });
 * const sms = await registry.create({ type: 'memory', name: 'SMS', config: { channel: 'sms' } });
 * try {
 *   await registry.send(sms.id, { to: '+41 79 123 45 67', text: 'Hello' });
 * } catch (error) {
 *   if (isTransportError(error) && error.retryable) console.log('try again later:', error.code);
 * }
 * ```
 *
 * @module transportkit
 */
export { TransportError, isTransportError, hasErrorCode, ERROR_CODES } from './core/errors.js';
export type { TransportErrorCode, TransportErrorOptions, UpstreamDetail } from './core/errors.js';
export { emailMessageSchema, textMessageSchema, isEmailAddress, isWellFormedText, addressOf, recipientsOf, toArray } from './core/messages.js';
export type {
  EmailAddress,
  Attachment,
  EmailMessage,
  TextMessage,
  MessageShape,
  SendResult,
  RecipientRejection,
  Balance,
  TestStep,
  TestReport,
} from './core/messages.js';
export { systemClock } from './core/provider.js';
export type {
  Channel,
  Clock,
  SendOptions,
  DeliveryCapabilities,
  AddressCheck,
  VerifyInfo,
  DeliveryProvider,
  VerifierProvider,
  RouteProvider,
  CodeRejection,
  CodeCheckResult,
  TransportProvider,
  SecretValues,
  ProviderContext,
  ProviderType,
  AnyProviderType,
} from './core/provider.js';
export { SecretBox, generateSecretKey, userSecretContext } from './core/secrets.js';
export type { SecretKeys, SecretKeyMaterial, SealContext } from './core/secrets.js';
export type { EventLevel, EventSeverity, ProviderEvent, LogEntry, Logger, ProviderEvents } from './core/events.js';
export { parseWith } from './core/validation.js';
export type { StandardSchemaV1, StandardResult } from './core/validation.js';
export { memoryStorage } from './storage/memory.js';
export type { MemoryStorageOptions } from './storage/memory.js';
export type {
  TransportStorage,
  ProviderRecord,
  ProviderStore,
  UsageRef,
  UsageStore,
  DefaultEntry,
  DefaultsStore,
  EventQuery,
  EventStore,
  BalanceState,
  BalanceStore,
  TotpUserState,
  TotpStore,
  ChallengeState,
  ChallengeStore,
  ChallengeStart,
  ChallengeAttempt,
  ChallengeSend,
  ChallengeThrottle,
  RecoveryCodeSet,
  RecoveryCodeStore,
  RecoveryAttempt,
  ProviderRemoval,
  StorageChange,
  IdempotencyStore,
  IdempotencyClaim,
  DeliveryStore,
  DeliveryStatus,
  DeliveryState,
  TotpAttempt,
  TotpAttemptRule,
} from './storage/types.js';
export { ProviderRegistry, createRegistry } from './registry/registry.js';
export type {
  RegistryOptions,
  CreateProviderInput,
  UpdateProviderInput,
  ProviderInfo,
  ListFilter,
  DefaultTarget,
  TestOptions,
  RegistrySendOptions,
  RegistryStats,
  RotationReport,
  CreateInputFor,
  ConfigInput,
  ConfigInputOf,
  ConfigValueInput,
  SecretFieldOf,
  RotationSkip,
} from './registry/types.js';
export type { EventQueueStats } from './registry/event-queue.js';
export type { LiveProviderStats } from './registry/live-providers.js';
export type { Route, RouteStrategy, RoutedSendResult, SendAttempt, DeliveryCounters } from './registry/router.js';
export { routeType, ROUTE_TYPE } from './registry/stored-routes.js';
export type { RouteConfig } from './registry/stored-routes.js';
export type { RetryPolicy, Decision } from './registry/retry.js';
export type { CircuitState } from './registry/circuit.js';
export type { TracerLike, SpanLike, SpanAttributes } from './core/tracing.js';
export { toNodeListener } from './core/node-listener.js';
export type { FetchHandler, NodeListener, NodeListenerOptions } from './core/node-listener.js';
export { memoryTransport } from './testing/memory-transport.js';
export type { MemoryTransportConfig, MemoryTransportType, SentMessage, MemoryOperation, FailNextOptions } from './testing/memory-transport.js';
export { BalanceMonitor, createBalanceMonitor } from './balance/monitor.js';
export { defaultBalanceTemplates } from './balance/templates.js';
export type { BalanceLocale, BalanceWarningInput, BalanceWarningText, BalanceWarningTemplate } from './balance/templates.js';
export type {
  BalanceMonitorOptions,
  BalanceUserDirectory,
  BalanceSettings,
  BalanceStatus,
  BalanceReading,
  BalanceCheckResult,
  BalanceWarningOutcome,
  BalanceCheckOptions,
  BalanceStartOptions,
  RecipientProblem,
  Interval,
} from './balance/types.js';

/**
 * Internal: exported for this repository's own tests, hidden from the typings and the docs, not
 * part of the public API (may change in any release).
 *
 * @internal
 */
export { Redactor, REDACTED, withRedaction } from './core/events.js';
