import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeListener, type FetchHandler } from '../../src/admin/index.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw request, to see the response as Node sends it (header lines, chunks). */
function raw(url: string, options: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ res, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('toNodeListener', () => {
  it('builds the request (method, URL with the Host, headers, streamed body) and writes the response', async () => {
    let seen: { method: string; url: string; header: string | null; body: string } | undefined;
    const handler: FetchHandler = async (request) => {
      seen = { method: request.method, url: request.url, header: request.headers.get('x-test'), body: await request.text() };
      const headers = new Headers({ 'content-type': 'text/plain' });
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      return new Response('created', { status: 201, headers });
    };
    const base = await listen(toNodeListener(handler));
    const { res, body } = await raw(`${base}/admin/api/x?q=1`, { method: 'POST', body: '{"a":1}', headers: { 'x-test': 'yes', 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(201);
    expect(body).toBe('created');
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
    expect(seen).toEqual({ method: 'POST', url: `${base}/admin/api/x?q=1`, header: 'yes', body: '{"a":1}' });
  });

  it('streams a response chunk by chunk and aborts request.signal when the client goes away', async () => {
    let aborted = false;
    let cancelled = false;
    const handler: FetchHandler = async (request) => {
      request.signal.addEventListener('abort', () => (aborted = true));
      let n = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((r) => setTimeout(r, 20));
          controller.enqueue(new TextEncoder().encode(`line ${n++}\n`));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'content-type': 'application/x-ndjson' } });
    };
    const base = await listen(toNodeListener(handler));
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${base}/stream`, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('line 2')) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (e.message.includes('aborted') || e.message.includes('socket hang up') ? resolve() : reject(e)));
      req.end();
    });
    await expect.poll(() => aborted && cancelled, { timeout: 3000 }).toBe(true);
  });

  it('answers HEAD without a body, and 500 with a message when the handler throws', async () => {
    const errors: unknown[] = [];
    const base = await listen(
      toNodeListener(
        async (request) => {
          if (request.url.endsWith('/boom')) throw new Error('boom');
          return new Response('body', { headers: { 'x-ok': '1' } });
        },
        { onError: (e) => errors.push(e) },
      ),
    );
    const head = await raw(`${base}/`, { method: 'HEAD' });
    expect(head.res.statusCode).toBe(200);
    expect(head.res.headers['x-ok']).toBe('1');
    expect(head.body).toBe('');
    const boom = await raw(`${base}/boom`);
    expect(boom.res.statusCode).toBe(500);
    expect(boom.body).toBe('internal error');
    expect(errors).toHaveLength(1);
  });

  it('refuses a bad Host header', async () => {
    const base = await listen(toNodeListener(async () => new Response('ok')));
    const { res } = await raw(`${base}/`, { headers: { host: 'evil.example/../x' } });
    expect(res.statusCode).toBe(400);
  });

  it('in Express: uses originalUrl (the mount path kept), and says clearly when a body parser came first', async () => {
    const urls: string[] = [];
    const handler: FetchHandler = async (request) => {
      urls.push(new URL(request.url).pathname);
      return new Response(await request.text());
    };
    const good = express();
    good.use('/admin', toNodeListener(handler));
    const goodBase = await listen(good);
    expect((await raw(`${goodBase}/admin/api/echo`, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } })).body).toBe('{"x":1}');
    expect(urls).toEqual(['/admin/api/echo']);

    const wrong = express();
    wrong.use(express.json());
    wrong.use('/admin', toNodeListener(handler));
    const wrongBase = await listen(wrong);
    const refused = await raw(`${wrongBase}/admin/api/echo`, { method: 'POST', body: '{"x":1}', headers: { 'content-type': 'application/json' } });
    expect(refused.res.statusCode).toBe(500);
    expect(refused.body).toContain('mount the admin console before body parsers');
  });
});
