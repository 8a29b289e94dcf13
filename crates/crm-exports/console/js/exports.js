// The export log: the portal's exports newest first from `GET /crm/v3/exports/export`,
// filtered by state and object type, a page at a time, refreshed in place while the view
// is open (every second while an export is queued or running) so states change live.
// Finished exports download through a fresh signed link from the task status; queued and
// running ones can be canceled.

import { api, enc } from './api.js';
import { announce, append, errorBox, field, h, heading, select } from './dom.js';
import { count, dateTime, duration, exportDuration } from './format.js';
import { objectTypes, typeLabel } from './objects.js';

const STATES = [
  ['ENQUEUED', 'Pending'],
  ['PROCESSING', 'Processing'],
  ['DONE', 'Complete'],
  ['FAILED', 'Failed'],
  ['CANCELED', 'Canceled'],
];
const STATE_LABEL = Object.fromEntries(STATES);
const LIVE = new Set(['ENQUEUED', 'PROCESSING']);
const FAST_MS = 1000;
const SLOW_MS = 5000;

/** Kept while the tab lives, so coming back to the log shows the same filters. */
const settings = { state: '', objectType: '', limit: '20' };

export async function renderExports(view, query) {
  const types = await objectTypes();
  // `cursors` holds the `after` of every page before this one; the first page has none.
  const paging = { cursors: [], after: null, next: null };
  let timer = null;
  let stopped = false;
  const rows = new Map();
  const body = h('tbody');
  const summary = h('p', { class: 'muted' });
  const problem = h('div', { class: 'problem' });
  // An action's failure stays until the next action; the refresh only clears its own.
  const actionProblem = h('div', { class: 'problem' });
  const newer = h('button', { type: 'button', disabled: true }, '\u2190 Newer');
  const older = h('button', { type: 'button', disabled: true }, 'Older \u2192');
  const pageLabel = h('span', { class: 'page-number' });

  const refresh = async () => {
    clearTimeout(timer);
    let live = false;
    try {
      const answer = await api.get(`/crm/v3/exports/export?${listQuery(paging.after)}`);
      if (stopped) return;
      problem.replaceChildren();
      live = show(answer, types, body, rows, summary);
      paging.next = answer.paging?.next?.after ?? null;
      newer.disabled = paging.cursors.length === 0;
      older.disabled = !paging.next;
      pageLabel.textContent = `Page ${paging.cursors.length + 1}`;
    } catch (error) {
      if (stopped) return;
      problem.replaceChildren(errorBox(error));
    }
    if (!stopped) timer = setTimeout(refresh, live && !document.hidden ? FAST_MS : SLOW_MS);
  };
  const restart = () => {
    paging.cursors = [];
    paging.after = null;
    rows.clear();
    body.replaceChildren();
    refresh();
  };
  newer.addEventListener('click', () => {
    paging.after = paging.cursors.pop() ?? null;
    rows.clear();
    body.replaceChildren();
    refresh();
  });
  older.addEventListener('click', () => {
    if (!paging.next) return;
    paging.cursors.push(paging.after);
    paging.after = paging.next;
    rows.clear();
    body.replaceChildren();
    refresh();
  });
  body.addEventListener('click', (event) => act(event, refresh, actionProblem));

  append(view, [
    heading('Exports'),
    flash(query),
    filters(types, restart),
    problem,
    actionProblem,
    summary,
    h(
      'div',
      { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': 'Export log' },
      h(
        'table',
        { class: 'log' },
        h('caption', { class: 'sr-only' }, 'Export log, newest first'),
        h('thead', {}, h('tr', {}, ['ID', 'Name', 'Object', 'Format', 'State', 'Rows', 'Requested', 'Duration', 'Actions'].map((t) => h('th', { scope: 'col' }, t)))),
        body,
      ),
    ),
    h('nav', { class: 'pager', 'aria-label': 'Export log pages' }, newer, pageLabel, older),
  ]);
  await refresh();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function listQuery(after) {
  const params = new URLSearchParams({ limit: settings.limit });
  if (settings.state) params.set('state', settings.state);
  if (settings.objectType) params.set('objectType', settings.objectType);
  if (after) params.set('after', after);
  return params.toString();
}

function flash(query) {
  const started = query.get('started');
  return started ? h('p', { class: 'notice' }, `Export ${started} was started; it appears below.`) : null;
}

function filters(types, changed) {
  const state = select([['', 'Any state'], ...STATES], { value: settings.state, name: 'state' });
  const object = select([['', 'Any object'], ...types.map((t) => [t.id, t.label])], {
    value: settings.objectType, name: 'objectType',
  });
  const limit = select(['10', '20', '50', '100'].map((n) => [n, n]), { value: settings.limit, name: 'limit' });
  const update = () => {
    settings.state = state.value;
    settings.objectType = object.value;
    settings.limit = limit.value;
    changed();
  };
  for (const control of [state, object, limit]) control.addEventListener('change', update);
  return h('form', { class: 'filters-bar', role: 'search', 'aria-label': 'Filter the export log', onsubmit: (e) => e.preventDefault() },
    field('State', state), field('Object', object), field('Per page', limit));
}

/** Updates the table in place, keyed by export id: a row whose state, count and times are
 * unchanged keeps its elements (and the focus in them); only its duration is recomputed.
 * Returns whether any export on the page is still queued or running. */
function show(answer, types, body, rows, summary) {
  const results = answer.results ?? [];
  const seen = new Set();
  let live = false;
  results.forEach((exp, index) => {
    seen.add(exp.id);
    live ||= LIVE.has(exp.exportState);
    const signature = [exp.exportState, exp.recordCount, exp.startedAt, exp.completedAt, exp.failureReason].join('|');
    let row = rows.get(exp.id);
    if (row && row.dataset.signature !== signature) {
      if (exp.exportState === 'DONE') announce(`Export ${exp.id} is complete.`);
      const fresh = renderRow(exp, types, signature);
      row.replaceWith(fresh);
      row = fresh;
    } else if (!row) {
      row = renderRow(exp, types, signature);
    } else {
      row.querySelector('.duration').textContent = duration(exportDuration(exp));
    }
    rows.set(exp.id, row);
    if (body.children[index] !== row) body.insertBefore(row, body.children[index] ?? null);
  });
  for (const [id, row] of rows) {
    if (!seen.has(id)) {
      row.remove();
      rows.delete(id);
    }
  }
  summary.textContent = results.length ? '' : 'No exports match. Start one from \u201cNew export\u201d.';
  return live;
}

function renderRow(exp, types, signature) {
  const name = exp.exportName || `Export ${exp.id}`;
  return h(
    'tr',
    { dataset: { id: exp.id, signature, state: exp.exportState } },
    h('td', { class: 'num' }, exp.id),
    h('th', { scope: 'row', class: 'name' }, name),
    h('td', {}, typeLabel(types, exp.objectType)),
    h('td', {}, exp.format ?? ''),
    h(
      'td',
      { class: 'state-cell' },
      h('span', { class: `badge state-${String(exp.exportState).toLowerCase()}` }, STATE_LABEL[exp.exportState] ?? exp.exportState),
      exp.failureReason ? h('span', { class: 'reason' }, exp.failureReason) : null,
    ),
    h('td', { class: 'num' }, count(exp.recordCount)),
    h('td', {}, h('time', { datetime: exp.requestedAt }, dateTime(exp.requestedAt))),
    h('td', { class: 'num duration' }, duration(exportDuration(exp))),
    h('td', { class: 'row-actions' }, actionsFor(exp, name)),
  );
}

function actionsFor(exp, name) {
  if (exp.exportState === 'DONE') {
    return h('button', { type: 'button', dataset: { action: 'download', id: exp.id }, 'aria-label': `Download ${name}` }, 'Download');
  }
  if (LIVE.has(exp.exportState)) {
    return h('button', { type: 'button', class: 'danger', dataset: { action: 'cancel', id: exp.id, name }, 'aria-label': `Cancel ${name}` }, 'Cancel');
  }
  return null;
}

async function act(event, refresh, problem) {
  const button = event.target.closest('button[data-action]');
  if (!button) return;
  const { action, id, name } = button.dataset;
  if (action === 'cancel' && !window.confirm(`Cancel the export \u201c${name}\u201d?`)) return;
  button.disabled = true;
  problem.replaceChildren();
  try {
    if (action === 'download') await download(id);
    else {
      await api.post(`/crm/v3/exports/export/${enc(id)}/cancel`);
      announce(`Export ${id} was canceled.`);
      await refresh();
    }
  } catch (error) {
    problem.replaceChildren(errorBox(error));
  } finally {
    button.disabled = false;
  }
}

/** A fresh signed link from the task status, followed by the browser as a download. */
async function download(id) {
  const status = await api.get(`/crm/v3/exports/export/async/tasks/${enc(id)}/status`);
  if (status.status !== 'COMPLETE' || typeof status.result !== 'string') {
    throw new Error(`Export ${id} is ${status.status}; there is no file to download.`);
  }
  const url = new URL(status.result, window.location.href);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('The download link is not a web address.');
  const link = h('a', { href: url.href, download: '', hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  announce(`Downloading export ${id}.`);
}
