import type { AspsmsMock, AspsmsMockOptions } from '../providers/aspsms/mock-server.js';

export type {
  AspsmsMock,
  AspsmsMockAccount,
  AspsmsMockDelivery,
  AspsmsMockMessage,
  AspsmsMockNotification,
  AspsmsMockOptions,
  AspsmsMockRequest,
} from '../providers/aspsms/mock-server.js';

/**
 * Starts a loopback ASPSMS SOAP mock (127.0.0.1, ephemeral port) for host test suites: accounts,
 * credit accounting, StatusCode answers for wrong credentials, missing credit, bad originators and
 * recipients, delivery records and an answer delay. The implementation (and the `soap` package) is
 * loaded on first use, so importing `transportkit/testing` stays light.
 *
 * @example
 * ```ts
 * const mock = await startAspsmsMock({ accounts: [{ userKey: 'KEY1', password: 'pw', credits: 10 }] });
 * await registry.create({ type: 'aspsms', config: { userKey: 'KEY1', originator: 'Shop', serviceUrl: mock.url }, secrets: { password: 'pw' } });
 * // ... mock.sent, mock.credits('KEY1')
 * await mock.close();
 * ```
 */
export async function startAspsmsMock(options: AspsmsMockOptions = {}): Promise<AspsmsMock> {
  const { startAspsmsMock: start } = await import('../providers/aspsms/mock-server.js');
  return start(options);
}
