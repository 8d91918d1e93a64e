import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('startAspsmsMock from transportkit/testing', () => {
  it('loads the soap package only when a mock is started, and serves a usable endpoint', () => {
    const script = `
      import { createRequire } from 'node:module';
      const cache = createRequire(import.meta.url).cache;
      const soapLoaded = () => Object.keys(cache).some((k) => k.includes('/node_modules/soap/'));
      const testing = await import('./src/testing/index.ts');
      const before = soapLoaded();
      const mock = await testing.startAspsmsMock();
      const after = soapLoaded();
      const wsdl = await (await fetch(mock.url + '?wsdl')).text();
      await mock.close();
      console.log(JSON.stringify({ before, after, url: mock.url, wsdl: wsdl.includes('ASPSMSX2Soap'), accounts: mock.accounts }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 30_000 }).toString();
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { before: boolean; after: boolean; url: string; wsdl: boolean; accounts: unknown[] };
    expect(result.before).toBe(false);
    expect(result.after).toBe(true);
    expect(result.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/aspsmsx2\.asmx$/);
    expect(result.wsdl).toBe(true);
    expect(result.accounts).toEqual([{ userKey: 'TESTUSERKEY1', credits: 100, originators: [] }]);
  });
});
