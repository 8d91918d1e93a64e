import http from 'node:http';
import type { AddressInfo } from 'node:net';
import soap from 'soap';
import { smsLength, type SmsEncoding } from './encoding.js';
import { formatAspsmsTime } from './status.js';
import { ASPSMS_NAMESPACE, ASPSMS_WSDL, type AspsmsOperation } from './wsdl.js';

/** An ASPSMS account of the mock. */
export interface AspsmsMockAccount {
  readonly userKey: string;
  readonly password: string;
  /** Starting credits (may be fractional). */
  readonly credits: number;
  /** Numeric originators unlocked for this account (international form, e.g. `+41791234567`). */
  readonly originators?: readonly string[];
}

/** Options of {@link startAspsmsMock}. */
export interface AspsmsMockOptions {
  /** The accounts; default one account `TESTUSERKEY1` / `test-password` with 100 credits. */
  readonly accounts?: readonly AspsmsMockAccount[];
  /** Delay before every answer in milliseconds (for timeout tests); default 0. */
  readonly delayMs?: number;
  /** Numbers that are accepted but never delivered (delivery status 2, reason 101 unknown subscriber). */
  readonly unknownRecipients?: readonly string[];
  /** Credits charged per SMS part and recipient; default 1. */
  readonly creditsPerPart?: number;
  /** Credits charged per reference of a delivery inquiry; default 0 (the 2007 spec said 0.25). */
  readonly inquiryCost?: number;
  /** Write credits with a decimal comma (`Credits:12,5`), as some ASPSMS front ends do; default false. */
  readonly decimalComma?: boolean;
  /** The `VersionInfo` answer. */
  readonly version?: string;
  /** Call the delivery / non-delivery / buffered notification URLs of a send; default true. */
  readonly notify?: boolean;
}

/** A message the mock accepted, per request. The password is never kept. */
export interface AspsmsMockMessage {
  readonly operation: 'SendTextSMS' | 'SendUnicodeSMS';
  readonly userKey: string;
  readonly originator: string;
  readonly recipients: readonly { readonly number: string; readonly reference?: string }[];
  readonly text: string;
  readonly encoding: SmsEncoding;
  readonly segments: number;
  readonly cost: number;
  readonly flash: boolean;
  /** The raw `DeferredDeliveryTime` (`ddmmyyyyhhmmss`, CET), when set. */
  readonly deferredDeliveryTime?: string;
  readonly notificationUrls: { readonly delivered?: string; readonly failed?: string; readonly buffered?: string };
  readonly affiliateId?: string;
}

/** One SOAP request the mock received. */
export interface AspsmsMockRequest {
  readonly operation: string;
  /** The SOAPAction HTTP header as sent (quoted); SOAP 1.2 carries the action in the content type instead. */
  readonly soapAction: string | undefined;
  /** The SOAP version of the request, answered in the same version. */
  readonly soapVersion: '1.1' | '1.2';
  readonly userKey?: string;
  /** The result string the mock answered (empty when it answered a fault). */
  readonly result: string;
  /** The fault text, when the mock answered a SOAP Fault (unknown operation, malformed envelope). */
  readonly fault?: string;
}

/** A notification URL the mock called. */
export interface AspsmsMockNotification {
  readonly url: string;
  readonly reference: string;
  /** HTTP status of the callback, or the error code when it failed. */
  readonly outcome: number | string;
}

/** Delivery state the mock reports for a reference. */
export interface AspsmsMockDelivery {
  /** `-1` pending, `0` delivered, `1` buffered, `2` not delivered. */
  readonly status: -1 | 0 | 1 | 2;
  /** 3-digit reason code, e.g. `000`, `107`, `101`. */
  readonly reasonCode: string;
}

