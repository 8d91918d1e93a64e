/**
 * The admin console in a real browser: Debian's Chromium, headless, driven by playwright-core
 * (no browser download). Every flow runs end to end against the loopback peers. Fails (does not
 * skip) when CI=true and Chromium is missing.
 *
 * TK_SCREENSHOTS=1 writes the screenshots of the main screens into docs/admin/ (the README
 * shows them); otherwise they go to a temporary directory.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCertificates } from '../../examples/demo/certificates.js';
import { createAdminHandler, toNodeListener } from '../../src/admin/index.js';
import { BalanceMonitor, createRegistry, memoryStorage, type ProviderRegistry } from '../../src/index.js';
import { aspsms } from '../../src/providers/aspsms/index.js';
import { smtp } from '../../src/providers/smtp/index.js';
import { memoryTransport, startAspsmsMock, startSmtpTestServer, type AspsmsMock, type SmtpTestServer } from '../../src/testing/index.js';
import { buildUiAssets, CHROMIUM, root } from './helpers.js';

const hasChromium = existsSync(CHROMIUM);

// What the page.evaluate callbacks use of the DOM (the project's lib has no DOM types).
interface DomElement {
  readonly tagName: string;
  readonly id: string;
  readonly type?: string;
  readonly textContent: string | null;
  readonly outerHTML: string;
  readonly labels?: { readonly length: number } | null;
  getAttribute(name: string): string | null;
  closest(selector: string): DomElement | null;
}
declare const document: { readonly activeElement: DomElement | null; querySelectorAll(selector: string): Iterable<DomElement> };
declare const window: unknown;

/** Waiting assertions on a locator (playwright-core has no test runner's `expect`). */
function see(locator: Locator) {
  const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 50 });
  const quick = { timeout: 500 };
  return {
    text: (expected: string | RegExp) =>
      typeof expected === 'string' ? poll(() => locator.innerText(quick).then((t) => t.trim())).toBe(expected) : poll(() => locator.innerText(quick)).toMatch(expected),
    contains: (expected: string) => poll(() => locator.innerText(quick)).toContain(expected),
    attr: (name: string, expected: string | RegExp) =>
      typeof expected === 'string' ? poll(() => locator.getAttribute(name, quick)).toBe(expected) : poll(() => locator.getAttribute(name, quick)).toMatch(expected),
    focused: () => poll(() => locator.evaluate((el) => el === document.activeElement, undefined, quick)).toBe(true),
    visible: () => poll(() => locator.isVisible()).toBe(true),
    count: (n: number) => poll(() => locator.count()).toBe(n),
    value: (expected: string) => poll(() => locator.inputValue(quick)).toBe(expected),
  };
}
const inCi = process.env.CI === 'true';
const SMTP_PASSWORD = 'smtp-Secret-4711';
const shots = process.env.TK_SCREENSHOTS === '1' ? join(root, 'docs/admin') : mkdtempSync(join(tmpdir(), 'tk-admin-shots-'));

describe('Chromium for the browser tests', () => {
  it.runIf(inCi)('is installed (apt-get install chromium)', () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: .ci/run installs the distribution's chromium`).toBe(true);
  });
});

