// @ts-check
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { describedBy, errorText, FieldNotes, formatTime, Indicator, useApp } from '../ui.js';

/**
 * The balance panel: last balance, threshold (0 = never), the user to notify, that user's
 * address for this provider's channel with the "ready" indicator, and "check now".
 * @param {{ detail: any }} props
 */
export function BalanceTab({ detail }) {
  const { api, t, boot, notify } = useApp();
  const { provider } = detail;
  const path = `/providers/${seg(provider.id)}/balance`;
  const [status, setStatus] = useState(/** @type {any} */ (null));
  const [users, setUsers] = useState(/** @type {any[] | null} */ (null));
  const [threshold, setThreshold] = useState('');
  const [user, setUser] = useState('');
  const [errors, setErrors] = useState(/** @type {Record<string, string>} */ ({}));
  const [failure, setFailure] = useState(/** @type {string | null} */ (null));
  const [busy, setBusy] = useState(false);
  const [checking, setChecking] = useState(false);
  const [result, setResult] = useState(/** @type {any} */ (null));

  const show = (/** @type {any} */ next) => {
    setStatus(next);
    setThreshold(String(next.threshold));
    setUser(next.notifyUserId ?? '');
  };
  useEffect(() => {
    api.get(path).then((data) => show(data.status), (e) => setFailure(errorText(t, e)));
    if (boot.features.userList) api.get('/users').then((data) => setUsers(data.users), () => setUsers([]));
  }, [provider.id]);

  const save = async (/** @type {Event} */ event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    try {
      const number = Number(threshold.trim());
      const body = { threshold: threshold.trim() === '' || !Number.isFinite(number) ? threshold : number, notifyUserId: user === '' ? null : user };
      const data = await api.send('PUT', path, body);
      setErrors({});
      show(data.status);
      notify(t('balance.saved'));
    } catch (e) {
      const issues = /** @type {any} */ (e).issues ?? [];
      if (issues.length > 0) setErrors(Object.fromEntries(issues.map((/** @type {any} */ i) => [i.field, i.message])));
      else setFailure(errorText(t, e));
    } finally {
      setBusy(false);
    }
  };
  const check = async () => {
    setChecking(true);
    setResult(null);
    try {
      const data = await api.send('POST', `${path}/check`);
      setResult(data.result);
      show(data.status);
    } catch (e) {
      setFailure(errorText(t, e));
    } finally {
      setChecking(false);
    }
  };

  if (!status) return html`<section><h2>${t('balance.heading')}</h2>${failure ? html`<p class="alert error" role="alert">${failure}</p>` : html`<p class="muted">${t('common.loading')}</p>`}</section>`;
  const reading = status.lastBalance;
  const problem = status.recipientProblem ? t(/** @type {any} */ (`balance.problem.${status.recipientProblem}`)) : '';
  return html`<section aria-labelledby="balance-title">
    <h2 id="balance-title">${t('balance.heading')}</h2>
    ${status.balanceSupported ? null : html`<p class="alert warning">${t('balance.unsupported')}</p>`}
    <dl class="facts">
      <div><dt>${t('balance.last')}</dt><dd id="balance-last">${reading ? t('balance.at', { amount: reading.amount, unit: reading.unit, time: formatTime(reading.checkedAt, boot.locale) }) : t('balance.never')}</dd></div>
      <div><dt>${t('balance.address', { channel: provider.channel })}</dt><dd id="balance-address">${status.address ?? t('balance.noAddress')}</dd></div>
      ${status.lastWarningDay ? html`<div><dt>${t('balance.lastWarning')}</dt><dd>${status.lastWarningDay}</dd></div>` : null}
      ${status.lastError ? html`<div><dt>${t('balance.lastError')}</dt><dd>${status.lastError.code}: ${status.lastError.message}</dd></div>` : null}
    </dl>
    <p class="recipient">
      <${Indicator} ok=${status.recipientReady} text=${status.recipientReady ? t('balance.ready') : t('balance.notReady')} id="balance-indicator" />
      ${status.recipientReady ? null : html` <span class="muted" id="balance-problem">${problem}${status.recipientDetail ? ` (${status.recipientDetail})` : ''}</span>`}
    </p>
    <form class="balance-form" onSubmit=${save} novalidate>
      ${failure ? html`<p class="alert error" role="alert">${failure}</p>` : null}
      <div class="field">
        <label for="balance-threshold">${t('balance.threshold')}</label>
        <input type="number" id="balance-threshold" name="threshold" min="0" step="any" inputmode="decimal" value=${threshold}
          aria-describedby=${describedBy('balance-threshold', true, errors.threshold)} aria-invalid=${errors.threshold ? 'true' : undefined}
          onInput=${(/** @type {Event} */ e) => setThreshold(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
        <${FieldNotes} id="balance-threshold" help=${t('balance.thresholdHelp')} error=${errors.threshold} />
      </div>
      <div class="field">
        <label for="balance-user">${users ? t('balance.user') : t('balance.userId')}</label>
        ${users
          ? html`<select id="balance-user" name="notifyUserId" value=${user} aria-describedby="balance-user-help"
              onChange=${(/** @type {Event} */ e) => setUser(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
              <option value="">${t('balance.nobody')}</option>
              ${user && !users.some((u) => u.id === user) ? html`<option value=${user}>${user}</option>` : null}
              ${users.map((u) => html`<option value=${u.id}>${u.name}</option>`)}
            </select>`
          : html`<input id="balance-user" name="notifyUserId" value=${user} autocomplete="off" aria-describedby=${describedBy('balance-user', true, errors.notifyUserId)}
              onInput=${(/** @type {Event} */ e) => setUser(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />`}
        <${FieldNotes} id="balance-user" help=${t('balance.userHelp')} error=${errors.notifyUserId} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? t('common.saving') : t('common.save')}</button>
        <button type="button" class="secondary" disabled=${checking || !status.balanceSupported} onClick=${check} id="balance-check">${checking ? t('balance.checking') : t('balance.check')}</button>
      </div>
    </form>
    <div aria-live="polite" id="balance-result">${result ? html`<${CheckResult} result=${result} />` : null}</div>
  </section>`;
}

/** @param {{ result: any }} props */
function CheckResult({ result }) {
  const { t } = useApp();
  if (!result.ok) return html`<p class="alert error">${t('balance.checkFailed', { message: result.error?.message ?? '' })}</p>`;
  const warning = result.warning ?? { status: 'not-needed' };
  const params = {
    to: warning.to ?? '',
    day: warning.day ?? '',
    detail: warning.detail ?? '',
    message: warning.error?.message ?? '',
  };
  return html`<div class=${`alert ${warning.status === 'failed' ? 'error' : warning.status === 'sent' ? 'warning' : 'success'}`}>
    <p>${t('balance.result', { amount: result.balance.amount, unit: result.balance.unit })} ${result.below ? t('balance.below', { threshold: result.threshold }) : ''}</p>
    <p id="balance-warning" data-status=${warning.status}>${t(/** @type {any} */ (`balance.warning.${warning.status}`), params)}</p>
  </div>`;
}
