// @ts-check
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { collectConfig, ConfigFields, ErrorSummary, errorsOf, fieldLabels, initialState } from '../form.js';
import { describedBy, errorText, FieldNotes, useApp } from '../ui.js';

/**
 * The provider's settings: its name and the form generated from its type's schema.
 * @param {{ detail: any, type: any, reload: () => Promise<void> }} props
 */
export function SettingsTab({ detail, type, reload }) {
  const { api, t, notify } = useApp();
  const { provider } = detail;
  const fields = type?.fields ?? [];
  const [name, setName] = useState(provider.name);
  const [state, setState] = useState(() => initialState(fields, provider.config));
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [failure, setFailure] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  const prefix = 'edit';
  const labels = { name: { id: 'edit-name', label: t('field.name') }, ...fieldLabels(fields, prefix) };

  const submit = async (/** @type {Event} */ event) => {
    event.preventDefault();
    const { config, errors: local } = collectConfig(fields, state, t);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await api.send('PATCH', `/providers/${seg(provider.id)}`, { name, config, expectedVersion: provider.version });
      setErrors({});
      notify(t('form.saved'));
      await reload();
    } catch (e) {
      const issues = /** @type {any} */ (e).issues ?? [];
      if (issues.length > 0) setErrors(errorsOf(issues));
      else setFailure(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };

  return html`<section aria-labelledby="settings-title">
    <h2 id="settings-title">${t('tab.settings')}</h2>
    <form class="provider-form" onSubmit=${submit} novalidate>
      <${ErrorSummary} errors=${errors} labels=${labels} />
      ${failure ? html`<p class="alert error" role="alert">${failure}</p>` : null}
      <div class="field">
        <label for="edit-name">${t('field.name')} <abbr class="req" title=${t('common.required')}>*</abbr></label>
        <input id="edit-name" name="name" value=${name} required autocomplete="off"
          aria-describedby=${describedBy('edit-name', true, errors.name)} aria-invalid=${errors.name ? 'true' : undefined}
          onInput=${(/** @type {Event} */ e) => setName(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
        <${FieldNotes} id="edit-name" help=${t('field.nameHelp')} error=${errors.name} />
      </div>
      <${ConfigFields} fields=${fields} state=${state} errors=${errors} prefix=${prefix}
        onChange=${(/** @type {string} */ path, /** @type {string | boolean} */ value) => setState((s) => ({ ...s, [path]: value }))} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? t('common.saving') : t('common.save')}</button>
      </div>
    </form>
  </section>`;
}