describe.skipIf(!hasChromium && !inCi)('admin console in headless Chromium', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let server: Server;
  let attacker: Server;
  let base: string;
  let registry: ProviderRegistry;
  let smtpPeer: SmtpTestServer;
  let smsPeer: AspsmsMock;
  let caPem: string;
  let aspsmsId: string;
  const dialogs: string[] = [];
  const cspViolations: string[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    await buildUiAssets();
    const certs = demoCertificates('noreply@example.test');
    caPem = certs.ca.certificatePem;
    smtpPeer = await startSmtpTestServer({ tls: 'starttls', cert: certs.tls.certificatePem, key: certs.tls.privateKeyPem, users: { 'demo-app': SMTP_PASSWORD } });
    smsPeer = await startAspsmsMock({ accounts: [{ userKey: 'DEMOUSERKEY', password: 'aspsms-pw', credits: 12 }] });
    registry = createRegistry({ storage: memoryStorage(), types: [smtp(), aspsms(), memoryTransport()] });
    const sms = await registry.create({ type: 'aspsms', name: 'ASPSMS', config: { userKey: 'DEMOUSERKEY', originator: 'Demo', serviceUrl: smsPeer.url }, secrets: { password: 'aspsms-pw' } });
    aspsmsId = sms.id;
    const directory: Record<string, string> = { ops: '+41 79 555 01 02', typo: 'not-a-number' };
    const monitor = new BalanceMonitor({ registry, users: { getAddress: (user) => directory[user] } });
    const handler = createAdminHandler({
      registry,
      monitor,
      basePath: '/admin',
      users: { list: () => [{ id: 'ops', name: 'Ops on call' }, { id: 'typo', name: 'Typo Tom' }] },
      authorize: (request) => (/(^|;\s*)session=alice(;|$)/.test(request.headers.get('cookie') ?? '') ? { id: 'alice', name: 'Alice' } : null),
    });
    server = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Another app on the same host, another port: same-site, not same-origin.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>evil</title><form method="post" action="${base}/admin/api/providers" enctype="text/plain">
        <input name='{"type":"memory","name":"pwned","x":"' value='"}'><button id="go">go</button></form>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
    context = await browser.newContext({ viewport: { width: 1200, height: 860 }, locale: 'en-GB' });
    await context.addCookies([{ name: 'session', value: 'alice', url: base, sameSite: 'Lax' }]);
    page = await context.newPage();
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) cspViolations.push(message.text());
      // Answers of the API with a 4xx status (a field error) are handled by the UI; anything else is a fault.
      const handled = /status of 4\d\d/.test(message.text()) && message.location().url.includes('/admin/api/');
      if (message.type() === 'error' && !handled) consoleErrors.push(`${message.text()} ${message.location().url}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await new Promise((resolve) => attacker?.close(resolve));
    await registry?.close();
    await Promise.all([smtpPeer?.close(), smsPeer?.close()]);
  });

  /** Runs axe-core on the current screen: no serious or critical violation, every control labelled. */
  async function checkAccessibility(screen: string): Promise<void> {
    await page.evaluate(axe.source);
    const result = await page.evaluate(() =>
      (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] }),
    );
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), screen).toEqual([]);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((el) => {
          const control = el;
          if (control.type === 'hidden' || control.closest('[hidden]')) return false;
          const named = (control.labels?.length ?? 0) > 0 || control.getAttribute('aria-label') || control.getAttribute('aria-labelledby');
          return !named && !(el.tagName === 'BUTTON' && el.textContent?.trim());
        })
        .map((el) => el.outerHTML.slice(0, 120)),
    );
    expect(unlabelled, `${screen}: controls without a label`).toEqual([]);
  }

  async function shot(name: string, fullPage = false): Promise<void> {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage });
  }

  /** A section tab of the provider screen. */
  const tab = (name: string) => page.getByRole('navigation', { name: 'Provider sections' }).getByRole('link', { name, exact: true });

  /** Loads the console afresh on a screen (a hash change alone would keep the screen's data). */
  async function open(hash: string): Promise<void> {
    await page.goto('about:blank');
    await page.goto(`${base}/admin/${hash}`);
    await page.locator('h1').first().waitFor();
  }

  it('creates an SMTP provider through the form, copies it, changes and removes its password, tests it, makes it a tenant default, and shows the debug transcript', async () => {
    // ---- list, then "new" -------------------------------------------------------------------
    await open('#/');
    await see(page.locator('h1')).text('Transport providers');
    await checkAccessibility('provider list');
    await page.getByRole('link', { name: 'New provider' }).click();
    await see(page.locator('h1')).text('New provider');
    await checkAccessibility('choose type');
    await page.getByRole('link', { name: 'E-mail (SMTP)' }).click();
    await see(page.locator('h1')).text('New provider: E-mail (SMTP)');

    // ---- a wrong field first ----------------------------------------------------------------
    await page.fill('#new-name', 'Office relay');
    await page.fill('#new-host', 'smtp host!');
    await page.fill('#new-port', '70000');
    await page.fill('#new-caCertificates', caPem);
    await page.fill('#new-username', 'demo-app');
    await page.fill('#new-from-address', 'noreply@example.test');
    await page.fill('#new-secret-password', SMTP_PASSWORD);
    await page.getByRole('button', { name: 'Create provider' }).click();
    await see(page.locator('#new-host-error')).contains('host must be a host name or IP address');
    await see(page.locator('#new-port-error')).contains('At most 65535');
    await see(page.locator('#new-host')).attr('aria-invalid', 'true');
    await see(page.locator('#new-host')).attr('aria-describedby', /new-host-error/);
    await see(page.locator('.error-summary')).focused();
    await checkAccessibility('create form with errors');
    await shot('new-provider-errors', true);
    expect(await registry.list({ type: 'smtp' })).toEqual([]);

    // ---- fixed after the error ---------------------------------------------------------------
    await page.fill('#new-host', '127.0.0.1');
    await page.fill('#new-port', String(smtpPeer.port));
    await page.getByRole('button', { name: 'Create provider' }).click();
    await see(page.locator('h1')).text('Office relay');
    await see(page.locator('#notice')).text('Provider "Office relay" created.');
    const [created] = await registry.list({ type: 'smtp' });
    expect(created).toMatchObject({ name: 'Office relay', config: { host: '127.0.0.1', port: smtpPeer.port, username: 'demo-app' }, secrets: { password: { set: true } } });
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    await checkAccessibility('provider settings');
    await shot('provider-settings');

    // ---- copy it -------------------------------------------------------------------------------
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await see(page.getByRole('dialog', { name: 'Copy provider' })).visible();
    await checkAccessibility('copy dialog');
    await see(page.locator('#copy-name')).value('Office relay (copy)');
    await page.getByRole('dialog').getByRole('button', { name: 'Copy' }).click();
    await see(page.locator('h1')).text('Office relay (copy)');
    const copy = (await registry.list({ type: 'smtp' })).find((p) => p.name === 'Office relay (copy)')!;
    expect(copy.secrets.password).toEqual({ set: true });

    // ---- change and remove its password (on the copy) ---------------------------------------------
    await tab('Passwords and keys').click();
    await see(page.locator('#secret-password-status')).text(/set/);
    await page.getByRole('button', { name: 'Change Password' }).click();
    await see(page.locator('#secret-password-value')).focused();
    await see(page.locator('#secret-password-value')).attr('type', 'password');
    await page.fill('#secret-password-value', 'another-Secret-0815');
    await page.getByRole('button', { name: 'Save' }).click();
    await see(page.locator('#notice')).text('Password changed.');
    expect((await registry.get(copy.id)).version).toBe(2);
    await checkAccessibility('passwords and keys');
    await page.getByRole('button', { name: 'Remove Password' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await see(page.locator('#secret-password-status')).text(/not set/);
    expect((await registry.get(copy.id)).secrets.password).toEqual({ set: false });
    await see(page.locator('#provider-problem')).contains('password');
    expect(await page.content()).not.toContain('another-Secret-0815');

    // ---- Test against the SMTP test server --------------------------------------------------------
    await page.getByRole('link', { name: 'Providers', exact: true }).click();
    await page.getByRole('link', { name: 'Office relay', exact: true }).click();
    await tab('Test').click();
    await page.fill('#test-to', 'bob@example.test');
    await page.getByRole('button', { name: 'Run test' }).click();
    const confirm = page.getByRole('dialog', { name: 'Send a real message?' });
    await see(confirm).contains('bob@example.test');
    await checkAccessibility('test confirmation');
    expect(smtpPeer.received).toHaveLength(0);
    await confirm.getByRole('button', { name: 'Send test message' }).click();
    await see(page.locator('#test-outcome')).contains('Test passed');
    await see(page.locator('#test-steps li')).count(3);
    expect(await page.locator('#test-steps li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-step'), li.className]))).toEqual([
      ['config', 'ok'],
      ['verify', 'ok'],
      ['send', 'ok'],
    ]);
    expect(smtpPeer.received.map((m) => m.rcptTo)).toEqual([['bob@example.test']]);
    await checkAccessibility('test result');
    await shot('provider-test');

    // ---- tenant default, "used by" updates ----------------------------------------------------------
    await tab('Used by').click();
    await see(page.locator('#usage-none')).visible();
    await page.fill('#default-tenant', 'acme');
    await page.getByRole('button', { name: 'Make default' }).click();
    await see(page.locator('#usage-table')).contains('Tenant default');
    await see(page.locator('#usage-table')).contains('acme (email)');
    expect(await registry.defaultFor({ channel: 'email', tenant: 'acme' })).toBe(created!.id);
    await checkAccessibility('used by');
    await shot('provider-used-by');
    // Removing it now is refused: the dialog lists what uses it and offers to remove it anyway.
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await see(page.getByRole('dialog')).contains('Still used by:');
    await see(page.getByRole('dialog')).contains('Tenant default: acme (email)');
    await checkAccessibility('remove dialog, provider in use');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await see(page.getByRole('dialog')).count(0);
    expect(await registry.get(created!.id)).toBeTruthy();
    await page.getByRole('link', { name: 'Providers', exact: true }).click();
    await see(page.locator('table.providers tr', { has: page.getByRole('link', { name: 'Office relay', exact: true }) })).contains('Tenant default: acme (email)');

    // ---- debug level: the transcript with AUTH redacted -----------------------------------------------
    await page.getByRole('link', { name: 'Office relay', exact: true }).click();
    await tab('Events').click();
    await page.selectOption('#event-level', 'debug');
    await page.getByRole('button', { name: 'Apply' }).click();
    await see(page.locator('#notice')).contains('debug');
    expect((await registry.get(created!.id)).eventLevel).toBe('debug');
    await tab('Test').click();
    await page.getByRole('button', { name: 'Run test' }).click();
    await see(page.locator('#test-outcome')).contains('Test passed');
    await tab('Events').click();
    const transcript = page.locator('#event-table tr[data-type="smtp.transcript"]');
    await see(transcript.first()).visible();
    const lines = await transcript.locator('.event-message').allTextContents();
    expect(lines.some((l) => /^C: AUTH (PLAIN|LOGIN)/.test(l))).toBe(true);
    expect(lines.join('\n')).toContain('[redacted]');
    expect(await page.content()).not.toContain(SMTP_PASSWORD);
    expect(await page.content()).not.toContain(Buffer.from(`\0demo-app\0${SMTP_PASSWORD}`).toString('base64'));
    await see(page.locator('#event-table tr[data-type="admin.update"]').first()).contains('by Alice');
    await checkAccessibility('events');
    await page.fill('#events-type', 'smtp.transcript');
    await see(page.locator('#event-table tr[data-type="admin.update"]')).count(0);
    await shot('provider-events-debug', true);
    expect(dialogs).toEqual([]);
  }, 180_000);

  it('configures the balance warning: invalid address (indicator off), valid address (on), "check now" warns exactly once', async () => {
    await open(`#/p/${aspsmsId}/balance`);
    await see(page.locator('h2#balance-title')).text('Balance warning');
    await page.fill('#balance-threshold', '50');
    await page.selectOption('#balance-user', 'typo');
    await page.getByRole('button', { name: 'Save' }).click();
    await see(page.locator('#notice')).text('Balance warning saved.');
    await see(page.locator('#balance-indicator')).attr('data-ok', 'false');
    await see(page.locator('#balance-problem')).contains('not valid');
    await page.selectOption('#balance-user', 'ops');
    await page.getByRole('button', { name: 'Save' }).click();
    await see(page.locator('#balance-indicator')).attr('data-ok', 'true');
    await see(page.locator('#balance-address')).text('+41795550102');
    const before = smsPeer.sent.length;
    await page.getByRole('button', { name: 'Check now' }).click();
    await see(page.locator('#balance-warning')).attr('data-status', 'sent');
    await see(page.locator('#balance-last')).contains('12 credits');
    await checkAccessibility('balance');
    await shot('provider-balance');
    await page.getByRole('button', { name: 'Check now' }).click();
    await see(page.locator('#balance-warning')).attr('data-status', 'already-claimed');
    const warnings = smsPeer.sent.slice(before);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.recipients.map((r) => r.number)).toEqual(['+41795550102']);
  }, 60_000);

  it('shows the S/MIME "certificate ready" indicator, and what is wrong when it is not', async () => {
    const certs = demoCertificates('signer@example.test');
    const signed = await registry.create({
      type: 'smtp',
      name: 'Signed mail',
      config: { host: '127.0.0.1', port: smtpPeer.port, from: 'signer@example.test', smime: { certificate: certs.smime.certificatePem, chain: certs.ca.certificatePem } },
      secrets: { smimeKey: certs.smime.privateKeyPem },
    });
    await open(`#/p/${signed.id}`);
    await see(page.locator('#certificate-indicator')).attr('data-ok', 'true');
    await see(page.locator('#certificate-indicator')).text('✓ S/MIME certificate ready');
    await checkAccessibility('S/MIME ready');
    await shot('provider-smime-ready');
    await registry.update(signed.id, { config: { from: 'someone-else@example.test' } });
    await open(`#/p/${signed.id}`);
    await see(page.locator('#certificate-indicator')).attr('data-ok', 'false');
    await page.locator('.certificate summary').click();
    await see(page.locator('.certificate ul.checks')).contains('someone-else@example.test');
    await registry.remove(signed.id);
  }, 90_000);

  it('renders a provider named like an XSS payload as text', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const p = await registry.create({ type: 'memory', name: evil, config: { channel: 'sms' } });
    await registry.addUsage(p.id, { kind: 'form', id: 'x', label: '<script>alert(2)</script>' });
    await open('#/');
    await see(page.getByRole('link', { name: evil })).visible();
    await see(page.locator('td', { hasText: '<script>alert(2)</script>' })).visible();
    expect(await page.locator('main img, main script').count()).toBe(0);
    await open(`#/p/${p.id}`);
    await see(page.locator('h1')).text(evil);
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
    await registry.remove(p.id, { force: true });
  }, 90_000);

  it('refuses a cross-origin form post from another port of the same host, even with the session cookie', async () => {
    const before = (await registry.list()).length;
    const evil = await context.newPage();
    await evil.goto(`http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`);
    const [response] = await Promise.all([evil.waitForResponse((r) => r.url().includes('/admin/api/providers')), evil.click('#go')]);
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('CSRF');
    expect(response.request().headers()['sec-fetch-site'] ?? (await response.request().allHeaders())['sec-fetch-site']).toBe('same-site');
    expect((await registry.list()).length).toBe(before);
    await evil.close();
  }, 90_000);

  it('shows nothing to a browser that authorize does not approve', async () => {
    const stranger = await browser.newContext();
    const strangerPage = await stranger.newPage();
    const response = await strangerPage.goto(`${base}/admin/`);
    expect(response?.status()).toBe(401);
    expect(await strangerPage.locator('body').textContent()).toBe('sign-in required');
    const asset = await strangerPage.goto(`${base}/admin/assets/admin.js`);
    expect(asset?.status()).toBe(401);
    await stranger.close();
  }, 90_000);

  it('is usable with the keyboard alone: create a provider, open a dialog and close it with Escape', async () => {
    await open('#/');
    const tabTo = async (predicate: string, limit = 40) => {
      for (let i = 0; i < limit; i += 1) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((text) => document.activeElement?.textContent?.trim() === text || document.activeElement?.id === text, predicate)) return;
      }
      throw new Error(`could not reach "${predicate}" with Tab`);
    };
    await tabTo('New provider');
    await page.keyboard.press('Enter');
    await see(page.locator('h1')).text('New provider');
    await tabTo('In-memory (tests)');
    await page.keyboard.press('Enter');
    await see(page.locator('h1')).text('New provider: In-memory (tests)');
    await tabTo('new-name');
    await page.keyboard.type('Keyboard only');
    await tabTo('new-channel');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('sms');
    await tabTo('Create provider');
    await page.keyboard.press('Enter');
    await see(page.locator('h1')).text('Keyboard only');
    await see(page.locator('h1')).focused();
    await tabTo('Copy');
    await page.keyboard.press('Enter');
    await see(page.locator('#copy-name')).focused();
    await page.keyboard.press('Escape');
    await see(page.getByRole('dialog')).count(0);
    await see(page.getByRole('button', { name: 'Copy', exact: true })).focused();
    expect((await registry.list()).some((p) => p.name === 'Keyboard only')).toBe(true);
  }, 90_000);

  it('speaks German from Accept-Language, and every screen passes axe in German too', async () => {
    const german = await browser.newContext({ viewport: { width: 1200, height: 860 }, locale: 'de-CH', extraHTTPHeaders: { 'accept-language': 'de-CH,de;q=0.9' } });
    await german.addCookies([{ name: 'session', value: 'alice', url: base, sameSite: 'Lax' }]);
    const previous = page;
    page = await german.newPage();
    try {
      await open('#/');
      await see(page.locator('h1')).text('Transportanbieter');
      await see(page.locator('html')).attr('lang', 'de');
      await checkAccessibility('Liste');
      await shot('provider-list-de');
      await open('#/new/smtp');
      await see(page.locator('label[for="new-host"]')).contains('Server');
      await page.getByRole('button', { name: 'Anbieter anlegen' }).click();
      await see(page.locator('#new-host-error')).contains('Pflichtfeld');
      await checkAccessibility('Formular');
      await open(`#/p/${aspsmsId}/balance`);
      await see(page.locator('#balance-title')).text('Guthabenwarnung');
      await checkAccessibility('Guthaben');
      await open('#/events');
      await see(page.locator('h1')).text('Ereignisse aller Anbieter');
      await checkAccessibility('Ereignisse');
    } finally {
      await german.close();
      page = previous;
    }
  }, 90_000);

  it('takes the remaining screenshots: the list and all events', async () => {
    await open('#/');
    await see(page.locator('table.providers')).visible();
    await shot('provider-list');
    await open('#/events');
    await see(page.locator('#event-table')).visible();
    await checkAccessibility('all events');
    expect(cspViolations).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 90_000);
});
