/**
 * The public surface of every subpath, pinned. A change here is an API change: make it on
 * purpose, update the list below (`npx tsx test/package/surface.ts` prints the current one) and
 * add a line to CHANGELOG.md.
 *
 * - `values`: run-time exports in the typings and the docs (functions, classes, constants);
 * - `types`: type-only exports (interfaces, type aliases);
 * - `internal`: run-time exports marked `@internal`, for this repository's own tests: left out
 *   of the typings and the docs, not part of the API, to be dropped once the tests import them
 *   from source paths.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module of the docs build, without typings
import { internalExports } from '../../scripts/typedoc-plugin.mjs';
import { root, specifierOf, subpaths, targetOf } from './package-info.js';
import { runtimeExports, typedSurfaces, type Surface } from './surface.js';

const PINNED: Readonly<Record<string, Surface>> = {
  '.': {
    values: [
      'BalanceMonitor', 'ERROR_CODES', 'ProviderRegistry', 'SecretBox', 'TransportError', 'addressOf',
      'createBalanceMonitor', 'createRegistry', 'defaultBalanceTemplates', 'emailMessageSchema', 'generateSecretKey',
      'hasErrorCode', 'isEmailAddress', 'isTransportError', 'isWellFormedText', 'memoryStorage', 'memoryTransport',
      'parseWith', 'recipientsOf', 'ROUTE_TYPE', 'routeType', 'systemClock', 'textMessageSchema', 'toArray', 'toNodeListener', 'userSecretContext',
    ],
    types: [
      'AddressCheck', 'AnyProviderType', 'Attachment', 'Balance', 'BalanceCheckOptions', 'BalanceCheckResult',
      'BalanceLocale', 'BalanceMonitorOptions', 'BalanceReading', 'BalanceSettings', 'BalanceStartOptions',
      'BalanceState', 'BalanceStatus', 'BalanceStore', 'BalanceUserDirectory', 'BalanceWarningInput',
      'BalanceWarningOutcome', 'BalanceWarningTemplate', 'BalanceWarningText', 'ChallengeAttempt', 'ChallengeSend',
      'ChallengeStart', 'ChallengeState', 'ChallengeStore', 'ChallengeThrottle', 'Channel', 'CircuitState', 'Clock',
      'CodeCheckResult', 'CodeRejection', 'ConfigInput', 'ConfigInputOf', 'ConfigValueInput', 'CreateInputFor', 'CreateProviderInput', 'Decision', 'DefaultEntry', 'DefaultTarget',
      'DefaultsStore', 'DeliveryCapabilities', 'DeliveryCounters', 'DeliveryProvider', 'DeliveryState', 'DeliveryStatus',
      'DeliveryStore', 'EmailAddress', 'EmailMessage', 'EventLevel', 'EventQuery', 'EventQueueStats', 'EventSeverity',
      'EventStore', 'FailNextOptions', 'FetchHandler', 'IdempotencyClaim', 'IdempotencyStore', 'Interval', 'ListFilter',
      'LiveProviderStats', 'LogEntry', 'Logger', 'MemoryOperation', 'MemoryStorageOptions', 'MemoryTransportConfig',
      'MemoryTransportType', 'MessageShape', 'NodeListener', 'NodeListenerOptions', 'ProviderContext', 'ProviderEvent', 'ProviderEvents', 'ProviderInfo',
      'ProviderRecord', 'ProviderRemoval', 'ProviderStore', 'ProviderType', 'RecipientProblem', 'RecipientRejection',
      'RecoveryAttempt', 'RecoveryCodeSet', 'RecoveryCodeStore', 'RegistryOptions', 'RegistrySendOptions',
      'RegistryStats', 'RetryPolicy', 'RotationReport', 'RotationSkip', 'Route', 'RouteConfig', 'RouteProvider', 'RouteStrategy', 'RoutedSendResult',
      'SealContext', 'SecretFieldOf', 'SecretKeyMaterial', 'SecretKeys', 'SecretValues', 'SendAttempt', 'SendOptions', 'SendResult',
      'SentMessage', 'SpanAttributes', 'SpanLike', 'StandardResult', 'StandardSchemaV1', 'StorageChange', 'TestOptions', 'TestReport', 'TestStep',
      'TextMessage', 'TotpAttempt', 'TotpAttemptRule', 'TotpStore', 'TotpUserState', 'TracerLike', 'TransportErrorCode',
      'TransportErrorOptions', 'TransportProvider', 'TransportStorage', 'UpdateProviderInput', 'UpstreamDetail',
      'UsageRef', 'UsageStore', 'VerifierProvider', 'VerifyInfo',
    ],
    internal: ['REDACTED', 'Redactor', 'withRedaction'],
  },
  './smtp': {
    values: ['SMTP_SECRET_FIELDS', 'checkCertificate', 'checkDkim', 'smtp', 'smtpConfigSchema'],
    types: [
      'CertificateCheck', 'CertificateCheckName', 'CertificateCheckOptions', 'CertificateReadiness', 'CertificateSummary',
      'DkimCanonicalization', 'DkimCheck', 'DkimCheckName', 'DkimCheckOptions', 'DkimConfig', 'DkimReadiness',
      'FetchInit', 'FetchLike', 'FetchResponse', 'OAuth2Config', 'OAuth2Provider', 'OAuth2TokenCallback',
      'OAuth2TokenRequest', 'OAuth2TokenResult', 'SmimeConfig', 'SmimeSource', 'SmtpConfig', 'SmtpOptions',
      'SmtpProvider', 'SmtpProviderType', 'SmtpSecretField', 'StartTlsMode', 'TxtResolver',
    ],
    internal: [
      'derSetOrder', 'effectivePort', 'formatSerial', 'mapSmtpError', 'normalizeSerial', 'redactClientLine',
    ],
  },
  './aspsms': {
    values: [
      'ASPSMS_TIME_ZONE', 'aspsms', 'aspsmsConfigSchema', 'aspsmsSendDetails', 'createAspsmsNotificationHandler',
      'createAspsmsNotificationListener', 'estimateSms', 'isAspsmsProvider', 'isGsm7', 'pollAspsmsDeliveryStatus',
      'smsLength', 'transliterateToGsm7',
    ],
    types: [
      'AspsmsConfig', 'AspsmsConfigInput', 'AspsmsEstimate', 'AspsmsNotificationHandlerOptions',
      'AspsmsNotificationRegistry', 'AspsmsOptions', 'AspsmsPollResult', 'AspsmsPolledRecipient', 'AspsmsProvider',
      'AspsmsProviderType', 'AspsmsSendDetails', 'AspsmsSendOptions', 'DeliveryNotification', 'DeliveryState', 'Gsm7Transliteration',
      'SmsEncoding', 'SmsEstimate', 'SmsLength',
    ],
    internal: [
      'ASPSMS_NAMESPACE', 'ASPSMS_OPERATIONS', 'ASPSMS_WSDL', 'REASON_DESCRIPTIONS', 'STATUS_DESCRIPTIONS', 'describeReason',
      'formatAspsmsTime', 'maxUnits',
      'normalizeOriginator', 'normalizePhone', 'parseAspsmsTime', 'parseCredits', 'parseDeliveryNotifications',
      'parseStatusCode', 'statusError',
    ],
  },
  './threema': {
    values: [
      'DEFAULT_MAX_BOX_BYTES', 'MAX_CALLBACK_BYTES', 'RAW_TYPE_NAMES', 'createCallbackHandler', 'decodeKey',
      'decodePrivateKey', 'decodePublicKey', 'defaultFileName', 'derivePublicKey', 'encodeKey', 'generateKeyPair',
      'hashEmail', 'hashPhone', 'isLowOrderPublicKey', 'isThreemaProvider', 'parseCallback', 'receiveCallback', 'threema',
      'threemaConfigSchema',
    ],
    types: [
      'BulkLookupInput', 'BulkLookupMatch', 'CallbackHandlerOptions', 'CallbackInput', 'DeliveryStatus', 'DownloadedFile',
      'FetchInit', 'FetchLike', 'FetchResponse', 'FileMessageContent', 'ImageReference', 'KeyDecodeOptions', 'KeyKind',
      'ParseCallbackOptions', 'ReceiveCallbackOptions', 'ReceiveFailure', 'RenderingType', 'ThreemaCallback',
      'ThreemaConfig', 'ThreemaContent', 'ThreemaFile', 'ThreemaKeyPair', 'ThreemaOptions', 'ThreemaProvider',
      'ThreemaProviderType', 'ThreemaReceivedMessage', 'ThreemaSecretField',
    ],
    internal: [
      'MIN_PADDED_LENGTH', 'callbackMac', 'decodeContent', 'decryptBlob', 'decryptBox', 'encodeContent', 'encryptBlob',
      'encryptBox', 'padContainer', 'paddingLength', 'randomBlobKey', 'sharedKey', 'unpadContainer',
    ],
  },
  './totp': {
    values: [
      'DEFAULT_TEMPLATES', 'SecondFactor', 'createSecondFactor', 'isTotpProvider', 'resolveTotp', 'totp',
      'totpConfigSchema',
    ],
    types: [
      'ChallengeInfo', 'ChallengeOptions', 'CodeTemplate', 'CodeTemplateOverrides', 'CodeTemplates', 'EnrollOptions',
      'ImportOptions', 'PendingChallenge', 'RecoveryCodeOptions', 'SecondFactorOptions', 'TotpAlgorithm', 'TotpConfig',
      'TotpEnrollment', 'TotpProvider', 'TotpProviderType', 'TotpStatus', 'TotpTypeOptions',
    ],
    internal: [],
  },
  './testing': {
    values: [
      'StorageContractError', 'currentTotpCode', 'memoryStorage', 'memoryTransport', 'runRace', 'runRaceInProcesses',
      'runStorageConformance', 'startAspsmsMock', 'startSmtpTestServer', 'startThreemaGatewayMock', 'storageChecks',
      'storageRaceScenarios',
    ],
    types: [
      'AspsmsMock', 'AspsmsMockAccount', 'AspsmsMockDelivery', 'AspsmsMockMessage', 'AspsmsMockNotification',
      'AspsmsMockOptions', 'AspsmsMockRequest', 'ConformanceOptions', 'ConformanceRunner', 'ContractClause',
      'ContractViolation', 'CurrentTotpCodeOptions', 'FailNextOptions', 'MemoryOperation', 'MemoryTransportConfig',
      'MemoryTransportType', 'MockEndpoint', 'MockFailure', 'MockReceivedMessage', 'MockRequest', 'ProcessRaceOptions',
      'RaceOptions', 'RaceResult', 'RaceScenario', 'RaceStorageModule', 'RaceStorages', 'SentMessage', 'SmtpTestMessage',
      'SmtpTestServer', 'SmtpTestServerOptions', 'StorageCheck', 'StorageFactory', 'ThreemaGatewayMock',
      'ThreemaGatewayMockOptions', 'ThreemaMockUser', 'ThreemaMockUserInput',
    ],
    internal: [],
  },
  './postgres': {
    values: ['postgresStorage'],
    types: [
      'PGliteLike', 'PGliteQueryable', 'PgClientLike', 'PgPoolLike', 'PgPooledClientLike', 'PostgresStorage',
      'PostgresStorageOptions',
    ],
    internal: [],
  },
  './admin': {
    values: ['createAdminHandler', 'toNodeListener'],
    types: [
      'AdminAuditEntry', 'AdminBalanceMonitor', 'AdminHandler', 'AdminHandlerOptions', 'AdminLocale', 'AdminProviderType',
      'AdminRefusal', 'AdminRegistry', 'AdminUser', 'AdminUserChoice', 'AdminUserDirectory', 'AuthorizeResult',
      'FetchHandler', 'FieldText', 'LocalizedText', 'NodeListener', 'NodeListenerOptions', 'TypeTexts',
    ],
    internal: [],
  },
};

let typed: ReturnType<typeof typedSurfaces>;
let runtime: Record<string, string[]>;

beforeAll(() => {
  typed = typedSurfaces();
  runtime = runtimeExports();
}, 120_000);

/** A readable difference: what was added and what was removed. */
const change = (pinned: readonly string[], actual: readonly string[]) => ({
  added: actual.filter((n) => !pinned.includes(n)),
  removed: pinned.filter((n) => !actual.includes(n)),
});
const none = { added: [], removed: [] };
const hint = (subpath: string, what: string) =>
  `${what} of ${specifierOf(subpath)} changed: if that is intended, update PINNED in test/package/public-surface.test.ts ` +
  '(npm run build && npx tsx test/package/surface.ts prints the current lists) and add a CHANGELOG line';

