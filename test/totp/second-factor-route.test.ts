import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, memoryStorage, type LogEntry, type TransportStorage } from '../../src/index.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { threema } from '../../src/providers/threema/index.js';
import { createSecondFactor } from '../../src/providers/totp/index.js';
import { startAspsmsMock, startThreemaGatewayMock, type AspsmsMock, type ThreemaGatewayMock } from '../../src/testing/index.js';

/** ECHOECHO has this number at the Threema mock; the other number has no Threema ID. */
const THREEMA_PHONE = '+41791234567';
const NO_THREEMA = '+41797654321';
const PASSWORD = 'Pw-aspsms-2fa-Sekret';

let gateway: ThreemaGatewayMock;
let sms: AspsmsMock;
beforeAll(async () => {
  [gateway, sms] = await Promise.all([startThreemaGatewayMock(), startAspsmsMock({ accounts: [{ userKey: 'TESTKEY00001', password: PASSWORD, credits: 1000 }] })]);
});
afterAll(async () => {
  await Promise.all([gateway.close(), sms.close()]);
});

/** A registry with a Threema and an ASPSMS provider on the loopback peers, and the service. */
async function world(storage: TransportStorage = memoryStorage()) {
  const logs: LogEntry[] = [];
  const registry = createRegistry({ storage, types: [threema(), aspsms()], logger: (e) => logs.push(e), defaultEventLevel: 'debug' });
  const t = gateway.providerSettings();
  await registry.create({ type: 'threema', id: 'threema', name: 'Threema', config: t.config, secrets: t.secrets });
  await registry.create({ type: 'aspsms', id: 'sms', name: 'SMS', config: { userKey: 'TESTKEY00001', originator: 'Shop', serviceUrl: sms.url }, secrets: { password: PASSWORD } });
  const factor = createSecondFactor({ registry, storage });
  return { registry, factor, storage, logs };
}

const codeIn = (text: string | undefined) => /\b(\d{6})\b/.exec(text ?? '')?.[1] ?? '';
const threemaCode = (id: string) => {
  const content = gateway.inbox(id).at(-1)?.content;
  return codeIn(content?.type === 'text' ? content.text : undefined);
};
const smsCode = (number: string) => codeIn(sms.sent.filter((m) => m.recipients.some((r) => r.number.replace(/^00/, '+') === number)).at(-1)?.text);

describe('second factor over a route (Threema first, SMS when the user has no Threema ID)', () => {
  it('delivers by Threema when the number has a Threema ID', async () => {
    const { factor } = await world();
    const smsBefore = sms.sent.length;
    const info = await factor.challenge('alice', { route: { providers: ['threema', 'sms'] }, address: THREEMA_PHONE });
    expect(info).toMatchObject({ providerId: 'threema', channel: 'threema', delivered: true, attempts: [{ providerId: 'threema', ok: true }] });
    expect(sms.sent.length).toBe(smsBefore);
    const code = threemaCode('ECHOECHO');
    expect(code).toMatch(/^\d{6}$/);
    expect(await factor.pending('alice')).toMatchObject({ providerId: 'threema', delivered: true });
    expect(await factor.verify('alice', code)).toStrictEqual({ ok: true });
  });

  it('falls back to SMS when Threema knows no ID for the number; the challenge records the SMS provider', async () => {
    const { factor, storage, registry, logs } = await world();
    const info = await factor.challenge('bob', { route: { providers: ['threema', 'sms'] }, address: NO_THREEMA });
    expect(info).toMatchObject({
      providerId: 'sms',
      channel: 'sms',
      delivered: true,
      attempts: [
        { providerId: 'threema', ok: false, code: 'INVALID_RECIPIENT', decision: 'next' },
        { providerId: 'sms', ok: true },
      ],
    });
    expect((await storage.challenges.get('bob'))?.deliveredBy).toBe('sms');
    expect(await factor.pending('bob')).toMatchObject({ providerId: 'sms', delivered: true });
    const code = smsCode(NO_THREEMA);
    expect(code).toMatch(/^\d{6}$/);
    const wrong = code.replace(/^./, (d) => String((Number(d) + 1) % 10));
    expect(await factor.verify('bob', wrong)).toStrictEqual({ ok: false, reason: 'mismatch' });
    expect(await factor.verify('bob', code)).toStrictEqual({ ok: true });
    const events = await registry.events({ providerId: 'sms' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['second-factor.challenge', 'second-factor.rejected', 'second-factor.verified']));
    expect((await registry.events({ types: ['route.failover'] })).at(-1)?.message).toBe('skipped threema: INVALID_RECIPIENT, trying sms');
    // The code never reaches an event or a log line.
    expect(JSON.stringify(await registry.events()) + JSON.stringify(logs)).not.toContain(code);
  });

  it('a stored route is chosen by its id, and per-channel addresses reach each provider', async () => {
    const { factor, registry } = await world();
    await registry.create({ type: 'route', id: 'codes', name: 'Codes', config: { providers: ['threema', 'sms'] } });
    const direct = await factor.challenge('carol', { providerId: 'codes', addresses: { threema: 'ECHOECHO', sms: NO_THREEMA } });
    expect(direct).toMatchObject({ providerId: 'threema', attempts: [{ providerId: 'threema', ok: true }] });
    expect(await factor.verify('carol', threemaCode('ECHOECHO'))).toStrictEqual({ ok: true });
    // Only an SMS address: Threema is left out of the route (nothing to address it with).
    const smsOnly = await factor.challenge('dave', { providerId: 'codes', addresses: { sms: NO_THREEMA } });
    expect(smsOnly).toMatchObject({ providerId: 'sms', attempts: [{ providerId: 'sms', ok: true }] });
  });

  it('throttles a route like one channel and refuses what no provider can take', async () => {
    const { factor } = await world();
    await factor.challenge('erin', { route: { providers: ['threema', 'sms'] }, address: NO_THREEMA });
    const again = await factor.challenge('erin', { route: { providers: ['threema', 'sms'] }, address: NO_THREEMA }).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'RATE_LIMITED', details: { reason: 'resend-window', channel: 'threema+sms' } });
    await expect(factor.challenge('frank', { route: { providers: ['threema', 'sms'] } })).rejects.toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.address' });
    await expect(factor.challenge('frank', { route: { providers: ['threema', 'sms'] }, address: 'not a number' })).rejects.toMatchObject({ code: 'INVALID_RECIPIENT', field: 'options.address' });
    await expect(factor.challenge('frank', { providerId: 'sms', route: { providers: ['sms'] }, address: NO_THREEMA })).rejects.toMatchObject({ code: 'MESSAGE_INVALID', field: 'options.providerId' });
    // A failed route gives the window back: the next challenge may go at once.
    const error = await factor.challenge('gina', { route: { providers: ['threema'] }, address: NO_THREEMA }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { attempts: [{ providerId: 'threema', code: 'INVALID_RECIPIENT' }] } });
    expect(await factor.challenge('gina', { route: { providers: ['threema', 'sms'] }, address: NO_THREEMA })).toMatchObject({ providerId: 'sms' });
  });
});
