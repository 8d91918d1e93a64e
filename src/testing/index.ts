/**
 * Test helpers for host applications: the in-memory transport, the storage conformance suite
 * and loopback mock peers of the providers.
 *
 * @packageDocumentation
 */
export { memoryTransport } from './memory-transport.js';
export type { MemoryTransportConfig, MemoryTransportType, SentMessage, MemoryOperation, FailNextOptions } from './memory-transport.js';
export { runStorageConformance, StorageContractError, storageChecks, storageRaceScenarios, runRace, runRaceInProcesses } from './conformance.js';
export type {
  ConformanceRunner,
  ConformanceOptions,
  StorageFactory,
  ContractClause,
  ContractViolation,
  StorageCheck,
  RaceScenario,
  RaceResult,
  RaceOptions,
  RaceStorages,
  ProcessRaceOptions,
  RaceStorageModule,
} from './conformance.js';
export { memoryStorage } from '../storage/memory.js';
export * from './aspsms.js';
export * from './threema.js';
export * from './smtp.js';
