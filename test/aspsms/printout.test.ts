import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAspsmsMock, type AspsmsMock } from '../../src/testing/index.js';
import { leaksIn, printout } from '../smtp/helpers/leaks.js';
import { PASSWORD, USER_KEY, rejection, setup } from './setup.js';

describe('printouts of a live ASPSMS provider', () => {
  let mock: AspsmsMock;
  let env: Awaited<ReturnType<typeof setup>>;

  beforeAll(async () => {
    mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 100 }] });
    env = await setup(mock);
  });
  afterAll(async () => {
    await env.registry.close();
    await mock.close();
  });

  it('show neither the UserKey nor the password, at any depth, with hidden properties', async () => {
    // A send and a balance call first, so the SOAP client and its agents exist.
    await env.registry.send(env.id, { to: '+41791234567', text: 'Hallo' });
    await env.provider.getBalance();
    const text = printout(env.provider, env.registry, String(env.provider), JSON.stringify(env.provider));
    expect(leaksIn(text, { userKey: USER_KEY, password: PASSWORD })).toEqual([]);
  });
});

describe('the ASPSMS UserKey at event level debug', () => {
  it('is redacted like the password in envelopes, events, logs and errors', async () => {
    const mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 100 }] });
    const env = await setup(mock);
    try {
      await env.registry.send(env.id, { to: '+41791234567', text: 'Hallo' });
      await env.provider.getBalance();
      await env.registry.test(env.id);
      await env.registry.setSecret(env.id, 'password', 'a-wrong-Pw-123');
      const failed = await env.registry.send(env.id, { to: '+41791234567', text: 'Hallo' }).catch((error: unknown) => error);
      const events = await env.registry.events({ providerId: env.id });
      const envelopes = events.filter((e) => typeof e.fields.envelope === 'string');
      expect(envelopes.length).toBeGreaterThan(0);
      expect(JSON.stringify(envelopes)).toContain('<UserKey>[redacted]</UserKey>');
      const recorded = JSON.stringify(events) + JSON.stringify(env.logs) + printout(failed);
      expect(leaksIn(recorded, { userKey: USER_KEY, password: PASSWORD })).toEqual([]);
    } finally {
      await env.registry.close();
      await mock.close();
    }
  });
});

describe('outcomes of a failed ASPSMS send', () => {
  it('a send that times out after the request was written is outcome unknown; a refused connection is not-sent', async () => {
    const mock = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 100 }] });
    const env = await setup(mock, { timeoutMs: 300 });
    try {
      mock.setDelay(3_000);
      const error = await rejection(env.registry.send(env.id, { to: '+41791234567', text: 'Hallo' }));
      expect(error).toMatchObject({ code: 'TIMEOUT', details: { outcome: 'unknown' } });
      // A slow balance read sends nothing: no "maybe sent".
      const slow = await rejection(env.provider.getBalance());
      expect(slow.code).toBe('TIMEOUT');
      expect((slow as { details?: { outcome?: string } }).details?.outcome).not.toBe('unknown');
      mock.setDelay(0);
    } finally {
      await env.registry.close();
      await mock.close();
    }
    const closed = await startAspsmsMock({ accounts: [{ userKey: USER_KEY, password: PASSWORD, credits: 100 }] });
    const gone = await setup(closed);
    await closed.close();
    try {
      const error = await rejection(gone.registry.send(gone.id, { to: '+41791234567', text: 'Hallo' }));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', details: { outcome: 'not-sent' } });
    } finally {
      await gone.registry.close();
    }
  });
});
