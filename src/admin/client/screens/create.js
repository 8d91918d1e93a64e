// @ts-check
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { collectConfig, ConfigFields, ErrorSummary, errorsOf, fieldLabels, initialState } from '../form.js';
import { describedBy, errorText, FieldNotes, navigate, ScreenHeading, useApp } from '../ui.js';

export const EVENT_LEVELS = /** @type {const} */ (['off', 'errors', 'all', 'debug']);

/** "New provider": the list of provider types. */
export function ChooseType() {
  const { t, types } = useApp();
  return html`<section>
    <p class="crumbs"><a href="#/">${t('provider.back')}</a></p>
    <${ScreenHeading}>${t('new.heading')}<//>
    <p>${t('new.choose')}</p>
    <ul class="type-list">
      ${types.map(
        (type) => html`<li key=${type.type}>
          <a href=${`#/new/${seg(type.type)}`}>${type.name}</a>
          ${type.description ? html`<p class="muted">${type.description}</p>` : null}
        </li>`,
      )}
    </ul>
  </section>`;
}

/**
 * The form of a new provider of one type: name, the generated settings, secrets, event level.
 * @param {{ type: string }} props
 */
export function CreateProvider({ type: typeName }) {
  const { api, t, typeOf, notify } = useApp();
  const type = typeOf(typeName);
  const [name, setName] = useState('');
  const [eventLevel, setEventLevel] = useState('all');
  const [state, setState] = useState(() => (type ? initialState(type.fields, undefined) : {}));
  const [secrets, setSecrets] = useState(/** @type {Record<string, string>} */ ({}));
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [failure, setFailure] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  if (!type) return html`<p class="alert error" role="alert">${t('error.notFoundPage')}</p>`;

  const prefix = 'new';
  const labels = {
    name: { id: 'new-name', label: t('field.name') },
    eventLevel: { id: 'new-eventLevel', label: t('field.eventLevel') },
    ...fieldLabels(type.fields, prefix),
    ...Object.fromEntries(type.secrets.map((/** @type {any} */ s) => [`secrets.${s.field}`, { id: `new-secret-${s.field}`, label: s.label }])),
  };

  const submit = async (/** @type {Event} */ event) => {
    event.preventDefault();
    const { config, errors: local } = collectConfig(type.fields, state, t);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      const filled = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
      const { provider } = await api.send('POST', '/providers', { type: type.type, name, config, secrets: filled, eventLevel });
      notify(t('new.created', { name: provider.name }), 'success', true);
      navigate(`#/p/${seg(provider.id)}`);
    } catch (e) {
      const issues = /** @type {any} */ (e).issues ?? [];
      if (issues.length > 0) setErrors(errorsOf(issues));
      else setFailure(errorText(t, e));
      setBusy(false);
    }
  };

  return html`<section>
    <p class="crumbs"><a href="#/new">${t('new.back')}</a></p>
    <${ScreenHeading}>${t('new.headingType', { type: type.name })}<//>
    ${type.description ? html`<p class="muted">${type.description}</p>` : null}
    <form class="provider-form" onSubmit=${submit} novalidate>
      <${ErrorSummary} errors=${errors} labels=${labels} />
      ${failure ? html`<p class="alert error" role="alert">${failure}</p>` : null}
      <div class="field">
        <label for="new-name">${t('field.name')}</label>
        <input id="new-name" name="name" value=${name} placeholder=${type.name} autocomplete="off"
          aria-describedby=${describedBy('new-name', true, errors.name)} aria-invalid=${errors.name ? 'true' : undefined}
          onInput=${(/** @type {Event} */ e) => setName(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
        <${FieldNotes} id="new-name" help=${t('field.nameHelp')} error=${errors.name} />
      </div>
      <fieldset class="section">
        <legend>${t('field.settings')}</legend>
        <${ConfigFields} fields=${type.fields} state=${state} errors=${errors} prefix=${prefix}
          onChange=${(/** @type {string} */ path, /** @type {string | boolean} */ value) => setState((s) => ({ ...s, [path]: value }))} />
      </fieldset>
      ${type.secrets.length > 0
        ? html`<fieldset class="section">
            <legend>${t('secrets.heading')}</legend>
            <p class="help">${t('secrets.note')} ${t('secrets.newNote')}</p>
            ${type.secrets.map((/** @type {any} */ s) => html`<${SecretInput} key=${s.field} secret=${s} id=${`new-secret-${s.field}`} value=${secrets[s.field] ?? ''}
              error=${errors[`secrets.${s.field}`]} onInput=${(/** @type {string} */ v) => setSecrets((all) => ({ ...all, [s.field]: v }))} />`)}
          </fieldset>`
        : null}
      <div class="field">
        <label for="new-eventLevel">${t('field.eventLevel')}</label>
        <select id="new-eventLevel" value=${eventLevel} aria-describedby="new-eventLevel-help"
          onChange=${(/** @type {Event} */ e) => setEventLevel(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          ${EVENT_LEVELS.map((level) => html`<option value=${level}>${t(`level.${level}`)}</option>`)}
        </select>
        <${FieldNotes} id="new-eventLevel" help=${t('field.eventLevelHelp')} error=${errors.eventLevel} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? t('new.creating') : t('new.create')}</button>
        <a class="button secondary" href="#/">${t('common.cancel')}</a>
      </div>
    </form>
  </section>`;
}

/**
 * A write-only secret input: a password field, or a text area for multi-line values (never
 * prefilled, never echoed).
 * @param {{ secret: { field: string, label: string, help?: string, multiline: boolean }, id: string, value: string, error?: string, onInput: (value: string) => void, label?: string }} props
 */
export function SecretInput({ secret, id, value, error, onInput, label }) {
  const input = (/** @type {Event} */ e) => onInput(/** @type {HTMLInputElement} */ (e.currentTarget).value);
  const common = { id, name: `secret-${secret.field}`, value, autocomplete: 'off', spellcheck: false, 'aria-describedby': describedBy(id, secret.help, error), 'aria-invalid': error ? 'true' : undefined, onInput: input };
  return html`<div class="field">
    <label for=${id}>${label ?? secret.label}</label>
    ${secret.multiline ? html`<textarea ...${common} rows="4" class="secret"></textarea>` : html`<input type="password" ...${common} autocomplete="new-password" />`}
    <${FieldNotes} id=${id} help=${secret.help} error=${error} />
  </div>`;
}
