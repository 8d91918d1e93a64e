import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/index.js';
import { aspsms, ASPSMS_NAMESPACE, ASPSMS_OPERATIONS, ASPSMS_WSDL, type AspsmsProvider } from '../../src/providers/aspsms/index.js';

/** The real ASPSMSX2 WSDL lives outside the repository (it must not be copied into it). */
const REAL_WSDL = fileURLToPath(new URL('../../../shared/fixtures/aspsms/aspsmsx2.wsdl', import.meta.url));
const present = existsSync(REAL_WSDL);
const REASON = `the real ASPSMS WSDL is not available at ${REAL_WSDL} (../shared is absent), so the interop test cannot run`;
if (!present) console.warn(`[aspsms interop] skipped: ${REASON}`);

const PASSWORD = 'Interop-Pw-9731';

interface Described {
  [service: string]: { [port: string]: { [op: string]: { input: Record<string, string>; output: Record<string, string> } } };
}

async function load(xml: string): Promise<soap.WSDL> {
  return new Promise((resolve, reject) => {
    const wsdl = new soap.WSDL(xml, 'aspsmsx2.wsdl', {});
    wsdl.onReady((error: unknown) => (error ? reject(error) : resolve(wsdl)));
  });
}

// The only skip of the suite: it runs whenever ../shared/fixtures is present, and says why otherwise.
describe.runIf(present)(`interop with the real ASPSMS WSDL (skipped only when ${REAL_WSDL} is absent)`, () => {
  let realXml: string;
  let server: http.Server;
  let url: string;
  const received: { operation: string; args: Record<string, unknown> }[] = [];
  const raw: { soapAction: string | undefined; contentType: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    realXml = readFileSync(REAL_WSDL, 'utf8');
    const answers: Record<string, (args: Record<string, unknown>) => string> = {
      SendTextSMS: () => 'StatusCode:1',
      SendUnicodeSMS: () => 'StatusCode:1',
      CheckCredits: () => 'Credits:41,5',
      InquireDeliveryNotifications: (args) => `${String(args.TransactionReferenceNumbers).split(';')[0]};0;21012021134628;21012021134634;000;;`,
      CheckOriginatorAuthorization: () => 'StatusCode:31',
      VersionInfo: () => '2.1.7 build:20171212',
    };
    const port: Record<string, (args: Record<string, unknown>) => Record<string, string>> = {};
    for (const [operation, answer] of Object.entries(answers)) {
      port[operation] = (args) => {
        received.push({ operation, args: { ...args } });
        return { [`${operation}Result`]: answer(args ?? {}) };
      };
    }
    server = http.createServer();
    // soap.listen replaces the server's request listeners once the WSDL is parsed: observe raw requests after that.
    await new Promise<void>((resolve, reject) => {
      soap.listen(server, '/aspsmsx2.asmx', { ASPSMSX2: { ASPSMSX2Soap: port, ASPSMSX2Soap12: port } }, realXml, (error: unknown) => (error ? reject(error) : resolve()));
    });
    server.prependListener('request', (req: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => raw.push({ soapAction: req.headers.soapaction as string | undefined, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/aspsmsx2.asmx`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('declares the same operations, element names, order, SOAPActions and namespace as the real WSDL', async () => {
    const [real, ours] = await Promise.all([load(realXml), load(ASPSMS_WSDL)]);
    const realPort = (real.describeServices() as Described).ASPSMSX2!.ASPSMSX2Soap!;
    const ourPort = (ours.describeServices() as Described).ASPSMSX2!.ASPSMSX2Soap!;
    expect(Object.keys(ourPort).sort()).toEqual(Object.keys(ASPSMS_OPERATIONS).sort());
    const realDefs = (real as unknown as { definitions: { $targetNamespace: string; bindings: Record<string, { methods: Record<string, { soapAction: string; style?: string }> }> } }).definitions;
    const ourDefs = (ours as unknown as typeof real & { definitions: typeof realDefs }).definitions;
    expect(ourDefs.$targetNamespace).toBe(realDefs.$targetNamespace);
    expect(ourDefs.$targetNamespace).toBe(ASPSMS_NAMESPACE);
    for (const operation of Object.keys(ASPSMS_OPERATIONS)) {
      expect(realPort[operation], operation).toBeDefined();
      expect(Object.keys(ourPort[operation]!.input), operation).toEqual(Object.keys(realPort[operation]!.input));
      expect(ourPort[operation]!.output, operation).toEqual(realPort[operation]!.output);
      expect(ourDefs.bindings.ASPSMSX2Soap!.methods[operation]!.soapAction).toBe(realDefs.bindings.ASPSMSX2Soap!.methods[operation]!.soapAction);
    }
  });

  it('gets every request of the provider accepted by a server generated from the real WSDL', async () => {
    const registry = createRegistry({ types: [aspsms()] });
    const info = await registry.create({
      type: 'aspsms',
      config: { userKey: 'INTEROPKEY01', originator: '+41791110000', serviceUrl: url, deliveryNotificationUrl: 'https://example.test/dlr?trn=<TRN>' },
      secrets: { password: PASSWORD },
    });
    const provider = (await registry.resolve(info.id)) as AspsmsProvider;

    const text = await provider.send({ to: ['+41 79 123 45 67', '0041797654321'], text: 'Grüezi & <hello>' }, { flash: true });
    const unicode = await provider.send({ to: '+41791234567', text: 'Привет 😀' });
    expect((await provider.getBalance()).amount).toBe(41.5);
    expect((await provider.verify()).detail).toContain('2.1.7 build:20171212');
    const reference = (text.details!.references as Record<string, string>)['+41791234567']!;
    expect(await provider.deliveryStatus([reference])).toEqual([expect.objectContaining({ reference, state: 'delivered' })]);
    expect(await provider.diagnostics!()).toEqual([expect.objectContaining({ name: 'originator', ok: true })]);
    await registry.close();

    expect(received.map((r) => r.operation)).toEqual([
      'SendTextSMS',
      'SendUnicodeSMS',
      'CheckCredits',
      'VersionInfo',
      'CheckCredits',
      'InquireDeliveryNotifications',
      'CheckOriginatorAuthorization',
    ]);
    const sendArgs = received[0]!.args;
    expect(sendArgs).toMatchObject({
      UserKey: 'INTEROPKEY01',
      Password: PASSWORD,
      Originator: '+41791110000',
      MessageText: 'Grüezi & <hello>',
      FlashingSMS: 'True',
      URLDeliveryNotification: 'https://example.test/dlr?trn=<TRN>',
      Recipients: `+41791234567:${reference};+41797654321:${(text.details!.references as Record<string, string>)['+41797654321']}`,
    });
    expect(received[1]!.args).toMatchObject({ MessageText: 'Привет 😀', Recipients: `+41791234567:${(unicode.details!.references as Record<string, string>)['+41791234567']}` });
    expect(received[2]!.args).toEqual({ UserKey: 'INTEROPKEY01', Password: PASSWORD });
    expect(received[5]!.args).toEqual({ UserKey: 'INTEROPKEY01', Password: PASSWORD, TransactionReferenceNumbers: reference });
    expect(received[6]!.args).toEqual({ UserKey: 'INTEROPKEY01', Password: PASSWORD, Originator: '+41791110000' });

    expect(raw).toHaveLength(received.length);
    for (const request of raw) {
      const operation = /<(\w+) xmlns="https:\/\/webservice\.aspsms\.com\/aspsmsx2\.asmx">|<(\w+) xmlns="https:\/\/webservice\.aspsms\.com\/aspsmsx2\.asmx"\/>/.exec(request.body);
      const name = operation?.[1] ?? operation?.[2];
      expect(name, request.body.slice(0, 300)).toBeDefined();
      expect(request.soapAction).toBe(`"${ASPSMS_NAMESPACE}/${name}"`);
      expect(request.contentType).toContain('text/xml');
      // Elements in the real WSDL's sequence order.
      const fields = ASPSMS_OPERATIONS[name as keyof typeof ASPSMS_OPERATIONS] as readonly string[];
      const positions = fields.map((f) => request.body.indexOf(`<${f}>`)).filter((p) => p >= 0);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    }
  });
});
