// Builds the page from data without ever parsing data as HTML: text goes in as text
// nodes, attributes through setAttribute, handlers through addEventListener. Nothing in
// the console hands a string to the HTML parser, so a record value such as
// `<img onerror=…>` shows as those characters.

const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'multiple', 'required', 'indeterminate']);

/** `h('a', {href: '#/x', class: 'c', onclick: f}, 'text', child, [more])` */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      element.className = value;
    } else if (key === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (PROPERTIES.has(key)) {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

let nextId = 0;

/** A fresh element id, for label `for` and `aria-describedby`. */
export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form control: `<div class="field"><label>…</label>control<p hint></div>`. */
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid();
  const parts = [h('label', { for: control.id }, labelText), control];
  if (hint) {
    const hintId = uid('hint');
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('p', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

/** A labelled checkbox. */
export function checkbox(labelText, props = {}) {
  const input = h('input', { type: 'checkbox', id: uid('c'), ...props });
  return { input, element: h('label', { class: 'check', for: input.id }, input, ' ', labelText) };
}

export function select(options, props = {}) {
  return h(
    'select',
    props,
    options.map(([value, label]) => h('option', { value, selected: value === props.value }, label)),
  );
}

/** The page's heading, focusable so that a new view moves focus (and screen readers) to it. */
export function heading(text) {
  return h('h1', { tabindex: '-1', id: 'view-heading' }, text);
}

/** An error shown where it happened and read out at once. */
export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error instanceof Error ? error.message : String(error));
}

/** A table in a scrolling box, so a narrow window scrolls it rather than the page. */
export function table(caption, headers, rows) {
  return h(
    'div',
    { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      {},
      h('caption', { class: 'sr-only' }, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows),
    ),
  );
}

let statusTimer = null;

/** A short message in the polite live region at the top of the page. */
export function announce(message) {
  const status = document.getElementById('status');
  if (!status) return;
  status.textContent = message;
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => {
    status.textContent = '';
  }, 8000);
}
