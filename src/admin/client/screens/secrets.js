// @ts-check
/* global document */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { errorText, Indicator, useApp } from '../ui.js';
import { SecretInput } from './create.js';
import { ConfirmDialog } from './dialogs.js';

/**
 * "Change password" / "remove password" for each secret field. Values are write-only: the page
 * only ever learns whether a field is set.
 * @param {{ detail: any, type: any, reload: () => Promise<void> }} props
 */
export function SecretsTab({ detail, type, reload }) {
  const { t } = useApp();
  const { provider } = detail;
  const known = new Map((type?.secrets ?? []).map((/** @type {any} */ s) => [s.field, s]));
  const fields = Object.keys(provider.secrets).map((field) => known.get(field) ?? { field, label: field, multiline: false });
  return html`<section aria-labelledby="secrets-title">
    <h2 id="secrets-title">${t('secrets.heading')}</h2>
    ${fields.length === 0 ? html`<p>${t('secrets.none')}</p>` : html`<p class="help">${t('secrets.note')}</p>`}
    <ul class="secrets">
      ${fields.map((secret) => html`<${SecretRow} key=${secret.field} provider=${provider} secret=${secret} reload=${reload} />`)}
    </ul>
  </section>`;
}

/** @param {{ provider: any, secret: any, reload: () => Promise<void> }} props */
function SecretRow({ provider, secret, reload }) {
  const { api, t, notify } = useApp();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [value, setValue] = useState('');
  const [error, setError] = useState(/** @type {string | undefined} */ (undefined));
  const [busy, setBusy] = useState(false);
  const set = provider.secrets[secret.field]?.set === true;
  const id = `secret-${secret.field}`;
  const path = `/providers/${seg(provider.id)}/secrets/${seg(secret.field)}`;
  useEffect(() => {
    if (editing) document.getElementById(`${id}-value`)?.focus();
  }, [editing]);

  const save = async (/** @type {Event} */ event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api.send('PUT', path, { value });
      setValue('');
      setEditing(false);
      setError(undefined);
      notify(t('secrets.changed', { label: secret.label }));
      await reload();
    } catch (e) {
      setError(/** @type {any} */ (e).issues?.[0]?.message ?? errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setConfirming(false);
    try {
      await api.send('DELETE', path);
      notify(t('secrets.removed', { label: secret.label }));
      await reload();
    } catch (e) {
      notify(errorText(t, e), 'error');
    }
  };

  return html`<li class="secret-row" id=${`${id}-row`}>
    <div class="secret-head">
      <span class="secret-label" id=${`${id}-label`}>${secret.label}</span>
      <${Indicator} ok=${set} text=${set ? t('secrets.set') : t('secrets.notSet')} id=${`${id}-status`} />
      ${editing
        ? null
        : html`<span class="actions">
            <button type="button" class="secondary" aria-label=${t('secrets.changeOf', { label: secret.label })} onClick=${() => setEditing(true)}>${t('secrets.change')}</button>
            ${set ? html`<button type="button" class="danger" aria-label=${t('secrets.removeOf', { label: secret.label })} onClick=${() => setConfirming(true)}>${t('secrets.remove')}</button>` : null}
          </span>`}
    </div>
    ${secret.help ? html`<p class="help">${secret.help}</p>` : null}
    ${editing
      ? html`<form class="secret-form" onSubmit=${save} novalidate>
          <${SecretInput} secret=${secret} id=${`${id}-value`} value=${value} error=${error} label=${t('secrets.newValue', { label: secret.label })} onInput=${setValue} />
          <div class="actions">
            <button type="submit" class="primary" disabled=${busy}>${t('common.save')}</button>
            <button type="button" class="secondary" onClick=${() => { setEditing(false); setValue(''); setError(undefined); }}>${t('common.cancel')}</button>
          </div>
        </form>`
      : null}
    ${confirming
      ? html`<${ConfirmDialog} title=${t('secrets.confirmRemove', { label: secret.label })} text=${t('secrets.confirmRemoveText')} confirm=${t('secrets.remove')} danger=${true}
          onConfirm=${remove} onClose=${() => setConfirming(false)} id=${`${id}-confirm`} />`
      : null}
  </li>`;
}
