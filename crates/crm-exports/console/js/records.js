// The records browser: one object type's records from the search API (`POST …/search`,
// with its free-text `query`), a page at a time, each linking to the record's own view.

import { api, enc } from './api.js';
import { errorBox, field, h, heading, select, table } from './dom.js';
import { count } from './format.js';
import { objectType, objectTypes, properties, recordTitle, shownValue } from './objects.js';

const PAGE = 20;

export async function renderRecords(view, typeId, query) {
  const types = await objectTypes();
  const type = await objectType(typeId);
  if (!type) {
    view.replaceChildren(heading('Records'), errorBox(`This portal has no object type ${typeId}.`));
    return;
  }
  const definitions = await properties(type.id).catch(() => []);
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const chooser = select(types.map((t) => [t.id, t.label]), { value: type.id, name: 'objectType' });
  chooser.addEventListener('change', () => {
    window.location.hash = `#/records/${enc(chooser.value)}`;
  });
  const text = h('input', { type: 'search', name: 'q', value: query.get('q') ?? '', autocomplete: 'off' });
  const results = h('div', { class: 'results' });
  const paging = { offsets: [], after: null };

  const load = async () => {
    const body = { limit: PAGE, properties: type.display };
    if (text.value.trim()) body.query = text.value.trim();
    if (paging.after) body.after = paging.after;
    try {
      const answer = await api.post(`/crm/v3/objects/${enc(type.id)}/search`, body);
      results.replaceChildren(...page(answer, type, byName, paging, load));
    } catch (error) {
      results.replaceChildren(errorBox(error));
    }
  };
  const form = h('form', { class: 'filters-bar', role: 'search', 'aria-label': 'Search records' },
    field('Object type', chooser), field('Search', text), h('div', { class: 'field end' }, h('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    paging.offsets = [];
    paging.after = null;
    load();
  });
  view.replaceChildren(heading(type.label), form, results);
  await load();
}

function page(answer, type, byName, paging, load) {
  const records = answer.results ?? [];
  const next = answer.paging?.next?.after ?? null;
  const headers = ['ID', ...type.display.map((name) => byName.get(name)?.label ?? name)];
  const rows = records.map((record) =>
    h('tr', {},
      h('td', { class: 'num' }, h('a', { href: `#/records/${enc(type.id)}/${enc(record.id)}`, 'aria-label': `${type.singular} ${recordTitle(type, record)}` }, record.id)),
      type.display.map((name) => h('td', {}, shownValue(byName.get(name), record.properties?.[name])))),
  );
  const previous = h('button', { type: 'button', disabled: paging.offsets.length === 0 }, '\u2190 Previous');
  const following = h('button', { type: 'button', disabled: !next }, 'Next \u2192');
  previous.addEventListener('click', () => {
    paging.after = paging.offsets.pop() ?? null;
    load();
  });
  following.addEventListener('click', () => {
    paging.offsets.push(paging.after);
    paging.after = next;
    load();
  });
  return [
    h('p', { class: 'muted' }, `${count(answer.total)} ${answer.total === 1 ? 'record' : 'records'}`),
    table(`${type.label}`, headers, rows),
    h('nav', { class: 'pager', 'aria-label': `${type.label} pages` }, previous, h('span', { class: 'page-number' }, `Page ${paging.offsets.length + 1}`), following),
  ];
}
