import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderRegistry } from '../../src/index.js';
import { closedPort, startRawPeer, startSmtpTestServer } from './helpers/peer.js';
import { rejectionOf, smtpRegistry } from './helpers/setup.js';

const USER = 'mailer';
const PASSWORD = 'Sm7p-Cl3ar-Pa55word-9a1f';
const PLAIN = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
const message = { to: 'a@example.test', subject: 's', text: 't' };

let registry: ProviderRegistry;
beforeAll(() => {
  ({ registry } = smtpRegistry());
});
afterAll(async () => registry?.close());

const create = async (config: Record<string, unknown>, secrets: Record<string, string> = {}) =>
  (await registry.create({ type: 'smtp', config: { host: '127.0.0.1', from: 'noreply@example.test', ...config }, secrets })).id;

describe('opportunistic STARTTLS never sends AUTH in clear', () => {
  it('refuses before AUTH with a coded error when the server offers no STARTTLS', async () => {
    const raw = await startRawPeer('no-starttls');
    try {
      const id = await create({ port: raw.port, starttls: 'opportunistic', username: USER }, { password: PASSWORD });
      const error = await rejectionOf(registry.send(id, message));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, field: 'config.allowPlaintextAuth', details: { outcome: 'not-sent' } });
      expect(error.message).toContain('allowPlaintextAuth');
      expect(raw.lines.some((l) => /^AUTH/i.test(l))).toBe(false);
      expect(raw.lines.join('\n')).not.toContain(PLAIN);
      expect((await registry.test(id)).steps.find((s) => s.name === 'verify')).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
      expect(raw.lines.some((l) => /^AUTH/i.test(l))).toBe(false);
    } finally {
      await raw.close();
    }
  });

  it('authenticates in clear only with allowPlaintextAuth: true', async () => {
    const raw = await startRawPeer('no-starttls');
    try {
      const id = await create({ port: raw.port, starttls: 'opportunistic', username: USER, allowPlaintextAuth: true }, { password: PASSWORD });
      expect((await registry.send(id, message)).accepted).toEqual(['a@example.test']);
      expect(raw.lines.some((l) => /^AUTH/i.test(l))).toBe(true);
    } finally {
      await raw.close();
    }
  });

  it('without a username, opportunistic STARTTLS still sends in plain text (smtp-server without STARTTLS)', async () => {
    const peer = await startSmtpTestServer({ tls: 'none' });
    try {
      const id = await create({ port: peer.port, starttls: 'opportunistic' });
      await registry.send(id, message);
      expect(peer.received.at(-1)!.secure).toBe(false);
      // With a username, the same server gets no AUTH and the send fails before it.
      const withUser = await create({ port: peer.port, starttls: 'opportunistic', username: USER }, { password: PASSWORD });
      expect(await rejectionOf(registry.send(withUser, message))).toMatchObject({ code: 'UNAVAILABLE', retryable: false, field: 'config.allowPlaintextAuth' });
    } finally {
      await peer.close();
    }
  });
});

describe('configuration faults are not retryable', () => {
  it('454 TLS not available with STARTTLS required', async () => {
    const raw = await startRawPeer('starttls-454');
    try {
      const id = await create({ port: raw.port, starttls: 'required' });
      const error = await rejectionOf(registry.send(id, message));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: false });
      expect(error.upstream).toMatchObject({ status: 454, command: 'STARTTLS' });
    } finally {
      await raw.close();
    }
  });

  it('a source address that is not on this host (EADDRNOTAVAIL)', async () => {
    const peer = await startSmtpTestServer({ tls: 'none' });
    try {
      // 192.0.2.1 (TEST-NET-1) is on no interface of this host.
      const id = await create({ port: peer.port, starttls: 'off', localAddress: '192.0.2.1' });
      const error = await rejectionOf(registry.send(id, message));
      expect(error).toMatchObject({ code: 'UNAVAILABLE', retryable: false, details: { outcome: 'not-sent' } });
    } finally {
      await peer.close();
    }
  });
});

describe('unknown outcomes', () => {
  it('a timeout after the message was transmitted is outcome unknown; a refused connection is not-sent', async () => {
    const raw = await startRawPeer('stall-after-data');
    try {
      const id = await create({ port: raw.port, starttls: 'off', timeouts: { socketMs: 300 } });
      const error = await rejectionOf(registry.send(id, message));
      expect(error).toMatchObject({ details: { outcome: 'unknown' } });
    } finally {
      await raw.close();
    }
    // A timeout before the message went out (a server that never greets) is not "maybe sent".
    const silent = await startRawPeer('silent');
    try {
      const id = await create({ port: silent.port, starttls: 'off', timeouts: { greetingMs: 200 } });
      const error = await rejectionOf(registry.send(id, message));
      expect(error.code).toBe('TIMEOUT');
      expect((error as { details?: { outcome?: string } }).details?.outcome).not.toBe('unknown');
    } finally {
      await silent.close();
    }
    const refused = await create({ port: await closedPort(), starttls: 'off' });
    expect(await rejectionOf(registry.send(refused, message))).toMatchObject({ code: 'UNAVAILABLE', retryable: true, details: { outcome: 'not-sent' } });
  });
});
