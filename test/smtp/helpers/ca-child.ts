/**
 * Run with `node --import tsx` and NODE_EXTRA_CA_CERTS set: sends through two STARTTLS servers,
 * one whose certificate is issued by the CA of NODE_EXTRA_CA_CERTS (Node's default store in this
 * process) and one issued by the CA given as `caCertificates`. Prints the outcome of each as JSON.
 * Environment: TK_PORT_DEFAULT, TK_PORT_EXTRA, TK_CA_EXTRA (a PEM file), TK_TRUST_DEFAULT (`true`/`false`).
 */
import { readFileSync } from 'node:fs';
import { createRegistry, isTransportError } from '../../../src/index.js';
import { smtp } from '../../../src/providers/smtp/index.js';

const registry = createRegistry({ types: [smtp()] });
const outcome: Record<string, string> = {};
for (const [name, port] of [['default', process.env.TK_PORT_DEFAULT], ['extra', process.env.TK_PORT_EXTRA]] as const) {
  const { id } = await registry.create({
    type: 'smtp',
    config: {
      host: '127.0.0.1',
      port: Number(port),
      targetName: 'localhost',
      caCertificates: readFileSync(process.env.TK_CA_EXTRA!, 'utf8'),
      trustDefaultCAs: process.env.TK_TRUST_DEFAULT === 'true',
      from: 'noreply@example.test',
      pool: { maxConnections: 1, maxMessages: 1 },
    },
  });
  try {
    await registry.send(id, { to: 'a@example.test', subject: name, text: 'x' });
    outcome[name] = 'sent';
  } catch (error) {
    outcome[name] = isTransportError(error) ? `${error.code}: ${error.message}` : String(error);
  }
}
await registry.close();
process.stdout.write(`${JSON.stringify(outcome)}\n`);
