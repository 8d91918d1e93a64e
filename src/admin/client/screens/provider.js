// @ts-check
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { errorText, formatTime, Indicator, ScreenHeading, useApp } from '../ui.js';
import { BalanceTab } from './balance.js';
import { CopyDialog, RemoveDialog } from './dialogs.js';
import { EventsTab } from './events.js';
import { SecretsTab } from './secrets.js';
import { SettingsTab } from './settings.js';
import { TestTab } from './test.js';
import { UsageTab } from './usage.js';

const TABS = /** @type {const} */ (['settings', 'secrets', 'test', 'usage', 'balance', 'events']);

/**
 * One provider: header (type, channel, S/MIME readiness, build problems), copy and remove, and
 * its sections as tabs.
 * @param {{ id: string, tab: string }} props
 */
export function ProviderScreen({ id, tab }) {
  const { api, t, typeOf, boot } = useApp();
  const [detail, setDetail] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [dialog, setDialog] = useState(/** @type {'copy' | 'remove' | null} */ (null));

  const reload = useCallback(async () => {
    try {
      setDetail(await api.get(`/providers/${seg(id)}`));
      setError(null);
    } catch (e) {
      setError(errorText(t, e));
    }
  }, [id]);
  useEffect(() => {
    setDetail(null);
    void reload();
  }, [id]);

  if (error && !detail) return html`<section><p class="crumbs"><a href="#/">${t('provider.back')}</a></p><p class="alert error" role="alert">${error}</p></section>`;
  if (!detail) return html`<p class="muted">${t('common.loading')}</p>`;
  const { provider, live } = detail;
  const type = typeOf(provider.type);
  const tabs = TABS.filter((name) => name !== 'balance' || (boot.features.balance && detail.balance));
  const current = tabs.includes(/** @type {any} */ (tab)) ? tab : 'settings';
  const base = `#/p/${seg(provider.id)}`;
  const certificate = live.ok ? live.certificate : undefined;

  return html`<section class="provider">
    <p class="crumbs"><a href="#/">${t('provider.back')}</a></p>
    <div class="title-row">
      <${ScreenHeading} id="provider-title">${provider.name}<//>
      <div class="actions">
        <button type="button" class="secondary" onClick=${() => setDialog('copy')}>${t('provider.copy')}</button>
        <button type="button" class="danger" onClick=${() => setDialog('remove')}>${t('provider.remove')}</button>
      </div>
    </div>
    <dl class="facts">
      <div><dt>${t('provider.type')}</dt><dd>${type?.name ?? provider.type}</dd></div>
      <div><dt>${t('provider.channel')}</dt><dd>${provider.channel}</dd></div>
      <div><dt>${t('provider.version')}</dt><dd>${provider.version}</dd></div>
      <div><dt>${t('provider.updated')}</dt><dd>${formatTime(provider.updatedAt, boot.locale)}</dd></div>
    </dl>
    ${certificate
      ? html`<div class="certificate">
          <${Indicator} ok=${certificate.ready} text=${certificate.ready ? t('cert.ready') : t('cert.notReady')} id="certificate-indicator" />
          <details>
            <summary>${t('cert.details')}</summary>
            ${certificate.certificate ? html`<p>${t('cert.subject', { subject: certificate.certificate.subject })}</p>` : null}
            <ul class="checks">
              ${certificate.checks.map((/** @type {any} */ c) => html`<li><${Indicator} ok=${c.ok} text=${`${c.name}: ${c.detail}`} /></li>`)}
            </ul>
          </details>
        </div>`
      : null}
    ${live.ok ? null : html`<p class="alert warning" id="provider-problem"><span aria-hidden="true">⚠ </span>${t('provider.broken', { message: live.message })}</p>`}
    <nav class="tabs" aria-label=${t('provider.tabs')}>
      <ul>
        ${tabs.map(
          (name) => html`<li key=${name}><a href=${`${base}/${name}`} aria-current=${name === current ? 'page' : undefined} id=${`tab-${name}`}>${t(`tab.${name}`)}</a></li>`,
        )}
      </ul>
    </nav>
    <div class="tab-panel" aria-labelledby=${`tab-${current}`}>
      ${current === 'settings' ? html`<${SettingsTab} detail=${detail} type=${type} reload=${reload} />` : null}
      ${current === 'secrets' ? html`<${SecretsTab} detail=${detail} type=${type} reload=${reload} />` : null}
      ${current === 'test' ? html`<${TestTab} detail=${detail} />` : null}
      ${current === 'usage' ? html`<${UsageTab} detail=${detail} reload=${reload} />` : null}
      ${current === 'balance' ? html`<${BalanceTab} detail=${detail} />` : null}
      ${current === 'events' ? html`<${EventsTab} detail=${detail} reload=${reload} />` : null}
    </div>
    ${dialog === 'copy' ? html`<${CopyDialog} provider=${provider} onClose=${() => setDialog(null)} />` : null}
    ${dialog === 'remove' ? html`<${RemoveDialog} provider=${provider} onClose=${() => setDialog(null)} />` : null}
  </section>`;
}
