// The new-export form: object type (standard and custom), the records (filtered, or a
// list's members), columns chosen from the portal's property definitions with a filter
// box, file format and language, associated objects and their options. It posts HubSpot's
// own request to `POST /crm/v3/exports/export/async` and opens the log, which shows it.

import { api } from './api.js';
import { checkbox, errorBox, field, h, heading, select } from './dom.js';
import { createFilterEditor } from './filters.js';
import { objectTypes, properties } from './objects.js';

const LANGUAGES = [
  ['EN', 'English'], ['FR', 'French'], ['DE', 'German'], ['ES', 'Spanish'], ['JA', 'Japanese'],
  ['PT_BR', 'Portuguese (Brazil)'], ['IT', 'Italian'], ['NL', 'Dutch'], ['ZH_CN', 'Chinese (simplified)'],
  ['KO_KR', 'Korean'], ['SV', 'Swedish'], ['DA_DK', 'Danish'], ['FI', 'Finnish'], ['NO', 'Norwegian'], ['PL', 'Polish'],
];
const MAX_ASSOCIATED = 4;

const today = () => new Date().toISOString().slice(0, 10);

export async function renderExportForm(view, query) {
  const types = await objectTypes();
  const form = h('form', { class: 'export-form', novalidate: true });
  const parts = {
    name: h('input', { type: 'text', name: 'exportName', required: true, maxlength: '200' }),
    object: select(types.map((t) => [t.id, t.label]), { name: 'objectType', value: query.get('object') ?? '0-1' }),
    view: h('input', { type: 'radio', name: 'exportType', value: 'VIEW', id: 'type-view', checked: !query.get('list') }),
    list: h('input', { type: 'radio', name: 'exportType', value: 'LIST', id: 'type-list', checked: Boolean(query.get('list')) }),
    listId: h('select', { name: 'listId' }),
    query: h('input', { type: 'search', name: 'query', autocomplete: 'off' }),
    filters: createFilterEditor(),
    columns: createColumnPicker(),
    format: select([['CSV', 'CSV'], ['XLSX', 'Excel (XLSX)'], ['XLS', 'Excel 97–2003 (XLS)']], { name: 'format', value: 'CSV' }),
    language: select(LANGUAGES, { name: 'language', value: 'EN' }),
    internalNames: checkbox('Internal property names as column headers'),
    internalValues: checkbox('Internal values instead of labels and formatted dates'),
    associated: h('div', { class: 'choices' }),
    labeled: checkbox('A column per association label (e.g. Primary)'),
    names: checkbox('Names of associated records beside their ids'),
    unlimited: checkbox('More than 1,000 associated records per row'),
  };
  const problem = h('div', { class: 'problem' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start export');
  const viewPart = h('div', { class: 'view-part' }, field('Search text', parts.query, 'Optional, as in HubSpot\u2019s search box.'), parts.filters.element);
  const listPart = h('div', { class: 'list-part' }, field('List', parts.listId));

  const showType = () => {
    viewPart.hidden = !parts.view.checked;
    listPart.hidden = parts.view.checked;
  };
  const objectChanged = async () => {
    const type = types.find((t) => t.id === parts.object.value);
    parts.name.value = `${type.name}-${today()}`;
    problem.replaceChildren();
    try {
      const definitions = await properties(type.id);
      parts.filters.reset(definitions);
      parts.columns.reset(definitions, type.defaults);
      await loadLists(parts.listId, type.id, query.get('list'));
    } catch (error) {
      problem.replaceChildren(errorBox(error));
    }
    showAssociations(parts.associated, types, type.id);
  };
  parts.object.addEventListener('change', objectChanged);
  parts.view.addEventListener('change', showType);
  parts.list.addEventListener('change', showType);

  form.append(
    h('fieldset', {}, h('legend', {}, 'What to export'),
      field('Name', parts.name, 'The file is named after it.'),
      field('Object type', parts.object),
      h('fieldset', { class: 'radios' }, h('legend', {}, 'Records'),
        h('label', { for: 'type-view' }, parts.view, ' Records matching filters'),
        h('label', { for: 'type-list' }, parts.list, ' The members of a list')),
      viewPart, listPart),
    parts.columns.element,
    h('fieldset', {}, h('legend', {}, 'File'),
      h('div', { class: 'row' }, field('Format', parts.format), field('Language of headers and labels', parts.language)),
      parts.internalNames.element, parts.internalValues.element),
    h('fieldset', {}, h('legend', {}, 'Associated records'),
      h('p', { class: 'hint' }, `Adds the ids of associated records of up to ${MAX_ASSOCIATED} types.`),
      parts.associated, parts.labeled.element, parts.names.element, parts.unlimited.element),
    problem,
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', (event) => start(event, parts, problem, submit));
  view.replaceChildren(heading('New export'), form);
  showType();
  await objectChanged();
}

async function loadLists(selectElement, typeId, wanted) {
  const answer = await api.post('/crm/v3/lists/search', { objectTypeId: typeId, count: 500 }).catch(() => ({ lists: [] }));
  const lists = answer.lists ?? [];
  selectElement.replaceChildren(
    ...(lists.length ? [] : [h('option', { value: '' }, 'This object type has no lists')]),
    ...lists.map((l) => h('option', { value: l.listId, selected: l.listId === wanted }, `${l.name} (${l.additionalProperties?.hs_list_size ?? '?'} records)`)),
  );
}

function showAssociations(container, types, exported) {
  const boxes = types.filter((t) => t.id !== exported).map((t) => checkbox(t.label, { value: t.id, name: 'associatedObjectType' }));
  const limit = () => {
    const chosen = boxes.filter((b) => b.input.checked).length;
    for (const b of boxes) b.input.disabled = !b.input.checked && chosen >= MAX_ASSOCIATED;
  };
  for (const b of boxes) b.input.addEventListener('change', limit);
  container.replaceChildren(...boxes.map((b) => b.element));
}

/** The columns: a checkbox per property, a box that narrows the list, and a count. */
function createColumnPicker() {
  const filter = h('input', { type: 'search', autocomplete: 'off' });
  const list = h('div', { class: 'columns', role: 'group', 'aria-label': 'Properties' });
  const chosen = h('p', { class: 'muted', 'aria-live': 'polite' });
  const all = h('button', { type: 'button' }, 'Select all shown');
  const none = h('button', { type: 'button' }, 'Clear');
  let boxes = [];
  const recount = () => {
    chosen.textContent = `${boxes.filter((b) => b.input.checked).length} of ${boxes.length} properties chosen`;
  };
  const narrow = () => {
    const needle = filter.value.trim().toLowerCase();
    for (const b of boxes) b.element.hidden = Boolean(needle) && !b.text.includes(needle);
  };
  filter.addEventListener('input', narrow);
  all.addEventListener('click', () => {
    for (const b of boxes) if (!b.element.hidden) b.input.checked = true;
    recount();
  });
  none.addEventListener('click', () => {
    for (const b of boxes) b.input.checked = false;
    recount();
  });
  list.addEventListener('change', recount);
  return {
    element: h('fieldset', {}, h('legend', {}, 'Columns'),
      field('Filter properties', filter, 'Type part of a label or internal name.'),
      h('div', { class: 'actions left' }, all, none), chosen, list),
    reset(definitions, defaults) {
      boxes = definitions.map((d) => {
        const box = checkbox(h('span', {}, d.label || d.name, ' ', h('code', {}, d.name)), { value: d.name, checked: defaults.includes(d.name) });
        return { ...box, text: `${d.label ?? ''} ${d.name}`.toLowerCase() };
      });
      list.replaceChildren(...boxes.map((b) => b.element));
      filter.value = '';
      recount();
    },
    value: () => boxes.filter((b) => b.input.checked).map((b) => b.input.value),
  };
}

/** HubSpot's export request, from the form. */
function request(parts) {
  const associated = [...parts.associated.querySelectorAll('input:checked')].map((i) => i.value);
  const internal = [];
  if (parts.internalNames.input.checked) internal.push('NAMES');
  if (parts.internalValues.input.checked) internal.push('VALUES');
  const body = {
    exportType: parts.view.checked ? 'VIEW' : 'LIST',
    exportName: parts.name.value.trim(),
    format: parts.format.value,
    language: parts.language.value,
    objectType: parts.object.value,
    objectProperties: parts.columns.value(),
    associatedObjectType: associated,
    includeLabeledAssociations: parts.labeled.input.checked,
    includePrimaryDisplayPropertyForAssociatedObjects: parts.names.input.checked,
    overrideAssociatedObjectsPerDefinitionPerRowLimit: parts.unlimited.input.checked,
    exportInternalValuesOptions: internal,
  };
  if (!body.exportName) throw new Error('Give the export a name.');
  if (!body.objectProperties.length) throw new Error('Choose at least one column.');
  if (body.exportType === 'LIST') {
    if (!parts.listId.value) throw new Error('Choose a list.');
    body.listId = parts.listId.value;
  } else {
    body.publicCrmSearchRequest = { filterGroups: parts.filters.value(), sorts: [] };
    const text = parts.query.value.trim();
    if (text) body.publicCrmSearchRequest.query = text;
  }
  return body;
}

async function start(event, parts, problem, submit) {
  event.preventDefault();
  problem.replaceChildren();
  let body;
  try {
    body = request(parts);
  } catch (error) {
    problem.append(errorBox(error));
    return;
  }
  submit.disabled = true;
  try {
    const started = await api.post('/crm/v3/exports/export/async', body);
    window.location.hash = `#/exports?started=${encodeURIComponent(started.id)}`;
  } catch (error) {
    problem.append(errorBox(error));
  } finally {
    submit.disabled = false;
  }
}
