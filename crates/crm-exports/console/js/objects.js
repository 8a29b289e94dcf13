// The object types a portal has (HubSpot's four standard ones and its custom objects, from
// the schemas API) and their property definitions, fetched once per signed-in tab.

import { api, enc } from './api.js';
import { dateTime } from './format.js';

/** `display`: the columns the records browser shows; `defaults`: an export's usual columns. */
export const STANDARD = [
  {
    id: '0-1', name: 'contacts', label: 'Contacts', singular: 'Contact',
    display: ['firstname', 'lastname', 'email', 'lifecyclestage'],
    defaults: ['email', 'firstname', 'lastname', 'lifecyclestage', 'createdate'],
  },
  {
    id: '0-2', name: 'companies', label: 'Companies', singular: 'Company',
    display: ['name', 'domain', 'city', 'country'],
    defaults: ['name', 'domain', 'city', 'country', 'createdate'],
  },
  {
    id: '0-3', name: 'deals', label: 'Deals', singular: 'Deal',
    display: ['dealname', 'amount', 'dealstage', 'closedate'],
    defaults: ['dealname', 'amount', 'dealstage', 'closedate', 'createdate'],
  },
  {
    id: '0-5', name: 'tickets', label: 'Tickets', singular: 'Ticket',
    display: ['subject', 'hs_pipeline_stage', 'hs_ticket_priority'],
    defaults: ['subject', 'hs_pipeline_stage', 'hs_ticket_priority', 'createdate'],
  },
];

let types = null;
const definitions = new Map();

export function forgetPortal() {
  types = null;
  definitions.clear();
}

function customType(schema) {
  const display = [schema.primaryDisplayProperty, ...(schema.secondaryDisplayProperties ?? [])].filter(Boolean);
  return {
    id: schema.objectTypeId,
    name: schema.fullyQualifiedName ?? schema.name,
    label: schema.labels?.plural ?? schema.name,
    singular: schema.labels?.singular ?? schema.name,
    display: display.length ? display : ['hs_object_id'],
    defaults: [...display, 'hs_createdate'],
  };
}

/** Every object type of the portal; custom ones only when the token may read schemas. */
export function objectTypes() {
  if (!types) {
    types = api
      .get('/crm-object-schemas/v3/schemas')
      .then((answer) => [...STANDARD, ...(answer.results ?? []).map(customType)])
      .catch(() => STANDARD);
  }
  return types;
}

export async function objectType(id) {
  return (await objectTypes()).find((t) => t.id === id) ?? null;
}

/** The type's label (`Contacts`), or its id for a type this tab does not know. */
export function typeLabel(all, id) {
  return all.find((t) => t.id === id)?.label ?? id;
}

/** The type's property definitions, by label. */
export function properties(typeId) {
  if (!definitions.has(typeId)) {
    const loading = api.get(`/crm/v3/properties/${enc(typeId)}`).then((answer) =>
      (answer.results ?? []).slice().sort((a, b) => (a.label || a.name).localeCompare(b.label || b.name)),
    );
    loading.catch(() => definitions.delete(typeId));
    definitions.set(typeId, loading);
  }
  return definitions.get(typeId);
}

/** A property value as people read it: an option's label, else the value itself. */
export function shownValue(definition, value) {
  if (value === null || value === undefined || value === '') return '';
  if (definition?.type === 'datetime') return dateTime(value);
  const options = definition?.options ?? [];
  if (!options.length) return String(value);
  return String(value)
    .split(';')
    .map((v) => options.find((o) => o.value === v)?.label ?? v)
    .join('; ');
}

/** A record's name: its display properties joined, else `#id`. */
export function recordTitle(type, record) {
  const props = record.properties ?? {};
  const [first, second] = type?.display ?? [];
  if (type?.id === '0-1') {
    const name = [props.firstname, props.lastname].filter(Boolean).join(' ');
    return name || props.email || `#${record.id}`;
  }
  return props[first] || props[second] || `#${record.id}`;
}
