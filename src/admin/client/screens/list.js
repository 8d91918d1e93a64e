// @ts-check
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { errorText, ScreenHeading, useApp, usageLabel } from '../ui.js';
import { CopyDialog } from './dialogs.js';

/** The provider list with "new" and "copy". */
export function ProviderList() {
  const { api, t, typeOf } = useApp();
  const [providers, setProviders] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [copying, setCopying] = useState(/** @type {any} */ (null));

  useEffect(() => {
    api.get('/providers').then(
      (data) => setProviders(data.providers),
      (e) => setError(errorText(t, e)),
    );
  }, []);

  return html`<section aria-labelledby="list-title">
    <div class="title-row">
      <${ScreenHeading} id="list-title">${t('list.heading')}<//>
      <a class="button primary" href="#/new">${t('list.new')}</a>
    </div>
    ${error ? html`<p class="alert error" role="alert">${error}</p>` : null}
    ${providers === null && !error ? html`<p class="muted">${t('common.loading')}</p>` : null}
    ${providers && providers.length === 0 ? html`<p>${t('list.empty')}</p>` : null}
    ${providers && providers.length > 0
      ? html`<div class="table-wrap"><table class="providers">
          <caption class="visually-hidden">${t('list.caption')}</caption>
          <thead><tr>
            <th scope="col">${t('list.col.name')}</th>
            <th scope="col">${t('list.col.type')}</th>
            <th scope="col">${t('list.col.channel')}</th>
            <th scope="col">${t('list.col.secrets')}</th>
            <th scope="col">${t('list.col.usedBy')}</th>
            <th scope="col"><span class="visually-hidden">${t('list.col.actions')}</span></th>
          </tr></thead>
          <tbody>
            ${providers.map((p) => {
              const fields = Object.values(p.secrets);
              const set = fields.filter((s) => /** @type {any} */ (s).set).length;
              return html`<tr key=${p.id}>
                <th scope="row"><a href=${`#/p/${seg(p.id)}`}>${p.name}</a></th>
                <td>${typeOf(p.type)?.name ?? p.type}</td>
                <td>${p.channel}</td>
                <td>${fields.length === 0 ? t('list.noSecrets') : t('list.secrets', { set, total: fields.length })}</td>
                <td>${p.usages.length === 0 ? html`<span class="muted">${t('list.unused')}</span>` : html`<ul class="plain">${p.usages.map((u) => html`<li>${usageLabel(t, u)}</li>`)}</ul>`}</td>
                <td><button type="button" class="secondary" aria-label=${t('list.copyOf', { name: p.name })} onClick=${() => setCopying(p)}>${t('list.copy')}</button></td>
              </tr>`;
            })}
          </tbody>
        </table></div>`
      : null}
    ${copying ? html`<${CopyDialog} provider=${copying} onClose=${() => setCopying(null)} />` : null}
  </section>`;
}
