// @ts-check
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { seg } from '../api.js';
import { describedBy, errorText, FieldNotes, Indicator, useApp } from '../ui.js';
import { ConfirmDialog } from './dialogs.js';

/**
 * The Test: runs the provider's checks and, with a recipient and after an explicit
 * confirmation, a real test send; the steps appear as they complete.
 * @param {{ detail: any }} props
 */
export function TestTab({ detail }) {
  const { api, t } = useApp();
  const { provider, live } = detail;
  const delivery = !live.ok || live.kind === 'delivery';
  const [to, setTo] = useState('');
  const [text, setText] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [running, setRunning] = useState(false);
  const [steps, setSteps] = useState(/** @type {any[]} */ ([]));
  const [report, setReport] = useState(/** @type {any} */ (null));
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const toHelpKey = /** @type {any} */ (`test.to.${['email', 'sms', 'threema'].includes(provider.channel) ? provider.channel : 'other'}`);

  const run = async (/** @type {boolean} */ confirmed) => {
    setConfirming(false);
    setRunning(true);
    setSteps([]);
    setReport(null);
    setError(null);
    const recipient = to.trim();
    try {
      await api.stream(
        `/providers/${seg(provider.id)}/test`,
        { ...(recipient ? { to: recipient, confirm: confirmed } : {}), ...(recipient && text ? { text } : {}) },
        (message) => {
          if (message.type === 'step') setSteps((list) => [...list, message.step]);
          else if (message.type === 'report') setReport(message.report);
          else if (message.type === 'error') setError(t('error.generic', { message: message.error?.message ?? '' }));
        },
      );
    } catch (e) {
      setError(/** @type {any} */ (e).issues?.[0]?.message ?? errorText(t, e));
    } finally {
      setRunning(false);
    }
  };
  const submit = (/** @type {Event} */ event) => {
    event.preventDefault();
    if (to.trim()) setConfirming(true);
    else void run(false);
  };

  return html`<section aria-labelledby="test-title">
    <h2 id="test-title">${t('test.heading')}</h2>
    <p>${delivery ? t('test.intro') : t('test.introVerifier')}</p>
    <form class="test-form" onSubmit=${submit} novalidate>
      ${delivery
        ? html`<div class="field">
              <label for="test-to">${t('test.to')}</label>
              <input id="test-to" name="to" value=${to} autocomplete="off" aria-describedby=${describedBy('test-to', true, null)}
                onInput=${(/** @type {Event} */ e) => setTo(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
              <${FieldNotes} id="test-to" help=${t(toHelpKey, { channel: provider.channel })} />
            </div>
            <div class="field">
              <label for="test-text">${t('test.text')}</label>
              <textarea id="test-text" name="text" rows="2" value=${text} aria-describedby="test-text-help" disabled=${!to.trim()}
                onInput=${(/** @type {Event} */ e) => setText(/** @type {HTMLTextAreaElement} */ (e.currentTarget).value)}></textarea>
              <${FieldNotes} id="test-text" help=${t('test.textHelp')} />
            </div>`
        : null}
      <div class="actions">
        <button type="submit" class="primary" disabled=${running} id="test-run">${running ? t('test.running') : t('test.run')}</button>
      </div>
    </form>
    ${error ? html`<p class="alert error" role="alert">${error}</p>` : null}
    <div aria-live="polite" class="test-result">
      ${steps.length > 0 || running
        ? html`<h3>${t('test.steps')}</h3>
            <ol class="steps" id="test-steps" aria-busy=${running ? 'true' : 'false'}>
              ${steps.map(
                (step, index) => html`<li key=${index} class=${step.ok ? 'ok' : 'bad'} data-step=${step.name}>
                  <${Indicator} ok=${step.ok} text=${`${stepName(t, step.name)} – ${step.ok ? t('test.stepOk') : t('test.stepFailed')}`} />
                  ${step.detail ? html`<span class="step-detail">${step.detail}</span>` : null}
                  <span class="muted"> (${step.durationMs} ms)</span>
                </li>`,
              )}
            </ol>`
        : null}
      ${report
        ? html`<p class=${`alert ${report.ok ? 'success' : 'error'}`} id="test-outcome">
            ${report.ok ? t('test.passed', { ms: report.durationMs }) : t('test.failed', { code: report.errorCode ?? '' })}
          </p>`
        : null}
    </div>
    ${confirming
      ? html`<${ConfirmDialog} title=${t('test.confirmHeading')} text=${t('test.confirmText', { to: to.trim(), name: provider.name })} confirm=${t('test.confirmSend')}
          onConfirm=${() => run(true)} onClose=${() => setConfirming(false)} id="test-confirm" />`
      : null}
  </section>`;
}

/**
 * The label of a step: the known ones translated, a provider's own (`smime.validity`) as is.
 * @param {import('../i18n.js').Translate} t
 * @param {string} name
 */
function stepName(t, name) {
  const key = /** @type {any} */ (`step.${name}`);
  return t.has(key) ? t(key) : name;
}