/** A running ASPSMS mock. */
export interface AspsmsMock {
  /** The SOAP endpoint to configure as `serviceUrl`. */
  readonly url: string;
  /** Accounts with their current credits (passwords left out). */
  readonly accounts: readonly { readonly userKey: string; readonly credits: number; readonly originators: readonly string[] }[];
  /** Current credits of an account (undefined when unknown). */
  credits(userKey: string): number | undefined;
  /** Sets the credits of an account (e.g. to 0 for an "empty credit" test). */
  setCredits(userKey: string, credits: number): void;
  /** Unlocks a numeric originator for an account. */
  unlockOriginator(userKey: string, originator: string): void;
  /** Accepted messages, oldest first. */
  readonly sent: readonly AspsmsMockMessage[];
  /** Every request, oldest first. */
  readonly requests: readonly AspsmsMockRequest[];
  /** Notification URLs called, oldest first. */
  readonly notifications: readonly AspsmsMockNotification[];
  /** Changes the answer delay. */
  setDelay(ms: number): void;
  /** Answers the next call (of `operation`, or any) with this raw result, e.g. `StatusCode:24`. */
  failNext(result: string, operation?: AspsmsOperation): void;
  /**
   * Answers the next `times` requests (of `operation`, or any; default 1) with an HTTP error
   * instead of SOAP, e.g. 503 or 429 with a `Retry-After` header (seconds or an HTTP date), as a
   * front end under load does. Nothing is sent or charged.
   */
  failHttpNext(status: number, options?: { readonly retryAfter?: number | string; readonly times?: number; readonly operation?: AspsmsOperation }): void;
  /** Sets what the inquiry reports for a reference (e.g. delivered later). */
  setDelivery(reference: string, delivery: AspsmsMockDelivery): void;
  /** Waits for notification callbacks in flight. */
  settled(): Promise<void>;
  /** Stops the server, drops its connections and pending delayed answers. */
  close(): Promise<void>;
}

interface AccountState {
  userKey: string;
  password: string;
  credits: number;
  originators: Set<string>;
}

interface DeliveryRecord extends AspsmsMockDelivery {
  readonly userKey: string;
  readonly submitted: string;
  readonly notified: string;
}

type Args = Record<string, string | undefined>;

const ALPHANUMERIC_ORIGINATOR = /^[A-Za-z0-9 .\-_!@&]{1,11}$/;
const DEFAULT_ACCOUNT: AspsmsMockAccount = { userKey: 'TESTUSERKEY1', password: 'test-password', credits: 100 };

/** Envelope namespace and content type of each SOAP version. */
const SOAP = {
  '1.1': { namespace: 'http://schemas.xmlsoap.org/soap/envelope/', type: 'text/xml; charset=utf-8' },
  '1.2': { namespace: 'http://www.w3.org/2003/05/soap-envelope', type: 'application/soap+xml; charset=utf-8' },
} as const;

/** Largest request the mock reads (1000 recipients with references fit easily). */
const MAX_REQUEST_BYTES = 1024 * 1024;

const xmlText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The response envelope ASP.NET writes for a document/literal result, in the request's SOAP version. */
function resultEnvelope(version: '1.1' | '1.2', operation: string, result: string): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP[version].namespace}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
    `<soap:Body><${operation}Response xmlns="${ASPSMS_NAMESPACE}"><${operation}Result>${xmlText(result)}</${operation}Result></${operation}Response></soap:Body>` +
    '</soap:Envelope>'
  );
}

/** A SOAP Fault in the request's version: 1.1 `faultcode`/`faultstring`, 1.2 `Code`/`Reason`. */
function faultEnvelope(version: '1.1' | '1.2', code: 'Client' | 'VersionMismatch', text: string): string {
  const fault =
    version === '1.1'
      ? `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${xmlText(text)}</faultstring><detail /></soap:Fault>`
      : `<soap:Fault><soap:Code><soap:Value>soap:${code === 'Client' ? 'Sender' : code}</soap:Value></soap:Code>` +
        `<soap:Reason><soap:Text xml:lang="en">${xmlText(text)}</soap:Text></soap:Reason><soap:Detail /></soap:Fault>`;
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP[version].namespace}"><soap:Body>${fault}</soap:Body></soap:Envelope>`;
}

/** `+41…`, `0041…`, `+41 (0)…` and `41…` to one form, for comparisons inside the mock. */
function canonical(number: string): string {
  const compact = number.replace(/^(\s*(?:\+|00).*?)\(\s*0\s*\)/, '$1').replace(/[\s\-./()]/g, '');
  return `+${compact.replace(/^\+|^00/, '')}`;
}

