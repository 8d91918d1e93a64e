import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MockEndpoint } from '../../src/testing/index.js';
import { rejection, setup, type Setup } from './helpers.js';

/**
 * The README's table of gateway answers is the contract: every row is driven through the mock
 * gateway on every endpoint it names, and the provider must answer with the code and retryable
 * flag the row says.
 */
interface Row {
  readonly statuses: readonly number[];
  readonly endpoints: readonly Group[];
  readonly code: string;
  readonly retryable: boolean;
}

type Group = 'send' | 'lookup' | 'bulk' | 'upload' | 'download' | 'credits';
const GROUPS: readonly Group[] = ['send', 'lookup', 'bulk', 'upload', 'download', 'credits'];

function readmeTable(): Row[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('<!-- threema-status-table -->');
  expect(start).toBeGreaterThan(0);
  const lines = readme.slice(start).split('\n').slice(1);
  const rows: Row[] = [];
  for (const line of lines.slice(2)) {
    if (!line.trim().startsWith('|')) break;
    const [status, endpoints, code, retryable] = line.split('|').slice(1, -1).map((c) => c.trim());
    const statuses = status === '5xx' ? [500, 502, 503] : /^other/.test(status!) ? [302, 409, 418] : [Number(status)];
    rows.push({
      statuses,
      endpoints: endpoints === 'any' ? GROUPS : (endpoints!.split(',').map((e) => e.trim()) as Group[]),
      code: /`([A-Z_]+)`/.exec(code!)![1]!,
      retryable: retryable === 'yes',
    });
  }
  return rows;
}

/** The 404 "other" cases the table names in words: 404 on the endpoints without a 404 row. */
function otherFourOhFour(rows: readonly Row[]): Row {
  const with404 = new Set(rows.filter((r) => r.statuses.includes(404)).flatMap((r) => r.endpoints));
  return { statuses: [404], endpoints: GROUPS.filter((g) => !with404.has(g)), code: 'UNAVAILABLE', retryable: false };
}

const MOCK_ENDPOINT: Readonly<Record<Group, MockEndpoint>> = {
  send: 'send_e2e',
  lookup: 'pubkeys',
  bulk: 'lookup_bulk',
  upload: 'upload_blob',
  download: 'blobs',
  credits: 'credits',
};

let s: Setup;
beforeAll(async () => {
  // No caching and no retries: every operation reaches the endpoint once.
  s = await setup({ config: { publicKeyCacheTtlSeconds: 0, capabilitiesCacheTtlSeconds: 0, lookupRetries: 0 } });
});
afterAll(async () => s?.close());

/** Calls the provider so that the request of `group` is the one that fails. */
async function operate(group: Group): Promise<unknown> {
  const p = await s.provider();
  switch (group) {
    case 'send':
      return p.send({ to: 'ECHOECHO', text: 'x' });
    case 'lookup':
      return p.lookupPublicKey('ECHOECHO');
    case 'bulk':
      return p.bulkLookup({ phones: ['+41791234567'] });
    case 'upload':
      return p.sendFile('ECHOECHO', { data: new Uint8Array([1, 2, 3]), mediaType: 'application/pdf' });
    case 'download':
      return p.downloadFile({ blobId: 'a'.repeat(32), key: 'b'.repeat(64), mediaType: 'application/pdf', size: 3, renderingType: 'file' });
    case 'credits':
      return p.getBalance!();
  }
}

describe('Threema status table of the README against the code', () => {
  const rows = readmeTable();

  it('the table has the rows the API documents', () => {
    expect(rows.map((r) => r.statuses[0])).toEqual(expect.arrayContaining([400, 401, 402, 403, 404, 408, 413, 429, 500, 302]));
  });

  const cases = [...rows, otherFourOhFour(rows)].flatMap((row) =>
    row.statuses.flatMap((status) => row.endpoints.map((group) => [status, group, row.code, row.retryable] as const)),
  );

  it.each(cases)('HTTP %i from %s is %s, retryable %s', async (status, group, code, retryable) => {
    s.gateway.reset();
    s.gateway.failNext(MOCK_ENDPOINT[group], { status, times: 5 });
    const error = await rejection(operate(group));
    expect(error).toMatchObject({ code, retryable, upstream: expect.objectContaining({ status }) });
    expect(s.gateway.requests.filter((r) => r.endpoint === MOCK_ENDPOINT[group]).map((r) => r.status)).toEqual([status]);
  });
});
