// One record: its properties (labels, shown values, internal names) and the records it is
// associated with, grouped by object type and named by their display properties.

import { ApiError, api, enc } from './api.js';
import { checkbox, errorBox, h, heading, table } from './dom.js';
import { dateTime } from './format.js';
import { objectType, objectTypes, properties, recordTitle, shownValue } from './objects.js';

export async function renderRecord(view, typeId, id) {
  const types = await objectTypes();
  const type = await objectType(typeId);
  const back = h('p', {}, h('a', { href: `#/records/${enc(typeId)}` }, `\u2190 All ${type?.label ?? 'records'}`));
  if (!type) {
    view.replaceChildren(heading('Record'), back, errorBox(`This portal has no object type ${typeId}.`));
    return;
  }
  let definitions;
  let record;
  try {
    definitions = await properties(type.id);
    record = await read(type, id, definitions, types);
  } catch (error) {
    const message = error instanceof ApiError && error.status === 404 ? `There is no ${type.singular.toLowerCase()} ${id}.` : error;
    view.replaceChildren(heading(`${type.singular} ${id}`), back, errorBox(message));
    return;
  }
  const list = h('div');
  const showEmpty = checkbox('Show empty properties');
  const showProperties = () => list.replaceChildren(propertyTable(definitions, record, showEmpty.input.checked));
  showEmpty.input.addEventListener('change', showProperties);
  showProperties();
  view.replaceChildren(
    heading(`${type.singular}: ${recordTitle(type, record)}`),
    back,
    h('p', { class: 'muted' }, `Record ${record.id} · created ${dateTime(record.createdAt)} · updated ${dateTime(record.updatedAt)}`),
    h('section', { 'aria-labelledby': 'associations-heading' }, h('h2', { id: 'associations-heading' }, 'Associations'), await associations(record, types)),
    h('section', { 'aria-labelledby': 'properties-heading' }, h('h2', { id: 'properties-heading' }, 'Properties'), showEmpty.element, list),
  );
}

/** The record with every property and its associations to every type the token may read. */
async function read(type, id, definitions, types) {
  const names = definitions.map((d) => d.name).join(',');
  const others = types.map((t) => t.id).join(',');
  const path = `/crm/v3/objects/${enc(type.id)}/${enc(id)}?properties=${enc(names)}`;
  try {
    return await api.get(`${path}&associations=${enc(others)}`);
  } catch (error) {
    // A token that cannot read some associated type still sees the record itself.
    if (error instanceof ApiError && error.status === 403) return api.get(path);
    throw error;
  }
}

function propertyTable(definitions, record, withEmpty) {
  const values = record.properties ?? {};
  const rows = definitions
    .filter((d) => withEmpty || (values[d.name] !== null && values[d.name] !== undefined && values[d.name] !== ''))
    .map((d) => h('tr', {}, h('th', { scope: 'row' }, d.label || d.name), h('td', { class: 'value' }, shownValue(d, values[d.name])), h('td', {}, h('code', {}, d.name))));
  return table('Properties', ['Property', 'Value', 'Internal name'], rows);
}

/** The associated records by type; the response names a type by its plural or qualified
 * name, so each key is matched to a known type before its records are named. */
async function associations(record, types) {
  const groups = Object.entries(record.associations ?? {});
  if (!groups.length) return h('p', { class: 'muted' }, 'No associated records.');
  const sections = [];
  for (const [key, value] of groups) {
    const type = types.find((t) => t.name === key || t.id === key);
    const edges = value.results ?? [];
    const ids = [...new Set(edges.map((e) => e.id))];
    const titles = type ? await names(type, ids) : new Map();
    sections.push(h('div', { class: 'association' },
      h('h3', {}, `${type?.label ?? key} (${ids.length})`),
      h('ul', {}, ids.map((assocId) => {
        const labels = edges.filter((e) => e.id === assocId).map((e) => e.type).join(', ');
        const label = titles.get(assocId) ?? `#${assocId}`;
        return h('li', {}, type ? h('a', { href: `#/records/${enc(type.id)}/${enc(assocId)}` }, label) : label, h('span', { class: 'muted' }, ` ${labels}`));
      }))));
  }
  return h('div', { class: 'associations' }, sections);
}

async function names(type, ids) {
  if (!ids.length) return new Map();
  try {
    const answer = await api.post(`/crm/v3/objects/${enc(type.id)}/batch/read`, {
      inputs: ids.slice(0, 100).map((id) => ({ id })),
      properties: type.display,
    });
    return new Map((answer.results ?? []).map((r) => [r.id, recordTitle(type, r)]));
  } catch {
    return new Map();
  }
}
