/**
 * The admin console on plain node:http (README "Admin console"). Mount it under /admin and let
 * `authorize` decide every request: here HTTP Basic with ADMIN_PASSWORD; use your app's session.
 *
 *   ADMIN_PASSWORD=… npx tsx examples/admin-node-http.ts      # then open http://127.0.0.1:8080/admin/
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { createRegistry } from 'transportkit';
import { createAdminHandler, toNodeListener } from 'transportkit/admin';
import { memoryTransport } from 'transportkit/testing';

const registry = createRegistry({ types: [memoryTransport()] }); // add smtp(), aspsms(), threema(), totp()
const expected = Buffer.from(`Basic ${Buffer.from(`admin:${process.env.ADMIN_PASSWORD ?? 'change-me'}`).toString('base64')}`);
const isAdmin = (request: Request) => {
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const admin = createAdminHandler({
  registry,
  basePath: '/admin',
  authorize: (request) => (isAdmin(request) ? { id: 'admin' } : { status: 401, headers: { 'www-authenticate': 'Basic realm="transportkit admin"' } }),
});

const server = createServer(toNodeListener(admin));
server.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/admin/` }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => void registry.close()));
