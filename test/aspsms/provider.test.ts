import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAspsmsMock, type AspsmsMock } from '../../src/testing/index.js';
import { PASSWORD, USER_KEY, rejection, setup } from './setup.js';

const SOAP_ACTION = (op: string) => `"https://webservice.aspsms.com/aspsmsx2.asmx/${op}"`;

describe('ASPSMS provider against the loopback SOAP mock', () => {
  let mock: AspsmsMock;
  let env: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    mock = await startAspsmsMock({
      accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 10_000, originators: ['+41791110000'] }],
      unknownRecipients: ['+41790000000'],
    });
    env = await setup(mock);
  });
  afterAll(async () => {
    await env.registry.close();
    await mock.close();
  });

  it('sends GSM 7-bit text with SendTextSMS, one reference per recipient, and charges parts x recipients', async () => {
    const before = mock.credits(USER_KEY)!;
    const text = `${'Grüezi '.repeat(25)}€`; // 175 chars + € = 177 septets: 2 parts
    const result = await env.registry.send(env.id, { to: ['+41 79 123 45 67', '0041797654321', '+41791234567'], text });
    expect(result.accepted).toEqual(['+41791234567', '+41797654321']);
    expect(result.rejected).toEqual([]);
    expect(result.segments).toBe(2);
    const references = result.details!.references as Record<string, string>;
    expect(Object.keys(references)).toEqual(result.accepted);
    expect(new Set(Object.values(references)).size).toBe(2);
    for (const ref of Object.values(references)) expect(ref).toMatch(/^[A-Za-z0-9]+$/);
    const message = mock.sent.at(-1)!;
    expect(message).toMatchObject({ operation: 'SendTextSMS', originator: 'Shop', text, encoding: 'gsm7', segments: 2, cost: 4, flash: false });
    expect(message.recipients).toEqual(result.accepted.map((number) => ({ number, reference: references[number] })));
    expect(mock.credits(USER_KEY)).toBe(before - 4);
    expect(mock.requests.at(-1)!.soapAction).toBe(SOAP_ACTION('SendTextSMS'));
  });

  it('switches to SendUnicodeSMS for text outside the GSM alphabet and counts UCS-2 parts', async () => {
    const text = `Привет 😀 ${'ж'.repeat(70)}`;
    const result = await env.provider.send({ to: '+41791234567', text });
    expect(result.segments).toBe(2);
    expect(result.details).toMatchObject({ operation: 'SendUnicodeSMS', encoding: 'ucs2' });
    expect(mock.sent.at(-1)).toMatchObject({ operation: 'SendUnicodeSMS', text, encoding: 'ucs2', segments: 2 });
    expect(mock.requests.at(-1)!.soapAction).toBe(SOAP_ACTION('SendUnicodeSMS'));
  });

  it('passes deferred delivery (Swiss local time: CEST in summer, CET in winter) and flash', async () => {
    await env.provider.send({ to: '+41791234567', text: 'later' }, { deferUntil: new Date('2030-06-01T10:15:30Z'), flash: true });
    expect(mock.sent.at(-1)).toMatchObject({ deferredDeliveryTime: '01062030121530', flash: true });
    await env.provider.send({ to: '+41791234567', text: 'later' }, { deferUntil: new Date('2030-01-15T10:15:30Z') });
    expect(mock.sent.at(-1)).toMatchObject({ deferredDeliveryTime: '15012030111530', flash: false });
    const error = await rejection(env.provider.send({ to: '+41791234567', text: 'x' }, { deferUntil: new Date('nope') }));
    expect(error).toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.deferUntil' });
  });

  it('reads the balance and verifies with VersionInfo then CheckCredits', async () => {
    const balance = await env.provider.getBalance();
    expect(balance).toMatchObject({ amount: mock.credits(USER_KEY), unit: 'credits' });
    expect(Number.isNaN(Date.parse(balance.checkedAt))).toBe(false);
    const count = mock.requests.length;
    const info = await env.provider.verify();
    expect(info.detail).toContain('ASPSMSX2 mock 2.0 build:1');
    expect(mock.requests.slice(count).map((r) => r.operation)).toEqual(['VersionInfo', 'CheckCredits']);
  });

  it('declares its capabilities, with maxLength from the configured parts', async () => {
    expect(env.provider.capabilities).toMatchObject({ message: 'text', balance: true, maxLength: 1377, unicode: true, deliveryReceipts: true, multipleRecipients: true });
    const one = await setup(mock, { maxSegments: 1 });
    expect(one.provider.capabilities.maxLength).toBe(160);
    await one.registry.close();
  });

  it('rejects invalid recipients, over-long and unsendable texts before any request', async () => {
    const count = mock.requests.length;
    const bad = await rejection(env.provider.send({ to: ['+41791234567', 'hello', '079 123'], text: 'hi' }));
    expect(bad).toMatchObject({ code: 'INVALID_RECIPIENT', field: 'message.to[1]', upstream: { rejected: ['hello', '079 123'] } });
    const long = await rejection(env.provider.send({ to: '+41791234567', text: 'a'.repeat(1378) }));
    expect(long).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    expect(long.message).toContain('10 SMS parts');
    const longUnicode = await rejection(env.provider.send({ to: '+41791234567', text: 'ж'.repeat(604) }));
    expect(longUnicode).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    const control = await rejection(env.provider.send({ to: '+41791234567', text: 'bell \u0007' }));
    expect(control).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    const empty = await rejection(env.provider.send({ to: [], text: 'hi' }));
    expect(empty).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.to' });
    expect(mock.requests.length).toBe(count);
  });

  it('maps a locked numeric originator to CONFIG_INVALID and reports it in diagnostics', async () => {
    const locked = await setup(mock, { originator: '+41 79 222 00 00' });
    const error = await rejection(locked.provider.send({ to: '+41791234567', text: 'hi' }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.originator', upstream: { status: 30, description: 'Originator not authorized' } });
    expect(await locked.provider.diagnostics!()).toEqual([expect.objectContaining({ name: 'originator', ok: false, code: 'CONFIG_INVALID' })]);
    const unlocked = await setup(mock, { originator: '0041791110000' });
    expect(await unlocked.provider.diagnostics!()).toEqual([expect.objectContaining({ name: 'originator', ok: true })]);
    await expect(unlocked.provider.send({ to: '+41791234567', text: 'hi' })).resolves.toMatchObject({ accepted: ['+41791234567'] });
    await Promise.all([locked.registry.close(), unlocked.registry.close()]);
  });

  it('reads delivery status by reference, including an unknown subscriber', async () => {
    const result = await env.provider.send({ to: ['+41791234567', '+41790000000'], text: 'status?' });
    const refs = result.details!.references as Record<string, string>;
    const statuses = await env.provider.deliveryStatus(Object.values(refs));
    expect(statuses).toHaveLength(2);
    expect(statuses.find((s) => s.reference === refs['+41791234567'])).toMatchObject({ state: 'delivered', status: 0, reasonCode: '000' });
    expect(statuses.find((s) => s.reference === refs['+41790000000'])).toMatchObject({ state: 'failed', status: 2, reasonCode: '101' });
    mock.setDelivery(refs['+41791234567']!, { status: 1, reasonCode: '107' });
    expect(await env.provider.deliveryStatus([refs['+41791234567']!])).toEqual([expect.objectContaining({ state: 'buffered', reasonCode: '107' })]);
    expect(await env.provider.deliveryStatus(['NOSUCHREF'])).toEqual([]);
    expect(await rejection(env.provider.deliveryStatus(['bad ref!']))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'references[0]' });
  });

  it('splits more than 1000 recipients into batches', async () => {
    const to = Array.from({ length: 2345 }, (_, i) => `+4179${String(1_000_000 + i)}`);
    const count = mock.sent.length;
    const result = await env.provider.send({ to, text: 'many' });
    expect(result.accepted).toHaveLength(2345);
    expect(result.details).toMatchObject({ batches: 3 });
    const batches = mock.sent.slice(count);
    expect(batches.map((m) => m.recipients.length)).toEqual([1000, 1000, 345]);
    expect(new Set(batches.flatMap((m) => m.recipients.map((r) => r.reference))).size).toBe(2345);
  });

  it('maps upstream StatusCodes, unknown codes and garbage answers', async () => {
    mock.failNext('StatusCode:24', 'SendTextSMS');
    expect(await rejection(env.provider.send({ to: '+41791234567', text: 'x' }))).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { status: 24 } });
    mock.failNext('StatusCode:99', 'CheckCredits');
    expect(await rejection(env.provider.getBalance())).toMatchObject({ code: 'UNAVAILABLE', upstream: { status: 99, description: 'unknown status code' } });
    mock.failNext('<html>maintenance</html>', 'CheckCredits');
    expect(await rejection(env.provider.getBalance())).toMatchObject({ code: 'UNAVAILABLE' });
    mock.failNext('StatusCode:10', 'SendTextSMS');
    expect(await rejection(env.provider.send({ to: '+41791234567', text: 'x' }))).toMatchObject({ code: 'CONFIG_INVALID', field: 'config.originator' });
    mock.failNext('StatusCode:20', 'SendTextSMS');
    expect(await rejection(env.provider.send({ to: '+41791234567', text: 'x' }))).toMatchObject({ code: 'INVALID_RECIPIENT' });
  });

  it('aborts: a pre-aborted signal sends nothing', async () => {
    const count = mock.requests.length;
    const controller = new AbortController();
    controller.abort();
    expect(await rejection(env.provider.send({ to: '+41791234567', text: 'x' }, { signal: controller.signal }))).toMatchObject({ code: 'ABORTED' });
    expect(mock.requests.length).toBe(count);
  });
});

