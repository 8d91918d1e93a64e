import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startThreemaGatewayMock, type ThreemaGatewayMock } from '../../src/testing/index.js';

let gw: ThreemaGatewayMock | undefined;
afterEach(async () => gw?.close());

async function call(path: string, init: { method?: 'GET' | 'POST'; query?: Record<string, string>; form?: Record<string, string>; body?: string; type?: string } = {}) {
  const url = new URL(path, gw!.url);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const body = init.form ? new URLSearchParams(init.form).toString() : init.body;
  const res = await request(url, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    ...(body === undefined ? {} : { body, headers: { 'content-type': init.type ?? 'application/x-www-form-urlencoded' } }),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

describe('the exported mock gateway (PY mock behaviour table)', () => {
  it('answers lookups, credits and capabilities, with 401 for bad credentials', async () => {
    gw = await startThreemaGatewayMock({ secret: 'mock', gatewayId: '*MOCKING' });
    const auth = { from: '*MOCKING', secret: 'mock' };
    expect(await call('credits', { query: auth })).toEqual({ status: 200, text: '100' });
    expect((await call('credits', { query: { from: '*NOEXIST', secret: 'mock' } })).status).toBe(401);
    expect((await call('credits', { query: { from: '*MOCKING', secret: 'nope' } })).status).toBe(401);
    expect(await call('pubkeys/ECHOECHO', { query: auth })).toEqual({ status: 200, text: gw.user('ECHOECHO')!.publicKey.slice(7) });
    expect((await call('pubkeys/TEST', { query: auth })).status).toBe(404);
    expect((await call('pubkeys/00000000', { query: auth })).status).toBe(404);
    expect(await call('lookup/phone/41791234567', { query: auth })).toEqual({ status: 200, text: 'ECHOECHO' });
    expect((await call('lookup/phone/44987654321', { query: auth })).status).toBe(404);
    expect(await call('lookup/email/echoecho@example.com', { query: auth })).toEqual({ status: 200, text: 'ECHOECHO' });
    expect(await call('lookup/email_hash/45a13d422b40f81936a9987245d3f6d9064c90607273af4f578246b4484669e2', { query: auth })).toEqual({ status: 200, text: 'ECHOECHO' });
    expect((await call('lookup/email_hash/45a13d422b40f81936a9987245d3f6d9064c90607273af4f578246b4484669e1', { query: auth })).status).toBe(404);
    expect((await call('lookup/phone_hash/98b05f6eda7a878f6f016bdcdc9db6eb61a6b190e814ff787142115af14421', { query: auth })).status).toBe(400);
    expect((await call('lookup/phone_hash/98b05f6eda7a878f6f016bdcdc9db6eb61a6b190e814ff787142115af144214', { query: auth })).status).toBe(500);
    expect((await call('lookup/phone_hash/1234', { query: auth })).status).toBe(400);
    expect(await call('capabilities/ECHOECHO', { query: auth })).toEqual({ status: 200, text: 'text,image,video,audio,file' });
    expect((await call('capabilities/00000000', { query: auth })).status).toBe(404);
    expect(gw.counters).toMatchObject({ credits: 3, pubkeys: 3, lookup: 8, capabilities: 2 });
  });

  it('checks send_e2e: credentials in the form, 400 unknown recipient, 402, 413, and decrypt failures are recorded', async () => {
    gw = await startThreemaGatewayMock({ secret: 'mock', maxBoxBytes: 4000 });
    const form = { from: gw.gatewayId, secret: 'mock', to: 'ECHOECHO', nonce: '00'.repeat(24), box: '11'.repeat(4000) };
    expect((await call('send_e2e', { query: { from: gw.gatewayId, secret: 'mock' }, form: { to: 'ECHOECHO', nonce: form.nonce, box: form.box } })).status).toBe(401);
    const ok = await call('send_e2e', { form });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/^[0-9a-f]{16}$/);
    expect(gw.received[0]).toMatchObject({ messageId: ok.text, error: expect.stringContaining('could not be decrypted') });
    expect((await call('send_e2e', { form: { ...form, box: '11'.repeat(4001) } })).status).toBe(413);
    expect((await call('send_e2e', { form: { ...form, to: '00000000' } })).status).toBe(400);
    expect((await call('send_simple', { form: { from: gw.gatewayId, secret: 'mock', to: 'ECHOECHO', text: 'x' } })).status).toBe(400);
    gw.setCredits(0);
    expect((await call('send_e2e', { form })).status).toBe(402);
  });

  it('stores blobs: 400 for an empty blob, 404 for unknown ids, sha256-based ids', async () => {
    gw = await startThreemaGatewayMock({ secret: 'mock' });
    const auth = { from: gw.gatewayId, secret: 'mock' };
    const multipart = (content: string) =>
      `--b\r\nContent-Disposition: form-data; name="blob"; filename="x"\r\nContent-Type: application/octet-stream\r\n\r\n${content}\r\n--b--\r\n`;
    const up = await call('upload_blob', { query: auth, body: multipart('hello'), type: 'multipart/form-data; boundary=b' });
    expect(up).toEqual({ status: 200, text: '2cf24dba5fb0a30e26e83b2ac5b9e29e' });
    expect(await call(`blobs/${up.text}`, { query: auth })).toEqual({ status: 200, text: 'hello' });
    expect((await call('upload_blob', { query: auth, body: multipart(''), type: 'multipart/form-data; boundary=b' })).status).toBe(400);
    expect((await call(`blobs/${'f'.repeat(16)}`, { query: auth })).status).toBe(404);
    expect(gw.requests.every((r) => !r.path.includes('mock'))).toBe(true);
  });
});
