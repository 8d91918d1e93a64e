/**
 * An SMTP sink in its own process for the SMTP benchmarks: accepts everything on 127.0.0.1 without
 * TLS or AUTH and discards the data, so the server's work does not share the client's event loop.
 * Prints the port, then runs until stdin closes.
 */
import { SMTPServer } from 'smtp-server';

const server = new SMTPServer({
  logger: false,
  disabledCommands: ['STARTTLS', 'AUTH'],
  disableReverseLookup: true,
  closeTimeout: 50,
  size: 50 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => callback());
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
