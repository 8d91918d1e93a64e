import type { SmtpTestServer, SmtpTestServerOptions } from '../providers/smtp/test-server.js';

export type { SmtpTestMessage, SmtpTestServer, SmtpTestServerOptions } from '../providers/smtp/test-server.js';

/**
 * Starts a loopback SMTP server (127.0.0.1, ephemeral port) for host test suites: STARTTLS or
 * implicit TLS with your certificate, AUTH PLAIN/LOGIN against a user list (535 otherwise),
 * scripted RCPT TO and MAIL FROM replies, and every received message with its envelope, TLS
 * state, user, source address, EHLO and SNI names. It uses the `smtp-server` package, which is
 * loaded on first use (install it as a dev dependency), so importing `transportkit/testing`
 * stays light.
 *
 * @example
 * ```ts
 * const server = await startSmtpTestServer({ tls: 'none' });
 * const mail = await registry.create({ type: 'smtp', config: { host: server.host, port: server.port, starttls: 'off', from: 'app@example.org' } });
 * await registry.send(mail.id, { to: 'a@example.org', subject: 'Hi', text: 'Hello' });
 * server.received[0].raw; // the message as sent
 * await server.close();
 * ```
 */
export async function startSmtpTestServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const { startSmtpTestServer: start } = await import('../providers/smtp/test-server.js');
  return start(options);
}
