/**
 * Threema: encryption with the cached shared key (box.before once per recipient) versus nacl.box
 * recomputing the key per message; and sends through the gateway mock with bounded concurrency,
 * counting public-key lookups (must equal the distinct recipients within the cache TTL).
 */
import nacl from 'tweetnacl';
import { createRegistry } from '../../src/index.js';
import { encodeContent } from '../../src/providers/threema/content.js';
import { encryptBox, padContainer, randomNonce, sharedKey } from '../../src/providers/threema/e2e.js';
import { threema } from '../../src/providers/threema/index.js';
import { startThreemaGatewayMock } from '../../src/testing/index.js';
import { quick, report, time } from '../lib.js';

const messages = quick ? 300 : 10_000;
const sends = quick ? 200 : 2_000;
const inFlight = 16;
const recipients = Array.from({ length: 10 }, () => nacl.box.keyPair());
const me = nacl.box.keyPair();
const text = (i: number) => {
  const { type, data } = encodeContent({ type: 'text', text: `Message ${i}: your appointment is confirmed for tomorrow at 10:30.` });
  return padContainer(type, data);
};

const perMessage = await time(() => {
  for (let i = 0; i < messages; i++) nacl.box(text(i), randomNonce(), recipients[i % 10]!.publicKey, me.secretKey);
}, quick ? 2 : 3, 0);
const cached = await time(() => {
  const keys = recipients.map((r) => sharedKey(r.publicKey, me.secretKey));
  for (let i = 0; i < messages; i++) encryptBox(text(i), keys[i % 10]!);
}, quick ? 3 : 5);

const ids = Array.from({ length: 10 }, (_, i) => `BENCH${String(i).padStart(3, '0')}`);
const gateway = await startThreemaGatewayMock({ credits: 1_000_000, users: ids.map((id) => ({ id })) });
const registry = createRegistry({ types: [threema()], defaultEventLevel: 'errors' });
const settings = gateway.providerSettings();
const provider = await registry.create({ type: 'threema', config: settings.config, secrets: settings.secrets });
const sendAll = async () => {
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < sends) {
        const i = next++;
        await registry.send(provider.id, { to: ids[i % ids.length]!, text: `Notification ${i}` });
      }
    }),
  );
};
const sendRuns = await time(sendAll, quick ? 1 : 3, 0);
const lookups = gateway.counters.pubkeys;
const delivered = gateway.received.length;

report({
  scenario: 'threema',
  goal: 'cached shared key clearly faster than nacl.box per message; public-key lookups = distinct recipients',
  variants: [
    { variant: 'nacl.box per message', work: `${messages} messages, 10 recipients`, runsMs: perMessage, items: messages },
    { variant: 'cached shared key', work: `${messages} messages, 10 recipients`, runsMs: cached, items: messages, baselineOf: 'nacl.box per message' },
    {
      variant: `registry.send via gateway mock (${inFlight} in flight)`,
      work: `${sends} sends`,
      runsMs: sendRuns,
      items: sends,
      extra: { pubkeyLookups: lookups, distinctRecipients: ids.length, delivered },
    },
  ],
  notes: [`public-key lookups ${lookups} for ${ids.length} distinct recipients over ${delivered} delivered messages (the mock decrypts every box in the same process)`],
});
await registry.close();
await gateway.close();
