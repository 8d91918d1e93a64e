/**
 * transportkit: configurable transport providers (SMTP e-mail with S/MIME, ASPSMS SMS,
 * Threema.Gateway E2E, TOTP) behind one contract, with a provider registry, sealed secrets,
 * "used by" tracking, tests, events and a balance monitor. This entry loads no vendor library;
 * provider types live in their own subpaths (`transportkit/smtp`, ...).
 *
 * @packageDocumentation
 */
export { TransportError, isTransportError, hasErrorCode, ERROR_CODES } from './core/errors.js';
export type { TransportErrorCode, TransportErrorOptions, UpstreamDetail } from './core/errors.js';
export { emailMessageSchema, textMessageSchema, isEmailAddress, addressOf, recipientsOf, toArray } from './core/messages.js';
export type {
  EmailAddress,
  Attachment,
  EmailMessage,
  TextMessage,
  MessageShape,
  SendResult,
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
export { Redactor, REDACTED, withRedaction, levelAllows } from './core/events.js';
export type { EventLevel, EventSeverity, ProviderEvent, LogEntry, Logger, ProviderEvents } from './core/events.js';
export { parseWith } from './core/validation.js';
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
  ProviderRemoval,
  StorageChange,
  TotpAttempt,
  TotpAttemptRule,
} from './storage/types.js';
export { ProviderRegistry, createRegistry } from './registry/registry.js';
export { toTransportError } from './registry/support.js';
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
  RotationSkip,
} from './registry/types.js';
export type { EventQueueStats } from './registry/event-queue.js';
export type { LiveProviderStats } from './registry/live-providers.js';
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
