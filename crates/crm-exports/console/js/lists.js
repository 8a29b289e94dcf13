// The portal's lists from `POST /crm/v3/lists/search`: name, object type, processing type
// and size, a page at a time, each with a link that starts a LIST export of it.

import { api } from './api.js';
import { errorBox, field, h, heading, table } from './dom.js';
import { count, dateTime } from './format.js';
import { objectTypes, typeLabel } from './objects.js';

const PAGE = 20;

export async function renderLists(view) {
  const types = await objectTypes();
  const text = h('input', { type: 'search', name: 'q', autocomplete: 'off' });
  const results = h('div', { class: 'results' });
  const paging = { offset: 0 };
  const load = async () => {
    try {
      const answer = await api.post('/crm/v3/lists/search', { query: text.value.trim(), count: PAGE, offset: paging.offset });
      results.replaceChildren(...page(answer, types, paging, load));
    } catch (error) {
      results.replaceChildren(errorBox(error));
    }
  };
  const form = h('form', { class: 'filters-bar', role: 'search', 'aria-label': 'Search lists' },
    field('Name contains', text), h('div', { class: 'field end' }, h('button', { type: 'submit' }, 'Search')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    paging.offset = 0;
    load();
  });
  view.replaceChildren(heading('Lists'), form, results);
  await load();
}

function page(answer, types, paging, load) {
  const lists = answer.lists ?? [];
  const rows = lists.map((list) =>
    h('tr', {},
      h('td', { class: 'num' }, list.listId),
      h('th', { scope: 'row' }, list.name),
      h('td', {}, typeLabel(types, list.objectTypeId)),
      h('td', {}, list.processingType),
      h('td', { class: 'num' }, count(Number(list.additionalProperties?.hs_list_size ?? 0))),
      h('td', {}, dateTime(list.updatedAt)),
      h('td', {}, h('a', { href: `#/new?object=${encodeURIComponent(list.objectTypeId)}&list=${encodeURIComponent(list.listId)}`, 'aria-label': `Export ${list.name}` }, 'Export'))),
  );
  const previous = h('button', { type: 'button', disabled: paging.offset === 0 }, '\u2190 Previous');
  const following = h('button', { type: 'button', disabled: !answer.hasMore }, 'Next \u2192');
  const shownFrom = paging.offset;
  previous.addEventListener('click', () => {
    paging.offset = Math.max(0, shownFrom - PAGE);
    load();
  });
  following.addEventListener('click', () => {
    paging.offset = answer.offset;
    load();
  });
  return [
    h('p', { class: 'muted' }, `${count(answer.total)} ${answer.total === 1 ? 'list' : 'lists'}`),
    table('Lists', ['ID', 'Name', 'Object', 'Type', 'Records', 'Updated', 'Actions'], rows),
    h('nav', { class: 'pager', 'aria-label': 'List pages' }, previous, following),
  ];
}
