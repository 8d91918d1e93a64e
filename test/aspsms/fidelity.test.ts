import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASPSMS_NAMESPACE, estimateSms, parseDeliveryNotifications, transliterateToGsm7 } from '../../src/providers/aspsms/index.js';
import { startAspsmsMock, type AspsmsMock } from '../../src/testing/index.js';
import { PASSWORD, USER_KEY, rejection, setup } from './setup.js';

const REAL_WSDL = fileURLToPath(new URL('../../../shared/fixtures/aspsms/aspsmsx2.wsdl', import.meta.url));
const realWsdlPresent = existsSync(REAL_WSDL);
const SOAP11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';

let mock: AspsmsMock;
let env: Awaited<ReturnType<typeof setup>>;

beforeAll(async () => {
  mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 10_000 }, { userKey: 'POORKEY00001', password: PASSWORD, credits: 1 }] });
  env = await setup(mock);
});
afterAll(async () => {
  await env.registry.close();
  await mock.close();
});

describe('trunk-prefix notation', () => {
  it('drops (0) after the country code: +41 (0)79 ... and 0041 (0)79 ... are sent to +4179..., not +41079...', async () => {
    const result = await env.registry.send(env.id, { to: ['+41 (0)79 123 45 67', '0041 (0)79 765 43 21', '+44 (0)20 7946 0000'], text: 'trunk' });
    expect(result.accepted).toEqual(['+41791234567', '+41797654321', '+442079460000']);
    expect(mock.sent.at(-1)!.recipients.map((r) => r.number)).toEqual(['+41791234567', '+41797654321', '+442079460000']);
    expect(env.provider.validateAddress('+41(0)791234567')).toStrictEqual({ ok: true, normalized: '+41791234567' });
    // Brackets around an area code are kept: only a lone 0 is the trunk prefix.
    expect(env.provider.validateAddress('+41 (79) 123 45 67')).toStrictEqual({ ok: true, normalized: '+41791234567' });
  });
});

describe('GSM 7-bit transliteration and the estimate', () => {
  const french = 'Ça coûte 5 € – merci';

  it('estimate() tells the encoding, the parts and which characters force UCS-2, without any request', () => {
    const before = mock.requests.length;
    expect(env.provider.estimate(french)).toMatchObject({
      encoding: 'ucs2',
      operation: 'SendUnicodeSMS',
      segments: 1,
      transliterated: false,
      unicodeCharacters: ['û', '–'],
      text: french,
      fits: true,
      maxSegments: 9,
    });
    expect(env.provider.estimate(french, { transliterate: true })).toMatchObject({
      encoding: 'gsm7',
      operation: 'SendTextSMS',
      transliterated: true,
      replaced: ['û', '–'],
      unicodeCharacters: [],
      text: 'Ça coute 5 € - merci',
    });
    const long = `${'Bonjour, votre rendez-vous est confirmé. '.repeat(3)}Reçu.`;
    expect(env.provider.estimate(long)).toMatchObject({ encoding: 'ucs2', segments: 2, unicodeCharacters: ['ç'] });
    expect(env.provider.estimate(long, { transliterate: true })).toMatchObject({ encoding: 'gsm7', segments: 1, text: long.replace('ç', 'Ç') });
    expect(mock.requests).toHaveLength(before);
  });

  it('with transliterate on, a text whose characters all have a GSM equivalent goes out as SendTextSMS, at the GSM part count', async () => {
    const { provider, registry } = await setup(mock, { transliterate: true });
    const text = '“Hello”\tyou’re invited — ça va? …';
    const result = await provider.send({ to: '+41791234567', text });
    expect(result.segments).toBe(1);
    expect(result.details).toMatchObject({ operation: 'SendTextSMS', encoding: 'gsm7', transliterated: true });
    expect(mock.sent.at(-1)).toMatchObject({ operation: 'SendTextSMS', text: '"Hello" you\'re invited - Ça va? ...', segments: 1, cost: 1 });
    await registry.close();
  });

  it('a character without an equivalent (an emoji) keeps the whole text as it is, in UCS-2, and says which', async () => {
    const { provider, registry } = await setup(mock, { transliterate: true });
    const text = 'Fête 🎉';
    const result = await provider.send({ to: '+41791234567', text });
    expect(result.details).toMatchObject({ operation: 'SendUnicodeSMS', encoding: 'ucs2', transliterated: false, unicodeCharacters: ['🎉'] });
    expect(mock.sent.at(-1)).toMatchObject({ operation: 'SendUnicodeSMS', text });
    await registry.close();
  });

  it('is off by default (the text is the host’s) and can be switched per send', async () => {
    const plain = await env.provider.send({ to: '+41791234567', text: 'Crème brûlée' });
    expect(plain.details).toMatchObject({ encoding: 'ucs2', transliterated: false, unicodeCharacters: ['û'] });
    expect(mock.sent.at(-1)!.text).toBe('Crème brûlée');
    const switched = await env.provider.send({ to: '+41791234567', text: 'Crème brûlée' }, { transliterate: true });
    expect(switched.details).toMatchObject({ encoding: 'gsm7', transliterated: true, replaced: ['û'] });
    expect(mock.sent.at(-1)!.text).toBe('Crème brulée');
  });

  it('the transliteration table leaves GSM characters alone and maps only close equivalents', () => {
    expect(transliterateToGsm7('äöü ÄÖÜ éè à ñ ß Ç € {}')).toEqual({ text: 'äöü ÄÖÜ éè à ñ ß Ç € {}', replaced: [], remaining: [] });
    expect(transliterateToGsm7('ê\u00a0á\u200bł')).toEqual({ text: 'e a' + 'l', replaced: ['ê', '\u00a0', 'á', '\u200b', 'ł'], remaining: [] });
    expect(transliterateToGsm7('Привет')).toMatchObject({ remaining: ['П', 'р', 'и', 'в', 'е', 'т'] });
    expect(estimateSms('tab\there')).toMatchObject({ encoding: 'ucs2', unicodeCharacters: ['\t'] });
  });
});

