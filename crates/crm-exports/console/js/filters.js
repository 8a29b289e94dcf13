// The filter editor of the new-export form: groups of conditions (property, operator,
// value), every condition in a group must hold and any group may match, which is
// HubSpot's `filterGroups` shape. Enumeration properties suggest their options.

import { h, select, uid } from './dom.js';

export const OPERATORS = [
  ['EQ', 'is'],
  ['NEQ', 'is not'],
  ['LT', 'is less than'],
  ['LTE', 'is at most'],
  ['GT', 'is greater than'],
  ['GTE', 'is at least'],
  ['BETWEEN', 'is between'],
  ['IN', 'is any of'],
  ['NOT_IN', 'is none of'],
  ['HAS_PROPERTY', 'is known'],
  ['NOT_HAS_PROPERTY', 'is unknown'],
  ['CONTAINS_TOKEN', 'contains the word'],
  ['NOT_CONTAINS_TOKEN', 'does not contain the word'],
];
const NO_VALUE = new Set(['HAS_PROPERTY', 'NOT_HAS_PROPERTY']);
const MANY_VALUES = new Set(['IN', 'NOT_IN']);

/** A labelled control whose label only screen readers see; the row's layout says the rest. */
function quiet(labelText, control) {
  control.id = uid('q');
  return h('span', { class: 'inline-field' }, h('label', { class: 'sr-only', for: control.id }, labelText), control);
}

export function createFilterEditor() {
  let definitions = [];
  const groups = h('div', { class: 'groups' });
  const suggestions = h('div', { hidden: true });
  const lists = new Map();

  const optionsList = (definition) => {
    if (!definition?.options?.length) return null;
    if (!lists.has(definition.name)) {
      const id = uid('options');
      suggestions.append(h('datalist', { id }, definition.options.map((o) => h('option', { value: o.value }, o.label))));
      lists.set(definition.name, id);
    }
    return lists.get(definition.name);
  };

  const condition = (group) => {
    const property = select([['', 'Choose a property'], ...definitions.map((d) => [d.name, d.label || d.name])], { class: 'property' });
    const operator = select(OPERATORS, { class: 'operator' });
    const value = h('input', { type: 'text', class: 'value', autocomplete: 'off' });
    const high = h('input', { type: 'text', class: 'high', autocomplete: 'off' });
    const highField = quiet('Upper value', high);
    const remove = h('button', { type: 'button', class: 'link' }, 'Remove');
    const row = h('div', { class: 'condition' }, quiet('Property', property), quiet('Operator', operator), quiet('Value', value), highField, remove);
    const sync = () => {
      const op = operator.value;
      value.hidden = NO_VALUE.has(op);
      highField.hidden = op !== 'BETWEEN';
      value.placeholder = MANY_VALUES.has(op) ? 'values, comma-separated' : '';
      const list = optionsList(definitions.find((d) => d.name === property.value));
      if (list) value.setAttribute('list', list);
      else value.removeAttribute('list');
    };
    property.addEventListener('change', sync);
    operator.addEventListener('change', sync);
    remove.addEventListener('click', () => {
      row.remove();
      if (!group.querySelector('.condition')) group.remove();
      renumber();
    });
    sync();
    return row;
  };

  const renumber = () => {
    [...groups.children].forEach((group, i) => {
      group.querySelector('legend').textContent = i === 0 ? 'Records where all of these hold' : `Or where all of these hold`;
    });
  };

  const addGroup = () => {
    const conditions = h('div', { class: 'conditions' });
    const group = h('fieldset', { class: 'group' }, h('legend'), conditions);
    const more = h('button', { type: 'button' }, '+ Condition');
    more.addEventListener('click', () => {
      const row = condition(group);
      conditions.append(row);
      row.querySelector('select').focus();
    });
    group.append(more);
    conditions.append(condition(group));
    groups.append(group);
    renumber();
    return group;
  };

  const addOr = h('button', { type: 'button' }, '+ Or another group');
  addOr.addEventListener('click', () => addGroup().querySelector('select').focus());
  const element = h(
    'fieldset',
    { class: 'filters' },
    h('legend', {}, 'Filters'),
    h('p', { class: 'hint' }, 'Leave the property unset to export every record. Every condition of a group must hold; a record matching any group is exported.'),
    groups,
    addOr,
    suggestions,
  );

  return {
    element,
    /** Starts over with the properties of another object type. */
    reset(newDefinitions) {
      definitions = newDefinitions;
      groups.replaceChildren();
      suggestions.replaceChildren();
      lists.clear();
      addGroup();
    },
    /** HubSpot's `filterGroups`; throws a message naming the first incomplete condition. */
    value() {
      const result = [];
      for (const group of groups.children) {
        const filters = [];
        for (const row of group.querySelectorAll('.condition')) {
          const filter = readCondition(row);
          if (filter) filters.push(filter);
        }
        if (filters.length) result.push({ filters });
      }
      return result;
    },
  };
}

function readCondition(row) {
  const propertyName = row.querySelector('.property').value;
  if (!propertyName) return null;
  const operator = row.querySelector('.operator').value;
  const value = row.querySelector('.value').value.trim();
  const high = row.querySelector('.high').value.trim();
  if (NO_VALUE.has(operator)) return { propertyName, operator };
  if (!value) throw new Error(`Give a value for the filter on ${propertyName}.`);
  if (MANY_VALUES.has(operator)) {
    return { propertyName, operator, values: value.split(',').map((v) => v.trim()).filter(Boolean) };
  }
  if (operator === 'BETWEEN') {
    if (!high) throw new Error(`Give the upper value for the filter on ${propertyName}.`);
    return { propertyName, operator, value, highValue: high };
  }
  return { propertyName, operator, value };
}
