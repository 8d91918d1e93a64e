// @ts-check
/* global URLSearchParams */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { seg } from '../api.js';
import { errorText, formatTime, ScreenHeading, useApp } from '../ui.js';
import { EVENT_LEVELS } from './create.js';

const SEVERITIES = /** @type {const} */ (['error', 'warn', 'info', 'debug']);

/**
 * The events of one provider and its event level ("debug" also records protocol detail such
 * as the SMTP transcript, redacted).
 * @param {{ detail: any, reload: () => Promise<void> }} props
 */
export function EventsTab({ detail, reload }) {
  const { api, t, notify } = useApp();
  const { provider } = detail;
  const [level, setLevel] = useState(provider.eventLevel);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState(0);
  const apply = async (/** @type {Event} */ event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await api.send('PATCH', `/providers/${seg(provider.id)}`, { eventLevel: level });
      notify(t('events.levelSaved', { level: t(/** @type {any} */ (`level.${level}`)) }));
      await reload();
      setVersion((v) => v + 1);
    } catch (e) {
      notify(errorText(t, e), 'error');
    } finally {
      setBusy(false);
    }
  };
  return html`<section aria-labelledby="events-title">
    <h2 id="events-title">${t('events.heading')}</h2>
    <form class="inline-form" onSubmit=${apply} novalidate>
      <div class="field">
        <label for="event-level">${t('events.level')}</label>
        <select id="event-level" name="eventLevel" value=${level} aria-describedby="event-level-help"
          onChange=${(/** @type {Event} */ e) => setLevel(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          ${EVENT_LEVELS.map((l) => html`<option value=${l}>${t(`level.${l}`)}</option>`)}
        </select>
        <p class="help" id="event-level-help">${t('field.eventLevelHelp')}</p>
      </div>
      <button type="submit" class="primary" disabled=${busy || level === provider.eventLevel}>${t('events.levelApply')}</button>
    </form>
    <${EventList} providerId=${provider.id} refresh=${version} />
  </section>`;
}

/** Events of every provider, filterable by provider. */
export function EventsScreen() {
  const { api, t } = useApp();
  const [providers, setProviders] = useState(/** @type {any[]} */ ([]));
  const [providerId, setProviderId] = useState('');
  useEffect(() => {
    api.get('/providers').then((data) => setProviders(data.providers), () => setProviders([]));
  }, []);
  return html`<section>
    <${ScreenHeading}>${t('events.headingAll')}<//>
    <div class="field inline">
      <label for="events-provider">${t('events.provider')}</label>
      <select id="events-provider" value=${providerId} onChange=${(/** @type {Event} */ e) => setProviderId(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
        <option value="">${t('events.allProviders')}</option>
        ${providers.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
      </select>
    </div>
    <${EventList} providerId=${providerId || undefined} names=${new Map(providers.map((p) => [p.id, p.name]))} />
  </section>`;
}

/**
 * The event table with severity and type filters, newest first; details (fields) unfold.
 * @param {{ providerId?: string, names?: Map<string, string>, refresh?: number }} props
 */
function EventList({ providerId, names, refresh = 0 }) {
  const { api, t, boot } = useApp();
  const [events, setEvents] = useState(/** @type {any[] | null} */ (null));
  const [severity, setSeverity] = useState('');
  const [type, setType] = useState('');
  const [error, setError] = useState(/** @type {string | null} */ (null));
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const query = new URLSearchParams({ limit: '300' });
    if (providerId) query.set('provider', providerId);
    if (severity) query.set('severity', severity);
    api.get(`/events?${query}`).then(
      (data) => {
        setEvents(data.events.slice().reverse());
        setError(null);
      },
      (e) => setError(errorText(t, e)),
    );
  }, [providerId, severity, tick, refresh]);
  const shown = (events ?? []).filter((e) => !type || e.type.startsWith(type.trim()));
  return html`<div class="events">
    <div class="filters">
      <div class="field inline">
        <label for="events-severity">${t('events.severity')}</label>
        <select id="events-severity" value=${severity} onChange=${(/** @type {Event} */ e) => setSeverity(/** @type {HTMLSelectElement} */ (e.currentTarget).value)}>
          <option value="">${t('events.allSeverities')}</option>
          ${SEVERITIES.map((s) => html`<option value=${s}>${t(`severity.${s}`)}</option>`)}
        </select>
      </div>
      <div class="field inline">
        <label for="events-type">${t('events.type')}</label>
        <input id="events-type" value=${type} autocomplete="off" onInput=${(/** @type {Event} */ e) => setType(/** @type {HTMLInputElement} */ (e.currentTarget).value)} />
      </div>
      <button type="button" class="secondary" onClick=${() => setTick((n) => n + 1)} id="events-refresh">${t('events.refresh')}</button>
    </div>
    ${error ? html`<p class="alert error" role="alert">${error}</p>` : null}
    ${events === null && !error ? html`<p class="muted">${t('common.loading')}</p>` : null}
    ${events !== null && shown.length === 0 ? html`<p>${t('events.none')}</p>` : null}
    ${shown.length > 0
      ? html`<div class="table-wrap"><table class="event-table" id="event-table">
          <caption class="visually-hidden">${t('events.caption')}</caption>
          <thead><tr>
            <th scope="col">${t('events.col.time')}</th>
            ${names ? html`<th scope="col">${t('events.col.provider')}</th>` : null}
            <th scope="col">${t('events.col.severity')}</th>
            <th scope="col">${t('events.col.type')}</th>
            <th scope="col">${t('events.col.message')}</th>
          </tr></thead>
          <tbody>
            ${shown.map(
              (e) => html`<tr key=${e.id} class=${`sev-${e.severity}`} data-type=${e.type}>
                <td class="nowrap">${formatTime(e.time, boot.locale)}</td>
                ${names ? html`<td>${names.get(e.providerId) ?? e.providerId}</td>` : null}
                <td><span class=${`severity ${e.severity}`}>${t(/** @type {any} */ (`severity.${e.severity}`))}</span></td>
                <td><code>${e.type}</code></td>
                <td class="message">
                  <span class="event-message">${e.message}</span>
                  ${Object.keys(e.fields ?? {}).length > 0
                    ? html`<details><summary>${t('events.details')}</summary><pre>${JSON.stringify(e.fields, null, 2)}</pre></details>`
                    : null}
                </td>
              </tr>`,
            )}
          </tbody>
        </table></div>`
      : null}
  </div>`;
}