describe('Swiss local time (CET/CEST)', () => {
  it('reads delivery dates as Swiss local time, daylight saving time included', () => {
    const records = 'S1;0;01072030120000;01072030120512;000;;\nW1;0;15012030120000;15012030120512;000;;';
    expect(parseDeliveryNotifications(records).map((r) => [r.reference, r.submittedAt, r.notifiedAt])).toEqual([
      ['S1', '2030-07-01T10:00:00.000Z', '2030-07-01T10:05:12.000Z'],
      ['W1', '2030-01-15T11:00:00.000Z', '2030-01-15T11:05:12.000Z'],
    ]);
  });

  it('defers across the change to summer time and back in local time', async () => {
    await env.provider.send({ to: '+41791234567', text: 'before' }, { deferUntil: new Date('2030-03-31T00:30:00Z') });
    expect(mock.sent.at(-1)!.deferredDeliveryTime).toBe('31032030013000');
    await env.provider.send({ to: '+41791234567', text: 'after' }, { deferUntil: new Date('2030-03-31T01:30:00Z') });
    expect(mock.sent.at(-1)!.deferredDeliveryTime).toBe('31032030033000');
    await env.provider.send({ to: '+41791234567', text: 'autumn' }, { deferUntil: new Date('2030-10-27T01:30:00Z') });
    expect(mock.sent.at(-1)!.deferredDeliveryTime).toBe('27102030023000');
  });

  it('a configured time zone replaces it, for sends and delivery status; an unknown zone is CONFIG_INVALID', async () => {
    const { provider, registry } = await setup(mock, { timeZone: 'Etc/GMT-1' });
    await provider.send({ to: '+41791234567', text: 'fixed' }, { deferUntil: new Date('2030-07-01T10:00:00Z') });
    expect(mock.sent.at(-1)!.deferredDeliveryTime).toBe('01072030110000');
    mock.failNext('ABC1;0;01072030110000;01072030110500;000;;', 'InquireDeliveryNotifications');
    expect(await provider.deliveryStatus(['ABC1'])).toEqual([expect.objectContaining({ reference: 'ABC1', submittedAt: '2030-07-01T10:00:00.000Z' })]);
    await registry.close();
    const error = await rejection(env.registry.create({ type: 'aspsms', config: { userKey: USER_KEY, originator: 'Shop', serviceUrl: mock.url, timeZone: 'Mars/Olympus' }, secrets: { password: PASSWORD } }));
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
  });
});