function validHttpUrl(value: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function validDeferredTime(value: string): boolean {
  const m = /^(\d{2})(\d{2})(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(value);
  if (!m) return false;
  const [dd, mo, hh, mi, ss] = [m[1], m[2], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  return dd >= 1 && dd <= 31 && mo >= 1 && mo <= 12 && hh <= 23 && mi <= 59 && ss <= 59;
}

/** Fills the ASPSMS placeholders of a notification URL, or appends the reference when it has none. */
function notificationUrl(template: string, fields: Record<string, string>): string {
  if (!/<[A-Z]+>/.test(template)) return template + encodeURIComponent(fields.TRN ?? '');
  return template.replace(/<([A-Z]+)>/g, (whole, name: string) => (fields[name] === undefined ? whole : encodeURIComponent(fields[name]!)));
}

/**
 * Starts a loopback ASPSMSX2 SOAP server (the `soap` package serving the WSDL this package ships)
 * with realistic behaviour: accounts and credit accounting per part and recipient, StatusCode
 * answers for a wrong key or password (3), missing credit (5), a bad or locked originator (10/30),
 * missing or malformed recipients (20), delivery records per transaction reference with
 * notification callbacks, and an optional delay for timeout tests. Listens on 127.0.0.1, port 0.
 */
export async function startAspsmsMock(options: AspsmsMockOptions = {}): Promise<AspsmsMock> {
  const accounts = new Map<string, AccountState>();
  for (const a of options.accounts ?? [DEFAULT_ACCOUNT]) {
    accounts.set(a.userKey, { userKey: a.userKey, password: a.password, credits: a.credits, originators: new Set((a.originators ?? []).map(canonical)) });
  }
  const unknown = new Set((options.unknownRecipients ?? []).map(canonical));
  const perPart = options.creditsPerPart ?? 1;
  const inquiryCost = options.inquiryCost ?? 0;
  const notify = options.notify ?? true;
  let delayMs = options.delayMs ?? 0;
  const sent: AspsmsMockMessage[] = [];
  const requests: AspsmsMockRequest[] = [];
  const notifications: AspsmsMockNotification[] = [];
  const deliveries = new Map<string, DeliveryRecord>();
  const injected: { result: string; operation?: AspsmsOperation }[] = [];
  const httpFailures: { status: number; retryAfter?: string; times: number; operation?: AspsmsOperation }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();

  const formatCredits = (n: number) => {
    const text = String(Math.round(n * 100) / 100);
    return options.decimalComma ? text.replace('.', ',') : text;
  };
  const authenticate = (args: Args): AccountState | undefined => {
    const account = args.UserKey === undefined ? undefined : accounts.get(args.UserKey);
    return account && account.password === args.Password ? account : undefined;
  };
  const wait = () =>
    delayMs <= 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, delayMs);
          timers.add(timer);
        });

  const callBack = (url: string, reference: string) => {
    const done = new Promise<void>((resolve) => {
      const request = http.get(url, (res) => {
        res.resume();
        res.on('end', () => {
          notifications.push({ url, reference, outcome: res.statusCode ?? 0 });
          resolve();
        });
      });
      request.on('error', (error: NodeJS.ErrnoException) => {
        notifications.push({ url, reference, outcome: error.code ?? 'error' });
        resolve();
      });
      request.setTimeout(5000, () => request.destroy());
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  };

  const send = (operation: 'SendTextSMS' | 'SendUnicodeSMS', args: Args): string => {
    const account = authenticate(args);
    if (!account) return 'StatusCode:3';
    const originator = (args.Originator ?? '').trim();
    if (/^\+?\d+$/.test(originator)) {
      if (!account.originators.has(canonical(originator))) return 'StatusCode:30';
    } else if (!ALPHANUMERIC_ORIGINATOR.test(originator)) return 'StatusCode:10';
    const recipients = (args.Recipients ?? '')
      .split(';')
      .filter((entry) => entry.trim() !== '')
      .map((entry) => {
        const [number = '', reference] = entry.split(':');
        return { number: number.trim(), ...(reference ? { reference } : {}) };
      });
    if (recipients.length === 0 || recipients.some((r) => !/^(\+|00)?[1-9]\d{6,14}$/.test(r.number))) return 'StatusCode:20';
    const text = args.MessageText ?? '';
    if (text === '') return 'StatusCode:11';
    const urls = { buffered: args.URLBufferedMessageNotification, delivered: args.URLDeliveryNotification, failed: args.URLNonDeliveryNotification };
    if (urls.buffered && !validHttpUrl(urls.buffered)) return 'StatusCode:17';
    if (urls.delivered && !validHttpUrl(urls.delivered)) return 'StatusCode:18';
    if (urls.failed && !validHttpUrl(urls.failed)) return 'StatusCode:19';
    if ((urls.buffered || urls.delivered || urls.failed) && recipients.some((r) => r.reference === undefined)) return 'StatusCode:23';
    if (recipients.some((r) => r.reference !== undefined && !/^[A-Za-z0-9]+$/.test(r.reference))) return 'StatusCode:23';
    const deferred = args.DeferredDeliveryTime ?? '';
    if (deferred !== '' && !validDeferredTime(deferred)) return 'StatusCode:22';
    const encoding: SmsEncoding = operation === 'SendUnicodeSMS' ? 'ucs2' : 'gsm7';
    const { segments } = smsLength(text, encoding);
    const cost = segments * recipients.length * perPart;
    if (account.credits < cost) return 'StatusCode:5';
    account.credits -= cost;
    sent.push({
      operation,
      userKey: account.userKey,
      originator,
      recipients,
      text,
      encoding,
      segments,
      cost,
      flash: /^(true|1)$/i.test(args.FlashingSMS ?? ''),
      ...(deferred === '' ? {} : { deferredDeliveryTime: deferred }),
      notificationUrls: {
        ...(urls.delivered ? { delivered: urls.delivered } : {}),
        ...(urls.failed ? { failed: urls.failed } : {}),
        ...(urls.buffered ? { buffered: urls.buffered } : {}),
      },
      ...(args.AffiliateId ? { affiliateId: args.AffiliateId } : {}),
    });
    const now = formatAspsmsTime(new Date());
    for (const r of recipients) {
      if (r.reference === undefined) continue;
      const failed = unknown.has(canonical(r.number));
      const record: DeliveryRecord = deferred
        ? { userKey: account.userKey, status: -1, reasonCode: '000', submitted: now, notified: '' }
        : { userKey: account.userKey, status: failed ? 2 : 0, reasonCode: failed ? '101' : '000', submitted: now, notified: now };
      deliveries.set(r.reference, record);
      const target = record.status === 0 ? urls.delivered : record.status === 2 ? urls.failed : undefined;
      if (notify && target) {
        const fields = { TRN: r.reference, RCPNT: r.number, SCTS: now, DSCTS: now, RSN: record.reasonCode, DST: String(record.status) };
        callBack(notificationUrl(target, fields), r.reference);
      }
    }
    return 'StatusCode:1';
  };

  const handlers: Record<AspsmsOperation, (args: Args) => string> = {
    SendTextSMS: (args) => send('SendTextSMS', args),
    SendUnicodeSMS: (args) => send('SendUnicodeSMS', args),
    CheckCredits: (args) => {
      const account = authenticate(args);
      return account ? `Credits:${formatCredits(account.credits)}` : 'StatusCode:3';
    },
    InquireDeliveryNotifications: (args) => {
      const account = authenticate(args);
      if (!account) return 'StatusCode:3';
      const refs = (args.TransactionReferenceNumbers ?? '').split(';').filter((r) => r !== '');
      if (refs.length === 0) return 'StatusCode:23';
      if (account.credits < refs.length * inquiryCost) return 'StatusCode:5';
      account.credits -= refs.length * inquiryCost;
      return refs
        .map((ref) => [ref, deliveries.get(ref)] as const)
        .filter(([, d]) => d !== undefined && d.userKey === account.userKey)
        .map(([ref, d]) => (d!.status === -1 ? `${ref};-1;;;;;` : `${ref};${d!.status};${d!.submitted};${d!.notified};${d!.reasonCode};;`))
        .join('\n');
    },
    CheckOriginatorAuthorization: (args) => {
      const account = authenticate(args);
      if (!account) return 'StatusCode:3';
      return account.originators.has(canonical(args.Originator ?? '')) ? 'StatusCode:31' : 'StatusCode:30';
    },
    VersionInfo: () => options.version ?? 'ASPSMSX2 mock 2.0 build:1',
  };

  const wsdl = await new Promise<soap.WSDL>((resolve, reject) => {
    const parsed = new soap.WSDL(ASPSMS_WSDL, 'aspsmsx2.wsdl', {});
    parsed.onReady((error: unknown) => (error ? reject(error) : resolve(parsed)));
  });

  /** Answers one SOAP request in the version it came in (1.1 `text/xml` or 1.2 `application/soap+xml`). */
  const answer = async (req: http.IncomingMessage, body: string): Promise<{ status: number; type: string; body: string; headers?: Record<string, string> }> => {
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    const version = contentType.startsWith('application/soap+xml') ? '1.2' : contentType.startsWith('text/xml') ? '1.1' : undefined;
    if (version === undefined) return { status: 415, type: 'text/plain; charset=utf-8', body: 'Unsupported Media Type: SOAP 1.1 needs text/xml, SOAP 1.2 application/soap+xml' };
    const header = req.headers.soapaction;
    const soapAction = Array.isArray(header) ? header[0] : header;
    const action = version === '1.1' ? soapAction?.replace(/^"|"$/g, '') : /;\s*action="?([^";]+)"?/.exec(contentType)?.[1];
    const operation = /<(?:[\w.-]+:)?Body\b[^>]*>\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(body)?.[1] ?? '';
    const log = (entry: { result: string; fault?: string; userKey?: string }) =>
      requests.push({ operation, soapAction, soapVersion: version, ...entry });
    const fault = (code: 'Client' | 'VersionMismatch', text: string) => {
      log({ result: '', fault: text });
      return { status: 500, type: SOAP[version].type, body: faultEnvelope(version, code, text) };
    };
    if (!body.includes(SOAP[version].namespace)) {
      return fault('VersionMismatch', `the envelope is not SOAP ${version} (${version === '1.1' ? 'text/xml' : 'application/soap+xml'} needs the namespace ${SOAP[version].namespace})`);
    }
    if (action && action.toLowerCase() !== `${ASPSMS_NAMESPACE}/${operation}`.toLowerCase()) {
      return fault('Client', `Server did not recognize the value of HTTP Header SOAPAction: ${action}.`);
    }
    const h = httpFailures.findIndex((f) => f.operation === undefined || f.operation === operation);
    if (h >= 0) {
      const failure = httpFailures[h]!;
      if (--failure.times <= 0) httpFailures.splice(h, 1);
      log({ result: '', fault: `HTTP ${failure.status}` });
      return {
        status: failure.status,
        type: 'text/html; charset=utf-8',
        body: `<html><body>HTTP ${failure.status}</body></html>`,
        ...(failure.retryAfter === undefined ? {} : { headers: { 'retry-after': failure.retryAfter } }),
      };
    }
    const handler = Object.hasOwn(handlers, operation) ? handlers[operation as AspsmsOperation] : undefined;
    if (!handler) return fault('Client', `the ASPSMS mock does not implement the operation ${operation || '(none)'}`);
    let args: Args;
    try {
      const parsed = wsdl.xmlToObject(body) as { Body?: Record<string, Args | undefined> } | undefined;
      args = parsed?.Body?.[operation] ?? {};
    } catch {
      return fault('Client', 'the request is not a well-formed SOAP envelope for this operation');
    }
    await wait();
    const i = injected.findIndex((f) => f.operation === undefined || f.operation === operation);
    const result = i >= 0 ? injected.splice(i, 1)[0]!.result : handler(args);
    log({ result, ...(args.UserKey ? { userKey: args.UserKey } : {}) });
    return { status: 200, type: SOAP[version].type, body: resultEnvelope(version, operation, result) };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://mock');
    const send = (status: number, type: string, body: string, headers: Record<string, string> = {}) => {
      if (!res.headersSent) res.writeHead(status, { ...headers, 'content-type': type }).end(body);
    };
    if (url.pathname.toLowerCase() !== '/aspsmsx2.asmx') return send(404, 'text/plain', 'not found');
    if (req.method === 'GET' && /^\?wsdl$/i.test(url.search)) return send(200, 'text/xml; charset=utf-8', ASPSMS_WSDL);
    if (req.method !== 'POST') return send(405, 'text/plain', 'method not allowed');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_REQUEST_BYTES) return send(413, 'text/plain', 'request too large');
      answer(req, Buffer.concat(chunks).toString('utf8')).then(
        (a) => send(a.status, a.type, a.body, a.headers),
        () => send(500, 'text/plain', 'mock failure'),
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port: listening } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${listening}/aspsmsx2.asmx`,
    get accounts() {
      return [...accounts.values()].map((a) => ({ userKey: a.userKey, credits: a.credits, originators: [...a.originators] }));
    },
    credits: (userKey) => accounts.get(userKey)?.credits,
    setCredits(userKey, credits) {
      const account = accounts.get(userKey);
      if (account) account.credits = credits;
    },
    unlockOriginator(userKey, originator) {
      accounts.get(userKey)?.originators.add(canonical(originator));
    },
    sent,
    requests,
    notifications,
    setDelay(ms) {
      delayMs = ms;
    },
    failNext(result, operation) {
      injected.push({ result, ...(operation === undefined ? {} : { operation }) });
    },
    failHttpNext(status, failOptions = {}) {
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be an HTTP error status (400-599)');
      httpFailures.push({
        status,
        times: failOptions.times ?? 1,
        ...(failOptions.retryAfter === undefined ? {} : { retryAfter: String(failOptions.retryAfter) }),
        ...(failOptions.operation === undefined ? {} : { operation: failOptions.operation }),
      });
    },
    setDelivery(reference, delivery) {
      const existing = deliveries.get(reference);
      if (existing) deliveries.set(reference, { ...existing, ...delivery, notified: formatAspsmsTime(new Date()) });
    },
    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all([...inFlight]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
