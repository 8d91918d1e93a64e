import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaksIn, printout } from '../smtp/helpers/leaks.js';
import { setup, type Setup } from './helpers.js';

describe('printouts of a live Threema provider', () => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup();
  });
  afterAll(async () => s.close());

  it('show neither the API secret nor the private key, at any depth, with hidden properties', async () => {
    await s.registry.send(s.id, { to: 'ECHOECHO', text: 'Hallo' });
    await (await s.provider()).getBalance!();
    const provider = await s.provider();
    const { secret, privateKey } = s.gateway.providerSettings().secrets;
    const text = printout(provider, s.registry, String(provider), JSON.stringify(provider));
    const keyBytes = Buffer.from(privateKey, 'hex');
    expect(leaksIn(text, { secret, privateKey, keyBytes })).toEqual([]);
  });
});
