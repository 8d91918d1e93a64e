import type { ThreemaGatewayMock, ThreemaGatewayMockOptions } from '../providers/threema/mock-gateway.js';

export type {
  ThreemaGatewayMock,
  ThreemaGatewayMockOptions,
  ThreemaMockUser,
  ThreemaMockUserInput,
  MockReceivedMessage,
  MockRequest,
  MockFailure,
  MockEndpoint,
} from '../providers/threema/mock-gateway.js';

/**
 * Starts a loopback Threema.Gateway mock (127.0.0.1, ephemeral port) that really decrypts every
 * box it receives. Loaded lazily so `transportkit/testing` does not pull in tweetnacl and undici
 * for hosts that never use it.
 *
 * @example
 * ```ts
 * const gateway = await startThreemaGatewayMock();
 * const { config, secrets } = gateway.providerSettings();
 * const p = await registry.create({ type: 'threema', config, secrets });
 * await registry.send(p.id, { to: 'ECHOECHO', text: 'Hi' });
 * gateway.inbox('ECHOECHO')[0]?.content; // { type: 'text', text: 'Hi' }
 * await gateway.close();
 * ```
 */
export async function startThreemaGatewayMock(options: ThreemaGatewayMockOptions = {}): Promise<ThreemaGatewayMock> {
  const { startThreemaGatewayMock: start } = await import('../providers/threema/mock-gateway.js');
  return start(options);
}
