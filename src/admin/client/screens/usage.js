// @ts-check
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { describedBy, errorText, FieldNotes, useApp, usageKind } from '../ui.js';

/**
 * "Used by": the places the host registered, the defaults this provider is; make it the default
 * for a tenant or globally, clear a default.
 * @param {{ detail: any, reload: () => Promise<void> }} props
 */
export function UsageTab({ detail, reload }) {
  const { api, t, notify } = useApp();
  const { provider, usages, defaults } = detail;
  const [scope, setScope] = useState(/** @type {'global' | 'tenant'} */ ('tenant'));
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState(/** @type {string | undefined} */ (undefined));
  const [busy, setBusy] = useState(false);
  const scopeText = (/** @type {string | null} */ name) => (name === null ? t('defaults.global') : t('defaults.tenantOf', { tenant: name }));

  const submit = async (/** @type {Event} */ event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const body = scope === 'global' ? { tenant: null } : { tenant };
      await api.send('PUT', `/providers/${seg(provider.id)}/default`, body);
      setError(undefined);
      notify(t('defaults.done', { channel: provider.channel, scope: scopeText(scope === 'global' ? null : tenant.trim()) }));
      setTenant('');
      await reload();
    } catch (e) {
      setError(/** @type {any} */ (e).issues?.[0]?.message ?? errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  const clear = async (/** @type {{ channel: string, tenant: string | null }} */ entry) => {
    try {
      await api.send('DELETE', `/defaults/${seg(entry.channel)}${entry.tenant === null ? '' : `?tenant=${encodeURIComponent(entry.tenant)}`}`);
      notify(t('defaults.cleared', { scope: scopeText(entry.tenant) }));
      await reload();
    } catch (e) {
      notify(errorText(t, e), 'error');
    }
  };

  return html`<section aria-labelledby="usage-title">
    <h2 id="usage-title">${t('usage.heading')}</h2>
    ${usages.length === 0
      ? html`<p id="usage-none">${t('usage.none')}</p>`
      : html`<table class="usages" id="usage-table">
          <caption class="visually-hidden">${t('usage.caption')}</caption>
          <thead><tr><th scope="col">${t('usage.kind')}</th><th scope="col">${t('usage.what')}</th></tr></thead>
          <tbody>
            ${usages.map((/** @type {any} */ u) => html`<tr key=${`${u.kind}/${u.id}`}><td>${usageKind(t, u.kind)}</td><td>${u.kind.endsWith('-default') ? usageWhat(u) : (u.label ?? u.id)}</td></tr>`)}
          </tbody>
        </table>`}
    <h2 id="defaults-title">${t('defaults.heading')}</h2>
    <p>${t('defaults.intro', { channel: provider.channel })}</p>
    ${defaults.length > 0
      ? html`<p>${t('defaults.current')}</p>
          <ul class="defaults">
            ${defaults.map(
              (/** @type {any} */ d) => html`<li key=${`${d.channel}/${d.tenant}`}>
                ${scopeText(d.tenant)}
                <button type="button" class="secondary small" aria-label=${t('defaults.clearOf', { scope: scopeText(d.tenant) })} onClick=${() => clear(d)}>${t('defaults.clear')}</button>
              </li>`,
            )}
          </ul>`
      : null}
    <form class="default-form" onSubmit=${submit} novalidate>
      <fieldset>
        <legend>${t('defaults.scope')}</legend>
        <div class="check">
          <input type="radio" id="default-scope-tenant" name="scope" value="tenant" checked=${scope === 'tenant'} onChange=${() => setScope('tenant')} />
          <label for="default-scope-tenant">${t('defaults.scopeTenant')}</label>
        </div>
        <div class="check">
          <input type="radio" id="default-scope-global" name="scope" value="global" checked=${scope === 'global'} onChange=${() => setScope('global')} />
          <label for="default-scope-global">${t('defaults.scopeGlobal')}</label>
        </div>
      </fieldset>
      ${scope === 'tenant'
        ? html`<div class="field">
            <label for="default-tenant">${t('defaults.tenant')}</label>
            <input id="default-tenant" name="tenant" value=${tenant} autocomplete="off" aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy('default-tenant', '', error)}
              onInput=${(/** @type {Event} */ e) => setTenant(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
            <${FieldNotes} id="default-tenant" error=${error} />
          </div>`
        : error ? html`<p class="alert error" role="alert">${error}</p>` : null}
      <div class="actions"><button type="submit" class="primary" disabled=${busy}>${t('defaults.set')}</button></div>
    </form>
  </section>`;
}

/** `acme/sms` → `acme (sms)`. @param {{ kind: string, id: string }} usage */
function usageWhat(usage) {
  if (usage.kind === 'global-default') return usage.id;
  const cut = usage.id.lastIndexOf('/');
  return `${usage.id.slice(0, cut)} (${usage.id.slice(cut + 1)})`;
}
