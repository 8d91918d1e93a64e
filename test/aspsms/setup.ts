import { createRegistry, type LogEntry, type ProviderRegistry } from '../../src/index.js';
import { aspsms, type AspsmsProvider } from '../../src/providers/aspsms/index.js';
import type { AspsmsMock } from '../../src/testing/index.js';

/** A distinctive password, so a leak is easy to find. */
export const PASSWORD = 'Pw-aspsms&<Sekret>-4711';
export const USER_KEY = 'TESTKEY00001';

/** A registry with the ASPSMS type, a logger capturing everything, and one provider against the mock. */
export async function setup(
  mock: AspsmsMock,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = { password: PASSWORD },
): Promise<{ registry: ProviderRegistry; id: string; provider: AspsmsProvider; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  const registry = createRegistry({ types: [aspsms()], logger: (entry) => logs.push(entry) });
  const info = await registry.create({
    type: 'aspsms',
    name: 'SMS',
    eventLevel: 'debug',
    config: { userKey: USER_KEY, originator: 'Shop', serviceUrl: mock.url, ...config },
    secrets,
  });
  const provider = (await registry.resolve(info.id)) as AspsmsProvider;
  return { registry, id: info.id, provider, logs };
}

/** The rejection of a promise (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; field?: string; upstream?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}
