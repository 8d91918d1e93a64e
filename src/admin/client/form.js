// @ts-check
/* global document */
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import { describedBy, FieldNotes, useApp } from './ui.js';

/**
 * A control of a generated form, as the server describes it (from the type's zod schema).
 * @typedef {{ key: string, path: string, label: string, help?: string, required: boolean,
 *   control: 'text' | 'textarea' | 'number' | 'checkbox' | 'select' | 'group' | 'list' | 'json',
 *   inputType?: string, integer?: boolean, default?: unknown, min?: number, max?: number,
 *   minLength?: number, maxLength?: number, options?: { value: string | number | boolean, label: string }[],
 *   fields?: FormField[], orString?: string }} FormField
 * @typedef {Record<string, string | boolean>} FormState
 * @typedef {Record<string, string>} FieldErrors
 */

/** The DOM id of a field. @param {string} prefix @param {string} path */
export const fieldId = (prefix, path) => `${prefix}-${path.replace(/[^A-Za-z0-9]+/g, '-')}`;

/** An optional nested object is switched on and off by a checkbox. @param {FormField} field */
const hasToggle = (field) => field.control === 'group' && !field.required && !field.orString;

const useKey = (/** @type {string} */ path) => `@use:${path}`;

/**
 * The form state of a configuration: one raw value per field path.
 * @param {readonly FormField[]} fields
 * @param {Record<string, any> | undefined} config the stored config (edit) or undefined (new: defaults)
 * @returns {FormState}
 */
export function initialState(fields, config) {
  /** @type {FormState} */
  const state = {};
  const fill = (/** @type {readonly FormField[]} */ list, /** @type {any} */ values, /** @type {boolean} */ defaults) => {
    for (const field of list) {
      let value = values?.[field.key];
      if (value === undefined && defaults) value = field.default;
      switch (field.control) {
        case 'checkbox':
          state[field.path] = value === undefined ? field.default === true : Boolean(value);
          break;
        case 'json':
          state[field.path] = value === undefined ? '' : JSON.stringify(value, null, 2);
          break;
        case 'list':
          state[field.path] = Array.isArray(value) ? value.join('\n') : '';
          break;
        case 'group': {
          const object = typeof value === 'string' && field.orString ? { [field.orString]: value } : value;
          if (hasToggle(field)) state[useKey(field.path)] = !defaults && values?.[field.key] !== undefined;
          fill(field.fields ?? [], object, defaults || object === undefined);
          break;
        }
        default:
          state[field.path] = value === undefined || value === null ? '' : String(value);
      }
    }
  };
  fill(fields, config, config === undefined);
  return state;
}

/**
 * The configuration object of a form state; empty optional fields are left out. JSON fields that
 * do not parse are reported in `errors`.
 * @param {readonly FormField[]} fields
 * @param {FormState} state
 * @param {(key: any) => string} jsonError
 */
export function collectConfig(fields, state, jsonError) {
  /** @type {FieldErrors} */
  const errors = {};
  /** @returns {Record<string, unknown>} */
  const collect = (/** @type {readonly FormField[]} */ list) => {
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const field of list) {
      const value = one(field);
      if (value !== undefined) out[field.key] = value;
    }
    return out;
  };
  /** @returns {unknown} */
  const one = (/** @type {FormField} */ field) => {
    const raw = state[field.path];
    switch (field.control) {
      case 'checkbox':
        return Boolean(raw);
      case 'number': {
        const text = String(raw ?? '').trim();
        if (text === '') return undefined;
        const number = Number(text);
        return Number.isFinite(number) ? number : text;
      }
      case 'select': {
        if (raw === '' || raw === undefined) return undefined;
        const option = (field.options ?? []).find((o) => String(o.value) === raw);
        return option ? option.value : raw;
      }
      case 'list': {
        const items = String(raw ?? '')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line !== '');
        return items.length === 0 ? undefined : items;
      }
      case 'json': {
        const text = String(raw ?? '').trim();
        if (text === '') return undefined;
        try {
          return JSON.parse(text);
        } catch {
          errors[`config.${field.path}`] = jsonError('field.jsonInvalid');
          return undefined;
        }
      }
      case 'group': {
        if (hasToggle(field) && !state[useKey(field.path)]) return undefined;
        const inner = collect(field.fields ?? []);
        return !field.required && Object.keys(inner).length === 0 ? undefined : inner;
      }
      default:
        return raw === '' || raw === undefined ? undefined : raw;
    }
  };
  return { config: collect(fields), errors };
}

/** The label text with the "required" marker. @param {{ label: string, required: boolean }} props */
function LabelText({ label, required }) {
  const { t } = useApp();
  return html`${label}${required ? html` <abbr class="req" title=${t('common.required')}>*</abbr>` : null}`;
}

/**
 * The controls of a configuration form, generated from the field descriptions.
 * @param {{ fields: readonly FormField[], state: FormState, onChange: (path: string, value: string | boolean) => void, errors: FieldErrors, prefix: string }} props
 */
export function ConfigFields({ fields, state, onChange, errors, prefix }) {
  return html`${fields.map((field) => html`<${Control} key=${field.path} field=${field} state=${state} onChange=${onChange} errors=${errors} prefix=${prefix} />`)}`;
}

