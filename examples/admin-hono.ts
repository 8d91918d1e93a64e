/**
 * The admin console in a Hono app (README "Admin console"): the handler is a fetch handler, so
 * it mounts as it is; `app.mount` strips /admin, which the console accepts.
 *
 *   ADMIN_PASSWORD=… npx tsx examples/admin-hono.ts
 */
import { timingSafeEqual } from 'node:crypto';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createRegistry } from 'transportkit';
import { createAdminHandler } from 'transportkit/admin';
import { memoryTransport } from 'transportkit/testing';

const registry = createRegistry({ types: [memoryTransport()] });
const expected = Buffer.from(`Basic ${Buffer.from(`admin:${process.env.ADMIN_PASSWORD ?? 'change-me'}`).toString('base64')}`);
const isAdmin = (request: Request) => {
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const app = new Hono();
app.mount(
  '/admin',
  createAdminHandler({
    registry,
    basePath: '/admin',
    authorize: (request) => (isAdmin(request) ? { id: 'admin' } : { status: 401, headers: { 'www-authenticate': 'Basic realm="transportkit admin"' } }),
  }),
);
app.get('/', (c) => c.text('the app'));

// overrideGlobalObjects: false keeps Node's own Request/Response in place.
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 8080), overrideGlobalObjects: false }, (info) => {
  console.log(JSON.stringify({ url: `http://127.0.0.1:${info.port}/admin/` }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => void registry.close()));
