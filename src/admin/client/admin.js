// @ts-check
/* global document, window, location */
/**
 * The admin console's browser UI: Preact with htm (tagged templates, no build step needed for
 * them and no eval), bundled by esbuild into one ES module. Runs under a strict CSP: no inline
 * script or style, text always set as text.
 */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api.js';
import { translator } from './i18n.js';
import { ChooseType, CreateProvider } from './screens/create.js';
import { EventsScreen } from './screens/events.js';
import { ProviderList } from './screens/list.js';
import { ProviderScreen } from './screens/provider.js';
import { AppContext, errorText, navigate } from './ui.js';

/** @typedef {import('./api.js').Boot} Boot */

/** The screen a location hash names. @param {string} hash */
function parseRoute(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  if (parts.length === 0) return { screen: 'list' };
  if (parts[0] === 'new') return parts[1] ? { screen: 'create', type: parts[1] } : { screen: 'choose' };
  if (parts[0] === 'p' && parts[1]) return { screen: 'provider', id: parts[1], tab: parts[2] ?? 'settings' };
  if (parts[0] === 'events') return { screen: 'events' };
  return { screen: 'missing' };
}

function useHash() {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = () => setHash(location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

/** @param {{ boot: Boot }} props */
function App({ boot }) {
  const t = useMemo(() => translator(boot.messages), [boot]);
  const api = useMemo(() => createApi(boot), [boot]);
  const [types, setTypes] = useState(/** @type {any[] | null} */ (null));
  const [failure, setFailure] = useState(/** @type {string | null} */ (null));
  const [notice, setNotice] = useState(/** @type {import('./ui.js').Notice | null} */ (null));
  const hash = useHash();
  const route = parseRoute(hash);

  useEffect(() => {
    api.get('/types').then((data) => setTypes(data.types), (e) => setFailure(errorText(t, e)));
  }, []);
  // A notice stays until the next screen; one given with `carry` (set just before a navigation) belongs to the new screen.
  useEffect(() => {
    setNotice((current) => (current?.carry ? { ...current, carry: false } : null));
  }, [hash]);

  const app = useMemo(
    () => ({
      api,
      t,
      boot,
      types: types ?? [],
      typeOf: (/** @type {string} */ type) => (types ?? []).find((x) => x.type === type),
      notify: (/** @type {string} */ text, /** @type {'success' | 'error'} */ kind = 'success', carry = false) => setNotice({ text, kind, carry, id: Date.now() }),
      navigate,
    }),
    [types],
  );

  let screen;
  if (failure) screen = html`<p class="alert error" role="alert">${failure}</p>`;
  else if (types === null) screen = html`<p class="muted">${t('common.loading')}</p>`;
  else if (route.screen === 'list') screen = html`<${ProviderList} />`;
  else if (route.screen === 'choose') screen = html`<${ChooseType} />`;
  else if (route.screen === 'create') screen = html`<${CreateProvider} key=${route.type} type=${route.type} />`;
  else if (route.screen === 'provider') screen = html`<${ProviderScreen} key=${route.id} id=${route.id} tab=${route.tab} />`;
  else if (route.screen === 'events') screen = html`<${EventsScreen} />`;
  else screen = html`<p class="alert error" role="alert">${t('error.notFoundPage')}</p>`;

  const section = route.screen === 'events' ? 'events' : 'providers';
  return html`<${AppContext.Provider} value=${app}>
    <button type="button" class="skip" onClick=${() => document.getElementById('main')?.focus()}>${t('nav.skip')}</button>
    <header class="top">
      <a class="brand" href="#/">${boot.title}</a>
      <nav aria-label=${t('nav.label')}>
        <ul>
          <li><a href="#/" aria-current=${section === 'providers' ? 'page' : undefined}>${t('nav.providers')}</a></li>
          <li><a href="#/events" aria-current=${section === 'events' ? 'page' : undefined}>${t('nav.events')}</a></li>
        </ul>
      </nav>
      <span class="user">${t('user.signedIn', { name: boot.user.name })}</span>
    </header>
    <main id="main" tabindex="-1">
      <div class="notices" role="status" aria-live="polite" aria-atomic="true">
        ${notice && notice.kind === 'success' ? html`<p class="alert success" id="notice">${notice.text}</p>` : null}
      </div>
      <div class="notices" role="alert" aria-atomic="true">
        ${notice && notice.kind === 'error' ? html`<p class="alert error" id="notice-error">${notice.text}</p>` : null}
      </div>
      ${screen}
    </main>
  <//>`;
}

const bootElement = document.getElementById('tk-admin-boot');
const root = document.getElementById('tk-admin');
if (bootElement && root) {
  /** @type {Boot} */
  const boot = JSON.parse(bootElement.textContent ?? '{}');
  root.textContent = '';
  render(html`<${App} boot=${boot} />`, root);
}
