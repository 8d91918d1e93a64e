import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { uiMessages } from '../../src/admin/messages.js';
import { buildUiAssets, root } from './helpers.js';

const clientDir = join(root, 'src/admin/client');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.js') ? [path] : [];
  });
}

describe('the browser UI sources', () => {
  const code = sources(clientDir).map((file) => ({ file, text: readFileSync(file, 'utf8') }));

  it('uses only texts that exist in English and German', () => {
    const en = uiMessages('en');
    const de = uiMessages('de');
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    const used = new Set<string>();
    for (const { text } of code) for (const m of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]!);
    const dynamic = [
      ...['off', 'errors', 'all', 'debug'].map((l) => `level.${l}`),
      ...['error', 'warn', 'info', 'debug'].map((s) => `severity.${s}`),
      ...['settings', 'secrets', 'test', 'usage', 'balance', 'events'].map((s) => `tab.${s}`),
      ...['no-user', 'no-address', 'invalid-address', 'lookup-failed', 'provider-unavailable'].map((p) => `balance.problem.${p}`),
      ...['not-needed', 'sent', 'already-claimed', 'skipped', 'failed'].map((w) => `balance.warning.${w}`),
      ...['email', 'sms', 'threema', 'other'].map((c) => `test.to.${c}`),
      ...['CSRF', 'UNAUTHORIZED', 'FORBIDDEN', 'CONFLICT', 'NOT_FOUND', 'NETWORK', 'CONFIRMATION_REQUIRED'].map((c) => `error.${c}`),
    ];
    for (const key of [...used, ...dynamic]) {
      expect(en, key).toHaveProperty([key]);
      expect(de[key as keyof typeof de], key).toBeTruthy();
    }
    expect(used.size).toBeGreaterThan(100);
  });

  it('never builds HTML from strings or compiles code at run time', () => {
    for (const { file, text } of code) {
      expect(text, file).not.toMatch(/innerHTML|outerHTML\s*=|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write|\beval\(|new Function|\.style\s*=|setAttribute\(\s*'style'/);
    }
  });

  it('stays small: one ES module of a few tens of kB', async () => {
    const dir = await buildUiAssets();
    const js = readFileSync(join(dir, 'admin.js'));
    const css = readFileSync(join(dir, 'admin.css'));
    expect(js.length).toBeLessThan(80_000);
    expect(gzipSync(js).length).toBeLessThan(25_000);
    expect(css.length).toBeLessThan(15_000);
    expect(js.toString()).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i);
  });
});

describe('texts of the built-in provider types', () => {
  it('label every configuration and secret field in German and English (src/admin/texts.ts)', async () => {
    const { describeType } = await import('../../src/admin/forms.js');
    const { BUILT_IN_TEXTS } = await import('../../src/admin/texts.js');
    const { smtp } = await import('../../src/providers/smtp/index.js');
    const { aspsms } = await import('../../src/providers/aspsms/index.js');
    const { threema } = await import('../../src/providers/threema/index.js');
    const { totp } = await import('../../src/providers/totp/index.js');
    const { memoryTransport } = await import('../../src/testing/index.js');
    const { routeType } = await import('../../src/index.js');
    type Field = { path: string; fields?: readonly Field[] };
    const paths = (fields: readonly Field[]): string[] => fields.flatMap((f) => [f.path, ...paths(f.fields ?? [])]);
    const missing: string[] = [];
    for (const type of [smtp(), aspsms(), threema(), totp(), memoryTransport(), routeType]) {
      const texts = BUILT_IN_TEXTS[type.type];
      for (const path of paths(describeType(type, 'en').fields)) {
        const label = texts?.fields?.[path]?.label;
        if (typeof label !== 'object' || !label.en || !label.de) missing.push(`${type.type}: ${path}`);
      }
      for (const field of type.secretFields) {
        const label = texts?.secrets?.[field]?.label;
        if (typeof label !== 'object' || !label.en || !label.de) missing.push(`${type.type}: secret ${field}`);
      }
    }
    expect(missing, 'add their texts to src/admin/texts.ts').toEqual([]);
  });
});
