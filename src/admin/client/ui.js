// @ts-check
/* global document, location, HTMLElement */
import { createContext } from 'preact';
import { html } from 'htm/preact';
import { useContext, useEffect, useRef } from 'preact/hooks';
import { ApiError } from './api.js';

/**
 * @typedef {import('./api.js').Api} Api
 * @typedef {import('./api.js').Boot} Boot
 * @typedef {import('./i18n.js').Translate} Translate
 * @typedef {{ kind: 'success' | 'error', text: string, id: number, carry: boolean }} Notice
 * @typedef {{ api: Api, t: Translate, boot: Boot, types: any[], typeOf: (type: string) => any, notify: (text: string, kind?: 'success' | 'error', carry?: boolean) => void, navigate: (hash: string) => void }} App
 */

/** @type {import('preact').Context<App>} */
export const AppContext = createContext(/** @type {any} */ (null));

/** The app's shared services. @returns {App} */
export const useApp = () => useContext(AppContext);

/** Goes to a screen (hash route). @param {string} hash */
export function navigate(hash) {
  if (location.hash === hash) return;
  location.hash = hash;
}

/**
 * The text to show for a failed call.
 * @param {Translate} t
 * @param {unknown} error
 */
export function errorText(t, error) {
  if (error instanceof ApiError) {
    const key = /** @type {any} */ (`error.${error.code}`);
    if (t.has(key)) return t(key, { message: error.message });
    return t('error.generic', { message: error.message || error.code });
  }
  return t('error.generic', { message: error instanceof Error ? error.message : String(error) });
}

/** `aria-describedby` of a control with optional help and error texts. @param {string} id @param {unknown} help @param {unknown} error */
export function describedBy(id, help, error) {
  return [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

/** Help and error lines below a control. @param {{ id: string, help?: string, error?: string }} props */
export function FieldNotes({ id, help, error }) {
  return html`
    ${help ? html`<p class="help" id=${`${id}-help`}>${help}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-error`}><span aria-hidden="true">⚠ </span>${error}</p>` : null}
  `;
}

/** A status with a symbol and a word, never color alone. @param {{ ok: boolean, text: string, id?: string }} props */
export function Indicator({ ok, text, id }) {
  return html`<span class=${`indicator ${ok ? 'ok' : 'bad'}`} id=${id} data-ok=${String(ok)}><span aria-hidden="true">${ok ? '✓' : '✗'} </span>${text}</span>`;
}

/** A heading that takes the focus when the screen opens, so screen readers announce it. @param {{ children: any, id?: string }} props */
export function ScreenHeading({ children, id }) {
  const ref = useRef(/** @type {HTMLHeadingElement | null} */ (null));
  useEffect(() => {
    if (!document.querySelector('dialog[open]')) ref.current?.focus();
  }, []);
  return html`<h1 tabindex="-1" ref=${ref} id=${id}>${children}</h1>`;
}

/**
 * A modal dialog (native `<dialog>`: focus kept inside, Escape closes).
 * @param {{ title: string, children: any, onClose: () => void, id?: string }} props
 */
export function Dialog({ title, children, onClose, id = 'dialog' }) {
  const ref = useRef(/** @type {HTMLDialogElement | null} */ (null));
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return undefined;
    const opener = document.activeElement;
    if (!dialog.open) dialog.showModal();
    const onCancel = (/** @type {Event} */ event) => {
      event.preventDefault();
      onClose();
    };
    dialog.addEventListener('cancel', onCancel);
    return () => {
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);
  return html`<dialog ref=${ref} class="dialog" aria-labelledby=${`${id}-title`} id=${id}>
    <h2 id=${`${id}-title`}>${title}</h2>
    ${children}
  </dialog>`;
}

/** Formats an ISO time for the console's language. @param {string} iso @param {'en' | 'de'} locale */
export function formatTime(iso, locale) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(locale === 'de' ? 'de-CH' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
}

/** The label of a usage kind. @param {Translate} t @param {string} kind */
export function usageKind(t, kind) {
  const key = /** @type {any} */ (`usage.kind.${kind}`);
  return t.has(key) ? t(key) : kind;
}

/** A one-line label of a usage. @param {Translate} t @param {{ kind: string, id: string, label?: string }} usage */
export function usageLabel(t, usage) {
  if (usage.kind === 'tenant-default') {
    const cut = usage.id.lastIndexOf('/');
    return `${usageKind(t, usage.kind)}: ${usage.id.slice(0, cut)} (${usage.id.slice(cut + 1)})`;
  }
  if (usage.kind === 'global-default') return `${usageKind(t, usage.kind)} (${usage.id})`;
  return usage.label ?? `${usage.kind} ${usage.id}`;
}
