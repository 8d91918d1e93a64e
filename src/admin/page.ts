import type { AdminLocale } from './types.js';

/** What the page hands the browser UI (read with `JSON.parse`, never executed). */
export interface BootData {
  readonly basePath: string;
  readonly locale: AdminLocale;
  readonly title: string;
  readonly user: { readonly id: string; readonly name: string };
  readonly csrfToken: string;
  readonly features: { readonly balance: boolean; readonly userList: boolean };
  /** The UI texts of `locale`. */
  readonly messages: Readonly<Record<string, string>>;
}

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that is safe inside `<script type="application/json">`: `<`, `>`, `&` and the JavaScript
 * line separators are escaped, so no value can close the element.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The console's one HTML page: no inline script or style, the UI loads from `assets/`. */
export function renderPage(boot: BootData, versions: { readonly js: string; readonly css: string; readonly icon: string }): string {
  const assets = `${boot.basePath}/assets`;
  const loading = boot.locale === 'de' ? 'Wird geladen …' : 'Loading …';
  const noScript = boot.locale === 'de' ? 'Die Verwaltung braucht JavaScript.' : 'The console needs JavaScript.';
  return `<!doctype html>
<html lang="${boot.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${escapeHtml(boot.title)}</title>
<link rel="stylesheet" href="${escapeHtml(`${assets}/admin.css?v=${versions.css}`)}">
<link rel="icon" type="image/svg+xml" href="${escapeHtml(`${assets}/icon.svg?v=${versions.icon}`)}">
<script type="module" src="${escapeHtml(`${assets}/admin.js?v=${versions.js}`)}"></script>
</head>
<body>
<script type="application/json" id="tk-admin-boot">${scriptJson(boot)}</script>
<div id="tk-admin"><p class="loading">${escapeHtml(loading)}</p><noscript><p>${escapeHtml(noScript)}</p></noscript></div>
</body>
</html>
`;
}
