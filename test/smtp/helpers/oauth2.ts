import { createHash, randomBytes, verify, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** The token endpoint's behaviour for the next requests. */
export type EndpointMode = 'ok' | 'invalid_grant' | 'invalid_client' | 'server-error' | 'rate-limited' | 'slow';

/** What the loopback token endpoint accepts: one Microsoft app and one Google client. */
export interface EndpointClients {
  readonly microsoft: { readonly tenant: string; readonly clientId: string; readonly clientSecret: string; readonly certificate?: string };
  readonly google: { readonly clientId: string; readonly clientSecret: string; readonly refreshToken: string };
}

/** A loopback OAuth2 token endpoint (RFC 6749) that issues random tokens and remembers them. */
export interface TokenEndpoint {
  /** `http://127.0.0.1:<port>/<tenant>/oauth2/v2.0/token`. */
  readonly microsoftUrl: string;
  /** `http://127.0.0.1:<port>/token`. */
  readonly googleUrl: string;
  /** Every request's form fields, oldest first. */
  readonly requests: Record<string, string>[];
  /** Every token issued, oldest first. */
  readonly issued: string[];
  /** Tokens the SMTP server accepts (issued and neither expired nor revoked there). */
  readonly valid: Set<string>;
  mode: EndpointMode;
  /** `expires_in` of the tokens issued (seconds). */
  expiresIn: number;
  /** Delay of the `slow` mode. */
  slowMs: number;
  close(): Promise<void>;
}

const b64urlJson = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

/** Checks a client assertion (RFC 7523) as Entra ID does: signature, thumbprint, audience, issuer, lifetime. */
function assertionProblem(assertion: string, certificate: string, clientId: string, audience: string): string | undefined {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return 'not a JWT';
  const cert = new X509Certificate(certificate);
  const h = b64urlJson(header);
  const p = b64urlJson(payload);
  if (h.alg !== 'RS256') return `alg ${String(h.alg)}`;
  if (h['x5t#S256'] !== createHash('sha256').update(cert.raw).digest('base64url')) return 'x5t#S256';
  if (h.x5t !== createHash('sha1').update(cert.raw).digest('base64url')) return 'x5t';
  if (!verify('sha256', Buffer.from(`${header}.${payload}`), cert.publicKey, Buffer.from(signature, 'base64url'))) return 'signature';
  if (p.aud !== audience || p.iss !== clientId || p.sub !== clientId) return 'claims';
  const now = Math.floor(Date.now() / 1000);
  if (typeof p.exp !== 'number' || typeof p.nbf !== 'number' || p.exp <= now || p.nbf > now + 60 || p.exp - p.nbf > 600 || typeof p.jti !== 'string') return 'lifetime';
  return undefined;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the token endpoint on 127.0.0.1. */
export async function startTokenEndpoint(clients: EndpointClients): Promise<TokenEndpoint> {
  let server: Server | undefined = undefined;
  const state = {
    requests: [] as Record<string, string>[],
    issued: [] as string[],
    valid: new Set<string>(),
    mode: 'ok' as EndpointMode,
    expiresIn: 3600,
    slowMs: 2000,
  };
  const sockets = new Set<import('node:net').Socket>();
  server = createServer((req, res) => {
    // A bug in this peer answers 500, instead of leaving the client to its timeout.
    void (async () => {
      const form = Object.fromEntries(new URLSearchParams(await body(req)));
      state.requests.push(form);
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      };
      const refuse = (error: string) => send(400, { error, error_description: `AADSTS70000: ${error} for this request.\r\nTrace ID: 1234\r\nCorrelation ID: 5678` });
      if (state.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, state.slowMs));
      if (state.mode === 'server-error') return send(500, { error: 'temporarily_unavailable' });
      if (state.mode === 'rate-limited') return send(429, { error: 'too_many_requests' }, { 'retry-after': '7' });
      if (state.mode === 'invalid_client') return refuse('invalid_client');
      if (state.mode === 'invalid_grant') return refuse('invalid_grant');
      const ms = clients.microsoft;
      const g = clients.google;
      const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}${req.url ?? ''}`;
      if (req.method !== 'POST' || req.headers['content-type'] !== 'application/x-www-form-urlencoded') return send(405, { error: 'invalid_request' });
      if (req.url === `/${ms.tenant}/oauth2/v2.0/token`) {
        if (form.grant_type !== 'client_credentials' || form.client_id !== ms.clientId) return refuse('unauthorized_client');
        if (form.scope !== 'https://outlook.office365.com/.default') return send(400, { error: 'invalid_scope', error_description: 'AADSTS70011: The provided value for scope is not valid.' });
        const byCertificate = form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' && ms.certificate !== undefined && assertionProblem(form.client_assertion ?? '', ms.certificate, ms.clientId, url) === undefined;
        if (!byCertificate && form.client_secret !== ms.clientSecret) return refuse('invalid_client');
      } else if (req.url === '/token') {
        if (form.grant_type !== 'refresh_token' || form.client_id !== g.clientId || form.client_secret !== g.clientSecret) return refuse('invalid_client');
        if (form.refresh_token !== g.refreshToken) return refuse('invalid_grant');
      } else {
        return send(404, { error: 'not_found' });
      }
      const token = `at.${randomBytes(24).toString('base64url')}`;
      state.issued.push(token);
      state.valid.add(token);
      send(200, { token_type: 'Bearer', access_token: token, expires_in: state.expiresIn });
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    microsoftUrl: `http://127.0.0.1:${port}/${clients.microsoft.tenant}/oauth2/v2.0/token`,
    googleUrl: `http://127.0.0.1:${port}/token`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  });
}

/** An SMTP server (smtp-server) that offers only XOAUTH2 and accepts only tokens in `valid`. */
export interface XoauthServer {
  readonly port: number;
  /** Every AUTH attempt: user and whether its token was accepted. */
  readonly attempts: { user: string; token: string; ok: boolean }[];
  /** Messages received with the user they were sent as. */
  readonly received: { user: string; raw: Buffer }[];
  close(): Promise<void>;
}

/**
 * `refusal: 'challenge'` answers a bad token as Google does (`334` with a base64 JSON error,
 * then `535` after the client's empty line); `'535'` refuses at once, as Microsoft does.
 */
export async function startXoauthServer(options: { cert: string; key: string; valid: Set<string>; user: string; refusal: 'challenge' | '535' }): Promise<XoauthServer> {
  const attempts: XoauthServer['attempts'] = [];
  const received: XoauthServer['received'] = [];
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 50,
    key: options.key,
    cert: options.cert,
    authMethods: ['XOAUTH2'],
    onAuth(auth, _session, callback) {
      const token = auth.accessToken ?? '';
      const ok = auth.method === 'XOAUTH2' && auth.username === options.user && options.valid.has(token);
      attempts.push({ user: auth.username ?? '', token, ok });
      if (ok) return callback(null, { user: auth.username });
      if (options.refusal === 'challenge') return callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.google.com/' } });
      callback(Object.assign(new Error('5.7.3 Authentication unsuccessful'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push({ user: String(session.user), raw: Buffer.concat(chunks) });
        callback(null, 'Queued');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    attempts,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
