/**
 * `npm run demo -- --serve`: the admin console on the demo's registry, on 127.0.0.1, until
 * Ctrl-C. Signing in is a one-time link: the printed URL carries a random token that the server
 * swaps for an HttpOnly cookie, which `authorize` then checks on every request.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BalanceMonitor, type BalanceUserDirectory, type ProviderRegistry } from 'transportkit';

/** What the console serves. */
export interface ServeOptions {
  readonly registry: ProviderRegistry;
  /** The demo's user directory; the console's balance panel shares the monitor's stored settings. */
  readonly users: BalanceUserDirectory;
  /** Port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
}

const COOKIE = 'tk_demo';

/** The port from `--port N` or `PORT`, else 0 (a free one). */
export function servePort(argv: readonly string[]): number {
  const flag = argv.indexOf('--port');
  const value = flag >= 0 ? argv[flag + 1] : process.env.PORT;
  const port = Number(value ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid port "${value}"`);
  return port;
}

/** Serves the console until SIGINT or SIGTERM, then closes the server. */
export async function serveConsole({ registry, users, port }: ServeOptions): Promise<void> {
  const { createAdminHandler, toNodeListener } = await import('transportkit/admin');
  const token = randomBytes(24).toString('base64url');
  const sameToken = (value: string | null | undefined) => value !== null && value !== undefined && value.length === token.length && timingSafeEqual(Buffer.from(value), Buffer.from(token));
  const cookieOf = (header: string | null | undefined) => /(?:^|;\s*)tk_demo=([^;]*)/.exec(header ?? '')?.[1];

  const admin = toNodeListener(
    createAdminHandler({
      registry,
      monitor: new BalanceMonitor({ registry, users }),
      basePath: '/admin',
      users: { list: () => [{ id: 'ops', name: 'Ops on call' }, { id: 'nobody', name: 'Nobody (no address)' }] },
      authorize: (request) =>
        sameToken(cookieOf(request.headers.get('cookie'))) ? { id: 'demo', name: 'Demo admin' } : { status: 401, message: 'Open the sign-in link the demo printed.' },
    }),
  );
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/' || url.pathname === '/admin' || url.pathname === '/admin/') {
      if (sameToken(url.searchParams.get('token'))) {
        res.writeHead(303, { location: '/admin/', 'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`, 'cache-control': 'no-store' });
        res.end();
        return;
      }
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/admin/' });
        res.end();
        return;
      }
    }
    admin(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  console.log(`\nAdmin console: http://127.0.0.1:${actual}/admin/?token=${token}`);
  console.log('The peers keep running. Press Ctrl-C to stop.');
  // Handlers stay for the rest of the run: a repeated signal (a second Ctrl-C, or one relayed by
  // a wrapper such as tsx) must not kill the process while it closes the peers.
  await new Promise<void>((resolve) => {
    process.on('SIGINT', () => resolve());
    process.on('SIGTERM', () => resolve());
  });
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  console.log('\nAdmin console stopped.');
}