describe('per-recipient outcome', () => {
  it('later batches that fail carry their StatusCode and whether it is temporary', async () => {
    const to = Array.from({ length: 1500 }, (_, i) => `+4178${String(3_000_000 + i)}`);
    mock.failNext('StatusCode:1', 'SendTextSMS');
    mock.failNext('StatusCode:24', 'SendTextSMS');
    const result = await env.provider.send({ to, text: 'batched' });
    expect(result.accepted).toHaveLength(1000);
    expect(result.rejections).toHaveLength(500);
    expect(result.rejections![0]).toMatchObject({ recipient: to[1000], status: 24, temporary: true, code: 'UNAVAILABLE' });
    mock.failNext('StatusCode:1', 'SendTextSMS');
    mock.failNext('StatusCode:5', 'SendTextSMS');
    const poor = await env.provider.send({ to, text: 'batched' });
    expect(poor.rejections![499]).toMatchObject({ recipient: to[1499], status: 5, temporary: false, code: 'INSUFFICIENT_CREDIT' });
  });

  it('invalid numbers fail the send before any request, each named with its reason', async () => {
    const before = mock.requests.length;
    const error = await rejection(env.provider.send({ to: ['+41791234567', 'not a number', '12'], text: 'x' }));
    expect(error).toMatchObject({ code: 'INVALID_RECIPIENT', upstream: { rejected: ['not a number', '12'] } });
    expect((error as { details?: { rejections?: unknown[] } }).details?.rejections).toEqual([
      expect.objectContaining({ recipient: 'not a number', temporary: false, code: 'INVALID_RECIPIENT' }),
      expect.objectContaining({ recipient: '12', temporary: false, code: 'INVALID_RECIPIENT' }),
    ]);
    expect(mock.requests).toHaveLength(before);
  });

  it('text with a lone UTF-16 surrogate is MESSAGE_INVALID before any request', async () => {
    const before = mock.requests.length;
    expect(await rejection(env.registry.send(env.id, { to: '+41791234567', text: 'cut 😀'.slice(0, -1) }))).toMatchObject({ code: 'MESSAGE_INVALID', field: 'message.text' });
    expect(mock.requests).toHaveLength(before);
  });
});

