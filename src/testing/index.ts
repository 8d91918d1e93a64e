/**
 * Test helpers for host applications (`transportkit/testing`): the in-memory transport, the
 * storage conformance kit for your own adapter, and loopback mock peers of the providers (an
 * SMTP server, the ASPSMS SOAP service, the Threema gateway) on 127.0.0.1. Each peer loads its
 * server library only when started, so importing this subpath stays light.
 *
 * @example
 * ```ts
 * import { createRegistry } from 'transportkit';
 * import { threema } from 'transportkit/threema';
 * import { memoryTransport, startThreemaGatewayMock } from 'transportkit/testing';
 *
 * const memory = memoryTransport();
 * const gateway = await startThreemaGatewayMock({ users: [{ id: 'ECHOECHO' }] });
 * const registry = createRegistry({ types: [memory, threema()] });
 * const p = await registry.create({ type: 'threema', name: 'Threema', ...gateway.providerSettings() });
 * await registry.send(p.id, { to: 'ECHOECHO', text: 'Hi' });
 * console.log(gateway.inbox('ECHOECHO')[0]?.content);   // { type: 'text', text: 'Hi' }
 * await registry.close();
 * await gateway.close();
 * ```
 *
 * @module transportkit/testing
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
export * from './totp.js';
