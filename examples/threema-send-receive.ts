/**
 * Threema.Gateway end to end: send an encrypted text, then receive callbacks on an HTTP endpoint.
 *
 *   THREEMA_GATEWAY_ID='*MYGWID1' THREEMA_SECRET=... THREEMA_PRIVATE_KEY=private:... \
 *   THREEMA_TO=ECHOECHO CALLBACK_PORT=8080 npx tsx examples/threema-send-receive.ts
 *
 * Configure `https://<your host>/threema` as the callback URL of the Gateway ID (TLS terminated by
 * your reverse proxy). Without THREEMA_GATEWAY_ID the example runs against the loopback mock
 * gateway and plays the recipient's reply itself. Create the key pair with
 * `npx transportkit threema keygen`.
 *
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRegistry } from 'transportkit';
import { createCallbackHandler, isThreemaProvider, threema } from 'transportkit/threema';
import { startThreemaGatewayMock } from 'transportkit/testing';

const env = process.env;
const mock = env.THREEMA_GATEWAY_ID ? undefined : await startThreemaGatewayMock();
const settings = mock?.providerSettings() ?? {
  config: { gatewayId: env.THREEMA_GATEWAY_ID!, ...(env.THREEMA_GATEWAY_URL ? { gatewayUrl: env.THREEMA_GATEWAY_URL } : {}) },
  secrets: { secret: env.THREEMA_SECRET ?? '', privateKey: env.THREEMA_PRIVATE_KEY ?? '' },
};
const to = env.THREEMA_TO ?? 'ECHOECHO';

const registry = createRegistry({ types: [threema()], logger: (entry) => console.log(`[${entry.level}] ${entry.event}: ${entry.msg}`) });
const record = await registry.create({ type: 'threema', name: 'Threema', ...settings });

// Sending: the recipient may be a Threema ID, an E.164 phone number (+41...) or an e-mail address.
const result = await registry.send(record.id, { to, text: 'Hello from transportkit 👋' });
console.log(`sent as ${result.messageId}`);
console.log(`credits left: ${(await registry.test(record.id)).steps.find((s) => s.name === 'balance')?.detail}`);

// Receiving: verify the MAC, decrypt, answer the gateway with 200 (or a bare 400 for forgeries).
const provider = await registry.resolve(record.id);
if (!isThreemaProvider(provider)) throw new Error('not a Threema provider');
const server = createServer(
  createCallbackHandler({
    receive: (body) => provider.receive(body),
    async onMessage(message) {
      if (message.type === 'text') {
        console.log(`${message.nickname ?? message.from} wrote: ${message.text}`);
        await provider.sendDeliveryReceipt(message.from, 'read', [message.messageId]);
      } else if (message.type === 'delivery-receipt') {
        console.log(`${message.from}: ${message.status} ${message.messageIds.join(', ')}`);
      } else if (message.type === 'file') {
        const file = await provider.downloadFile(message.file);
        console.log(`${message.from} sent ${message.file.name ?? 'a file'} (${file.data.length} bytes)`);
      }
    },
    onError: (error) => console.warn(`callback refused: ${error.code} ${error.message}`),
  }),
);
await new Promise<void>((resolve) => server.listen(Number(env.CALLBACK_PORT ?? 0), resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/threema`;
console.log(`callback endpoint listening on ${url}`);

if (mock) {
  console.log(`mock recipient read: ${JSON.stringify(mock.inbox('ECHOECHO')[0]?.content)}`);
  console.log(`callback answered ${await mock.postCallback(url, 'ECHOECHO', { type: 'text', text: 'Hi back!' }, { nickname: 'Echo' })}`);
  server.close();
  await registry.close();
  await mock.close();
}
