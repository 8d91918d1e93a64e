import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, memoryTransport, type LogEntry, type ProviderRegistry } from '../../src/index.js';
import { aspsms, aspsmsSendDetails, pollAspsmsDeliveryStatus } from '../../src/providers/aspsms/index.js';
import { startAspsmsMock, type AspsmsMock } from '../../src/testing/index.js';
import { leaksIn, printout } from '../smtp/helpers/leaks.js';
import { PASSWORD, USER_KEY } from './setup.js';

const OK = '+41791234567';
const UNKNOWN = '+41790000000';

describe('polling ASPSMS delivery status', () => {
  let mock: AspsmsMock;
  let registry: ProviderRegistry;
  const logs: LogEntry[] = [];
  const id = 'sms';

  beforeAll(async () => {
    // No notification URLs: a host without a public endpoint.
    mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 100 }], unknownRecipients: [UNKNOWN], inquiryCost: 0.25 });
    registry = createRegistry({ types: [aspsms(), memoryTransport()], logger: (e) => logs.push(e) });
    await registry.create({ type: 'aspsms', id, eventLevel: 'debug', config: { userKey: USER_KEY, originator: 'Shop', serviceUrl: mock.url }, secrets: { password: PASSWORD } });
    await registry.create({ type: 'memory', id: 'mem', config: { channel: 'sms' } });
  });
  afterAll(async () => {
    await registry.close();
    await mock.close();
  });

  const send = async (to: string | string[]) => {
    const result = await registry.send(id, { to, text: 'Grüezi' });
    return { result, messageId: result.messageId!, references: aspsmsSendDetails(result)!.references };
  };

  it('records the final states it finds, per message and per reference, and returns what it found', async () => {
    const single = await send(OK);
    const multi = await send([OK, UNKNOWN]);
    const waiting = await send(OK);
    mock.setDelivery(waiting.references[OK]!, { status: 1, reasonCode: '107' });
    expect(await registry.deliveryStatus(single.messageId)).toMatchObject({ state: 'accepted' });
    const credits = mock.credits(USER_KEY)!;

    const found = await pollAspsmsDeliveryStatus(registry, id, [single, multi, waiting].map(({ messageId, references }) => ({ messageId, references: Object.values(references) })));
    // Four references at 0.25 credits: the inquiry costs.
    expect(credits - mock.credits(USER_KEY)!).toBeCloseTo(1);
    expect(found).toEqual([
      { messageId: single.messageId, state: 'delivered', recipients: [{ reference: single.references[OK], state: 'delivered', at: expect.any(String) }] },
      {
        messageId: multi.messageId,
        state: 'delivered',
        recipients: [
          { reference: multi.references[OK], state: 'delivered', at: expect.any(String) },
          { reference: multi.references[UNKNOWN], state: 'failed', reason: '101 unknown subscriber', at: expect.any(String) },
        ],
      },
      { messageId: waiting.messageId, state: 'pending', recipients: [{ reference: waiting.references[OK], state: 'buffered', at: expect.any(String) }] },
    ]);
    expect(await registry.deliveryStatus(single.messageId)).toMatchObject({ state: 'delivered', providerId: id });
    expect(await registry.deliveryStatus(multi.messageId)).toMatchObject({ state: 'delivered' });
    expect(await registry.deliveryStatus(multi.references[UNKNOWN]!)).toMatchObject({ state: 'failed', reason: '101 unknown subscriber' });
    expect(await registry.deliveryStatus(waiting.messageId)).toMatchObject({ state: 'accepted' });
    const events = await registry.events({ types: ['message.status'] });
    expect(events.map((e) => e.fields.messageId)).toEqual(expect.arrayContaining([single.messageId, multi.messageId, multi.references[UNKNOWN]]));

    // Later the buffered one is delivered; a reference ASPSMS does not know stays unknown.
    mock.setDelivery(waiting.references[OK]!, { status: 0, reasonCode: '000' });
    const later = await pollAspsmsDeliveryStatus(registry, id, [{ messageId: waiting.messageId, references: [waiting.references[OK]!, 'NOSUCHREF0'] }]);
    expect(later[0]).toMatchObject({ state: 'delivered', recipients: [{ state: 'delivered' }, { reference: 'NOSUCHREF0', state: 'unknown' }] });
    expect(await registry.deliveryStatus(waiting.messageId)).toMatchObject({ state: 'delivered' });
  });

  it('refuses bad input and a provider of another type, naming the field', async () => {
    await expect(pollAspsmsDeliveryStatus(registry, 'mem', [{ messageId: 'A1', references: ['A10'] }])).rejects.toMatchObject({ code: 'UNSUPPORTED', field: 'providerId' });
    await expect(pollAspsmsDeliveryStatus(registry, id, [])).rejects.toMatchObject({ code: 'MESSAGE_INVALID', field: 'messages' });
    await expect(pollAspsmsDeliveryStatus(registry, id, [{ messageId: 'A1', references: ['bad ref'] }])).rejects.toMatchObject({ code: 'MESSAGE_INVALID', field: 'messages.0.references.0' });
    await expect(pollAspsmsDeliveryStatus(registry, 'nobody', [{ messageId: 'A1', references: ['A10'] }])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const controller = new AbortController();
    controller.abort();
    await expect(pollAspsmsDeliveryStatus(registry, id, [{ messageId: 'A1', references: ['A10'] }], { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('an inquiry ASPSMS refuses is the provider error, and nothing secret shows anywhere', async () => {
    mock.failNext('StatusCode:3', 'InquireDeliveryNotifications');
    const error = await pollAspsmsDeliveryStatus(registry, id, [{ messageId: 'A1', references: ['A10'] }]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'AUTH_FAILED' });
    const haystack = JSON.stringify(await registry.events()) + JSON.stringify(logs) + printout(error);
    expect(leaksIn(haystack, { userKey: USER_KEY, password: PASSWORD })).toEqual([]);
  });
});