/** @param {{ field: FormField, state: FormState, onChange: (path: string, value: string | boolean) => void, errors: FieldErrors, prefix: string }} props */
function Control({ field, state, onChange, errors, prefix }) {
  const { t } = useApp();
  const id = fieldId(prefix, field.path);
  const error = errors[`config.${field.path}`];
  const help = [field.help, field.default !== undefined && field.control !== 'group' && field.control !== 'checkbox' ? t('field.default', { value: displayDefault(field) }) : '', field.control === 'json' ? t('field.json') : '', field.control === 'list' ? t('field.list') : '']
    .filter(Boolean)
    .join(' ');
  const described = describedBy(id, help, error);
  const raw = state[field.path];
  const value = typeof raw === 'string' ? raw : '';
  const input = (/** @type {Event} */ event) => onChange(field.path, /** @type {HTMLInputElement} */ (event.currentTarget).value);

  if (field.control === 'group') {
    const toggled = !hasToggle(field) || Boolean(state[useKey(field.path)]);
    return html`<fieldset class="group" id=${id} aria-describedby=${described}>
      <legend><${LabelText} label=${field.label} required=${field.required} /></legend>
      <${FieldNotes} id=${id} help=${field.help} error=${error} />
      ${hasToggle(field)
        ? html`<div class="check">
            <input type="checkbox" id=${`${id}-use`} checked=${toggled} onChange=${(/** @type {Event} */ e) => onChange(useKey(field.path), /** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
            <label for=${`${id}-use`}>${t('field.use', { label: field.label })}</label>
          </div>`
        : null}
      ${toggled ? html`<div class="group-fields"><${ConfigFields} fields=${field.fields ?? []} state=${state} onChange=${onChange} errors=${errors} prefix=${prefix} /></div>` : null}
    </fieldset>`;
  }
  if (field.control === 'checkbox') {
    return html`<div class="field check-field">
      <div class="check">
        <input type="checkbox" id=${id} name=${field.path} checked=${Boolean(raw)} aria-describedby=${described} aria-invalid=${error ? 'true' : undefined}
          onChange=${(/** @type {Event} */ e) => onChange(field.path, /** @type {HTMLInputElement} */ (e.currentTarget).checked)} />
        <label for=${id}>${field.label}</label>
      </div>
      <${FieldNotes} id=${id} help=${help} error=${error} />
    </div>`;
  }
  const common = { id, name: field.path, 'aria-describedby': described, 'aria-invalid': error ? 'true' : undefined, required: field.required, onInput: input, value };
  let control;
  if (field.control === 'select') {
    const empty = !field.required && field.default === undefined;
    control = html`<select ...${common} onChange=${input}>
      ${empty ? html`<option value="">${t('field.choose')}</option>` : null}
      ${(field.options ?? []).map((o) => html`<option value=${String(o.value)}>${o.label}</option>`)}
    </select>`;
  } else if (field.control === 'textarea' || field.control === 'json' || field.control === 'list') {
    control = html`<textarea ...${common} rows=${field.control === 'textarea' ? 6 : 4} spellcheck="false" maxlength=${field.maxLength}></textarea>`;
  } else if (field.control === 'number') {
    control = html`<input type="number" ...${common} inputmode=${field.integer ? 'numeric' : 'decimal'} step=${field.integer ? '1' : 'any'} min=${field.min} max=${field.max} />`;
  } else {
    control = html`<input type=${field.inputType ?? 'text'} ...${common} minlength=${field.minLength} maxlength=${field.maxLength} spellcheck="false" autocomplete="off" />`;
  }
  return html`<div class="field">
    <label for=${id}><${LabelText} label=${field.label} required=${field.required} /></label>
    ${control}
    <${FieldNotes} id=${id} help=${help} error=${error} />
  </div>`;
}

/** @param {FormField} field */
function displayDefault(field) {
  const option = field.options?.find((o) => o.value === field.default);
  if (option) return option.label;
  return typeof field.default === 'object' ? JSON.stringify(field.default) : String(field.default);
}

/**
 * The list of errors above a form; it takes the focus so the user hears what to fix, and each
 * entry moves to its field.
 * @param {{ errors: FieldErrors, labels: Record<string, { id: string, label: string }> }} props
 */
export function ErrorSummary({ errors, labels }) {
  const { t } = useApp();
  const ref = useRef(/** @type {HTMLDivElement | null} */ (null));
  const entries = Object.entries(errors);
  useEffect(() => {
    if (entries.length > 0) ref.current?.focus();
  }, [errors]);
  if (entries.length === 0) return null;
  return html`<div class="error-summary" role="alert" tabindex="-1" ref=${ref}>
    <p>${t('form.summary', { count: entries.length })}</p>
    <ul>
      ${entries.map(([field, message]) => {
        const target = labels[field];
        return html`<li>
          ${target
            ? html`<button type="button" class="link" onClick=${() => document.getElementById(target.id)?.focus()}>${target.label}</button>: ${message}`
            : html`${field}: ${message}`}
        </li>`;
      })}
    </ul>
  </div>`;
}

/**
 * Field id and label of every config field by its error name (`config.path`), for the summary.
 * @param {readonly FormField[]} fields
 * @param {string} prefix
 * @param {string} [parentLabel]
 * @returns {Record<string, { id: string, label: string }>}
 */
export function fieldLabels(fields, prefix, parentLabel = '') {
  /** @type {Record<string, { id: string, label: string }>} */
  const out = {};
  for (const field of fields) {
    const label = parentLabel ? `${parentLabel} › ${field.label}` : field.label;
    out[`config.${field.path}`] = { id: field.control === 'group' && !hasToggle(field) ? fieldId(prefix, (field.fields ?? [])[0]?.path ?? field.path) : field.control === 'group' ? `${fieldId(prefix, field.path)}-use` : fieldId(prefix, field.path), label };
    if (field.fields) Object.assign(out, fieldLabels(field.fields, prefix, label));
  }
  return out;
}

/**
 * Field errors by name from a failed call's issues (first message per field).
 * @param {{ field: string, message: string }[]} issues
 * @returns {FieldErrors}
 */
export function errorsOf(issues) {
  /** @type {FieldErrors} */
  const out = {};
  for (const issue of issues) if (!(issue.field in out)) out[issue.field] = issue.message;
  return out;
}