describe('the mock answers in the SOAP version it was asked in, and faults what it does not implement', () => {
  /** A raw SOAP request to the mock. */
  async function post(version: '1.1' | '1.2', operation: string, inner: string, options: { namespace?: string } = {}) {
    const envelope = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${options.namespace ?? (version === '1.1' ? SOAP11 : SOAP12)}"><soap:Body><${operation} xmlns="${ASPSMS_NAMESPACE}">${inner}</${operation}></soap:Body></soap:Envelope>`;
    const headers: Record<string, string> =
      version === '1.1'
        ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ASPSMS_NAMESPACE}/${operation}"` }
        : { 'content-type': `application/soap+xml; charset=utf-8; action="${ASPSMS_NAMESPACE}/${operation}"` };
    const res = await fetch(mock.url, { method: 'POST', headers, body: envelope });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
  }
  const credentials = `<UserKey>${USER_KEY}</UserKey><Password>${PASSWORD.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</Password>`;

  it('a SOAP 1.2 request gets a SOAP 1.2 answer', async () => {
    const answer = await post('1.2', 'CheckCredits', credentials);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/soap\+xml/);
    expect(answer.body).toContain(`xmlns:soap="${SOAP12}"`);
    expect(answer.body).toMatch(/<CheckCreditsResult>Credits:\d+/);
    expect(mock.requests.at(-1)).toMatchObject({ operation: 'CheckCredits', soapVersion: '1.2' });
    const classic = await post('1.1', 'CheckCredits', credentials);
    expect(classic.type).toMatch(/^text\/xml/);
    expect(classic.body).toContain(`xmlns:soap="${SOAP11}"`);
  });

  it('an operation it does not implement is a SOAP Fault in the request version, recorded and charged nothing', async () => {
    const credits = mock.credits(USER_KEY);
    const sent = mock.sent.length;
    const inner = `${credentials}<Recipients>+41791234567</Recipients><Originator>Shop</Originator><MessageText>x</MessageText>`;
    const v11 = await post('1.1', 'SendSimpleTextSMS', inner);
    expect(v11.status).toBe(500);
    expect(v11.type).toMatch(/^text\/xml/);
    expect(v11.body).toMatch(/<soap:Fault><faultcode>soap:Client<\/faultcode><faultstring>[^<]*SendSimpleTextSMS/);
    const v12 = await post('1.2', 'SendSimpleTextSMS', inner);
    expect(v12.status).toBe(500);
    expect(v12.type).toMatch(/^application\/soap\+xml/);
    expect(v12.body).toMatch(/<soap:Code><soap:Value>soap:Sender<\/soap:Value><\/soap:Code><soap:Reason><soap:Text xml:lang="en">[^<]*SendSimpleTextSMS/);
    expect(mock.requests.at(-1)).toMatchObject({ operation: 'SendSimpleTextSMS', soapVersion: '1.2', fault: expect.stringContaining('SendSimpleTextSMS') });
    expect(mock.sent).toHaveLength(sent);
    expect(mock.credits(USER_KEY)).toBe(credits);
  });

  it('a 1.2 envelope sent as text/xml is a VersionMismatch fault', async () => {
    const answer = await post('1.1', 'CheckCredits', credentials, { namespace: SOAP12 });
    expect(answer.status).toBe(500);
    expect(answer.body).toContain('<faultcode>soap:VersionMismatch</faultcode>');
  });

  describe.runIf(realWsdlPresent)('clients generated from the real WSDL (both bindings)', () => {
    async function realClient(soap12: boolean): Promise<soap.Client> {
      const client = await soap.createClientAsync(readFileSync(REAL_WSDL, 'utf8'), soap12 ? { forceSoap12Headers: true } : {});
      client.setEndpoint(mock.url);
      return client;
    }

    it('a SOAP 1.2 client sends and reads its answer; the SMS is recorded once', async () => {
      const client = await realClient(true);
      const sent = mock.sent.length;
      const [result] = (await (client as unknown as Record<string, (a: object) => Promise<[Record<string, string>]>>).SendTextSMSAsync!({
        UserKey: USER_KEY,
        Password: PASSWORD,
        Recipients: '+41791234567:REF12',
        Originator: 'Shop',
        MessageText: 'via SOAP 1.2',
      }));
      expect(result.SendTextSMSResult).toBe('StatusCode:1');
      expect(mock.sent).toHaveLength(sent + 1);
      expect(mock.requests.at(-1)).toMatchObject({ operation: 'SendTextSMS', soapVersion: '1.2' });
    });

    it.each([false, true])('an operation of the real WSDL the mock lacks is a fault the client reports (SOAP 1.2: %s)', async (soap12) => {
      const client = await realClient(soap12);
      const credits = mock.credits(USER_KEY);
      const error = await (client as unknown as Record<string, (a: object) => Promise<unknown>>).SendSimpleTextSMSAsync!({
        UserKey: USER_KEY,
        Password: PASSWORD,
        Recipients: '+41791234567',
        Originator: 'Shop',
        MessageText: 'x',
      }).catch((e: unknown) => e as { response?: { status?: number }; root?: { Envelope?: { Body?: { Fault?: unknown } } } });
      expect((error as { response?: { status?: number } }).response?.status).toBe(500);
      expect(JSON.stringify((error as { root?: { Envelope?: { Body?: { Fault?: unknown } } } }).root?.Envelope?.Body?.Fault)).toContain('SendSimpleTextSMS');
      expect(mock.credits(USER_KEY)).toBe(credits);
    });
  });
});

describe('the README StatusCode mapping is the code', () => {
  it('every code named in the README maps as it says, unknown ones are not retryable', async () => {
    const { statusError } = await import('../../src/providers/aspsms/index.js');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('**Results are parsed, never the HTTP status alone**');
    const bullet = readme.slice(start, readme.indexOf('\n- ', start)).replace(/\s+/g, ' ');
    const segments = bullet.slice(bullet.indexOf('Codes ')).split(';');
    let checked = 0;
    for (const segment of segments) {
      const mapping = /^(.*)→ `([A-Z_]+)`(.*)$/.exec(segment.trim());
      if (!mapping) continue;
      const retryable = /not retryable/.test(mapping[3]!) ? false : /retryable/.test(mapping[3]!) ? true : undefined;
      const numbers = [...mapping[1]!.matchAll(/(\d+)(?:-(\d+))?/g)].flatMap(([, a, b]) => Array.from({ length: Number(b ?? a) - Number(a) + 1 }, (_, i) => Number(a) + i));
      const codes = /unknown/.test(mapping[1]!) ? [26, 27, 99] : numbers;
      for (const status of codes) {
        const error = statusError(status, 'SendTextSMS');
        expect({ status, code: error.code }).toEqual({ status, code: mapping[2] });
        if (retryable !== undefined) expect({ status, retryable: error.retryable }).toEqual({ status, retryable });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(20);
  });
});