describe('ASPSMS account states', () => {
  let mock: AspsmsMock;
  beforeAll(async () => {
    mock = await startAspsmsMock({
      decimalComma: true,
      accounts: [
        { userKey: USER_KEY, password: PASSWORD, credits: 12.75 },
        { userKey: 'POORKEY00001', password: PASSWORD, credits: 0.5 },
        { userKey: 'HALFKEY00001', password: PASSWORD, credits: 1200 },
      ],
    });
  });
  afterAll(() => mock.close());

  it('reads fractional credits written with a decimal comma', async () => {
    const { provider, registry } = await setup(mock);
    expect((await provider.getBalance()).amount).toBe(12.75);
    expect(mock.requests.at(-1)!.result).toBe('Credits:12,75');
    await registry.close();
  });

  it('maps a wrong password or UserKey to AUTH_FAILED without sending', async () => {
    const wrongPassword = await setup(mock, {}, { password: 'not-the-password' });
    const wrongKey = await setup(mock, { userKey: 'NOSUCHKEY001' });
    for (const env of [wrongPassword, wrongKey]) {
      const error = await rejection(env.provider.send({ to: '+41791234567', text: 'x' }));
      expect(error).toMatchObject({ code: 'AUTH_FAILED', upstream: { status: 3 } });
      expect(await rejection(env.provider.verify())).toMatchObject({ code: 'AUTH_FAILED' });
      await env.registry.close();
    }
    expect(mock.sent).toHaveLength(0);
  });

  it('maps empty credit to INSUFFICIENT_CREDIT and charges nothing', async () => {
    const { provider, registry } = await setup(mock, { userKey: 'POORKEY00001' });
    const error = await rejection(provider.send({ to: '+41791234567', text: 'x' }));
    expect(error).toMatchObject({ code: 'INSUFFICIENT_CREDIT', upstream: { status: 5, description: 'Not enough credits available' } });
    expect(mock.credits('POORKEY00001')).toBe(0.5);
    await registry.close();
  });

  it('reports later batches that fail as rejected, with the reason', async () => {
    const { provider, registry, logs } = await setup(mock, { userKey: 'HALFKEY00001' });
    const to = Array.from({ length: 2500 }, (_, i) => `+4178${String(2_000_000 + i)}`);
    const result = await provider.send({ to, text: 'partial' });
    expect(result.accepted).toEqual(to.slice(0, 1000));
    expect(result.rejected).toEqual(to.slice(1000));
    expect(result.details!.failures).toEqual([
      expect.objectContaining({ recipients: 1000, code: 'INSUFFICIENT_CREDIT', status: 5 }),
      expect.objectContaining({ recipients: 500, code: 'INSUFFICIENT_CREDIT', status: 5 }),
    ]);
    expect(mock.credits('HALFKEY00001')).toBe(200);
    await registry.events();
    expect(logs.filter((l) => l.event === 'aspsms.batch.failed')).toHaveLength(2);
    await registry.close();
  });
});

