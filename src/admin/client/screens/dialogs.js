// @ts-check
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { describedBy, Dialog, errorText, FieldNotes, navigate, useApp, usageLabel } from '../ui.js';

/**
 * "Copy": asks for the name of the copy, then opens it.
 * @param {{ provider: any, onClose: () => void }} props
 */
export function CopyDialog({ provider, onClose }) {
  const { api, t, notify } = useApp();
  const [name, setName] = useState(t('copy.suffix', { name: provider.name }));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  const submit = async (/** @type {Event} */ event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const { provider: copy } = await api.send('POST', `/providers/${seg(provider.id)}/copy`, { name });
      notify(t('copy.done', { name: copy.name }), 'success', true);
      onClose();
      navigate(`#/p/${seg(copy.id)}`);
    } catch (e) {
      setError(/** @type {any} */ (e).issues?.[0]?.message ?? errorText(t, e));
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${t('copy.heading')} onClose=${onClose} id="copy-dialog">
    <form onSubmit=${submit} novalidate>
      <p>${t('copy.text')}</p>
      <div class="field">
        <label for="copy-name">${t('copy.name')}</label>
        <input id="copy-name" value=${name} onInput=${(/** @type {Event} */ e) => setName(/** @type {HTMLInputElement} */ (e.currentTarget).value)}
          aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy('copy-name', '', error)} autocomplete="off" />
        <${FieldNotes} id="copy-name" error=${error ?? undefined} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${t('copy.confirm')}</button>
        <button type="button" class="secondary" onClick=${onClose}>${t('common.cancel')}</button>
      </div>
    </form>
  <//>`;
}

/**
 * "Remove": confirms; a provider in use lists its usages and offers to remove it anyway.
 * @param {{ provider: any, onClose: () => void }} props
 */
export function RemoveDialog({ provider, onClose }) {
  const { api, t, notify } = useApp();
  const [usages, setUsages] = useState(/** @type {any[] | null} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  const remove = async (/** @type {boolean} */ force) => {
    setBusy(true);
    try {
      await api.send('DELETE', `/providers/${seg(provider.id)}${force ? '?force=true' : ''}`);
      notify(t('remove.done', { name: provider.name }), 'success', true);
      onClose();
      navigate('#/');
    } catch (e) {
      const failure = /** @type {any} */ (e);
      if (failure.code === 'PROVIDER_IN_USE') setUsages(failure.usages);
      else setError(errorText(t, e));
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${t('remove.heading', { name: provider.name })} onClose=${onClose} id="remove-dialog">
    ${usages
      ? html`<p>${t('remove.inUse')}</p>
          <ul>${usages.map((u) => html`<li>${usageLabel(t, u)}</li>`)}</ul>
          <p>${t('remove.forceText')}</p>`
      : html`<p>${t('remove.text')}</p>`}
    ${error ? html`<p class="alert error" role="alert">${error}</p>` : null}
    <div class="actions">
      <button type="button" class="danger" disabled=${busy} onClick=${() => remove(usages !== null)}>${usages ? t('remove.force') : t('remove.confirm')}</button>
      <button type="button" class="secondary" onClick=${onClose}>${t('common.cancel')}</button>
    </div>
  <//>`;
}

/**
 * A yes/no question.
 * @param {{ title: string, text: string, confirm: string, onConfirm: () => void, onClose: () => void, danger?: boolean, id?: string }} props
 */
export function ConfirmDialog({ title, text, confirm, onConfirm, onClose, danger = false, id = 'confirm-dialog' }) {
  const { t } = useApp();
  return html`<${Dialog} title=${title} onClose=${onClose} id=${id}>
    <p>${text}</p>
    <div class="actions">
      <button type="button" class=${danger ? 'danger' : 'primary'} onClick=${onConfirm}>${confirm}</button>
      <button type="button" class="secondary" onClick=${onClose}>${t('common.cancel')}</button>
    </div>
  <//>`;
}
