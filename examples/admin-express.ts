/**
 * The admin console in an Express app (README "Admin console"): mount the Node listener before
 * any body parser, since the console reads its own request bodies.
 *
 *   ADMIN_PASSWORD=… npx tsx examples/admin-express.ts
 */
import { timingSafeEqual } from 'node:crypto';
import express from 'express';
import { createRegistry } from 'transportkit';
import { createAdminHandler, toNodeListener } from 'transportkit/admin';
import { memoryTransport } from 'transportkit/testing';

const registry = createRegistry({ types: [memoryTransport()] });
const expected = Buffer.from(`Basic ${Buffer.from(`admin:${process.env.ADMIN_PASSWORD ?? 'change-me'}`).toString('base64')}`);
const isAdmin = (request: Request) => {
  const given = Buffer.from(request.headers.get('authorization') ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

const app = express();
app.use(
  '/admin',
  toNodeListener(
    createAdminHandler({
      registry,
      basePath: '/admin', // Express strips the mount path; the listener uses req.originalUrl
      authorize: (request) => (isAdmin(request) ? { id: 'admin' } : { status: 401, headers: { 'www-authenticate': 'Basic realm="transportkit admin"' } }),
    }),
  ),
);
app.use(express.json()); // the app's own routes, after the console
app.post('/api/echo', (req, res) => {
  res.json(req.body);
});

const server = app.listen(Number(process.env.PORT ?? 8080), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/admin/` }));
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => void registry.close()));