describe('ASPSMS transport failures', () => {
  it('times out on a slow answer with TIMEOUT and aborts with ABORTED', async () => {
    const mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 5 }], delayMs: 5_000 });
    const { provider, registry } = await setup(mock, { timeoutMs: 150 });
    const error = await rejection(provider.send({ to: '+41791234567', text: 'slow' }));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(error.message).toContain('150 ms');
    expect(await rejection(provider.getBalance())).toMatchObject({ code: 'TIMEOUT' });
    const controller = new AbortController();
    const pending = provider.getBalance({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await rejection(pending)).toMatchObject({ code: 'ABORTED' });
    await registry.close();
    await mock.close();
  });

  it('maps an unreachable endpoint, SOAP faults, HTTP 500 and 429 answers', async () => {
    let mode: 'fault' | 'html' | 'limited' = 'fault';
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (mode === 'limited') {
          res.writeHead(429, { 'retry-after': '30', 'content-type': 'text/plain' }).end('slow down');
        } else if (mode === 'html') {
          res.writeHead(503, { 'content-type': 'text/html' }).end('<html><body>down</body></html>');
        } else {
          res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8' }).end(
            '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request.</faultstring></soap:Fault></soap:Body></soap:Envelope>',
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/aspsmsx2.asmx`;
    const fake = { url } as AspsmsMock;
    const { provider, registry } = await setup(fake);

    const fault = await rejection(provider.getBalance());
    expect(fault).toMatchObject({ code: 'UNAVAILABLE', retryable: true, upstream: { status: 500, description: 'Server was unable to process request.' } });
    mode = 'html';
    expect(await rejection(provider.getBalance())).toMatchObject({ code: 'UNAVAILABLE', upstream: { status: 503 } });
    mode = 'limited';
    expect(await rejection(provider.getBalance())).toMatchObject({ code: 'RATE_LIMITED', upstream: { status: 429, retryAfterSeconds: 30 } });
    await registry.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const down = await setup(fake);
    const error = await rejection(down.provider.send({ to: '+41791234567', text: 'x' }));
    expect(error).toMatchObject({ code: 'UNAVAILABLE' });
    expect(error.message).toContain('cannot reach ASPSMS at 127.0.0.1');
    await down.registry.close();
  });
});