describe('the public surface', () => {
  it('pins every subpath of the exports map (a new subpath needs its list)', () => {
    expect(Object.keys(PINNED).sort(), 'subpaths without a pinned list, or pinned lists of removed subpaths').toEqual([...subpaths].sort());
  });

  it.each(subpaths.map((s) => [specifierOf(s), s]))('%s: the typings export exactly the pinned values and types', (_, subpath) => {
    const pinned = PINNED[subpath];
    expect(pinned, `no pinned list for ${subpath}`).toBeDefined();
    expect(change(pinned!.values, typed.surfaces[subpath]!.values), hint(subpath, 'the run-time values')).toEqual(none);
    expect(change(pinned!.types, typed.surfaces[subpath]!.types), hint(subpath, 'the types')).toEqual(none);
  });

  it.each(subpaths.map((s) => [specifierOf(s), s]))('%s: import() gives the pinned values plus the pinned internals, nothing else', (_, subpath) => {
    const pinned = PINNED[subpath];
    expect(pinned, `no pinned list for ${subpath}`).toBeDefined();
    expect(change([...pinned!.values, ...pinned!.internal], runtime[subpath]!), hint(subpath, 'the run-time exports')).toEqual(none);
  });

  it('the typings compile for a consumer with library checking on (nothing public refers to a stripped internal)', () => {
    expect(typed.diagnostics).toEqual([]);
  });

  it('the API docs leave out exactly the internal names (the @internal export statements of each entry module)', () => {
    for (const subpath of subpaths) {
      const entry = resolve(root, targetOf(subpath).types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
      expect([...(internalExports(entry) as Set<string>)].sort(), specifierOf(subpath)).toEqual([...(PINNED[subpath]?.internal ?? [])].sort());
    }
  });

  it('keeps internals out of the typings and says so in the source', () => {
    for (const subpath of subpaths) {
      for (const name of PINNED[subpath]?.internal ?? []) {
        expect(typed.surfaces[subpath]!.values, `${name} of ${subpath}`).not.toContain(name);
      }
    }
    const index = readFileSync(resolve(root, 'src/index.ts'), 'utf8');
    expect(index).toMatch(/@internal\s*\*\/\s*export \{ Redactor/);
  });
});
