// The console's entry point: the session header, the hash router (`#/exports`, `#/new`,
// `#/records/<type>`, `#/records/<type>/<id>`, `#/lists`) and moving focus to each new
// view's heading. Each view renders into <main> and may return a function that stops it
// (the export log's polling) when another view replaces it.

import { currentToken, onUnauthorized, signOut, tokenInfo } from './api.js';
import { announce, h } from './dom.js';
import { forgetPortal } from './objects.js';
import { renderSignIn } from './signin.js';
import { renderExports } from './exports.js';
import { renderExportForm } from './export-form.js';
import { renderRecords } from './records.js';
import { renderRecord } from './record.js';
import { renderLists } from './lists.js';

const routes = [
  [/^#\/exports$/, 'exports', 'Exports', (main, m, q) => renderExports(main, q)],
  [/^#\/new$/, 'new', 'New export', (main, m, q) => renderExportForm(main, q)],
  [/^#\/records\/([^/]+)$/, 'records', 'Records', (main, m, q) => renderRecords(main, decodeURIComponent(m[1]), q)],
  [/^#\/records\/([^/]+)\/(\d+)$/, 'records', 'Record', (main, m) => renderRecord(main, decodeURIComponent(m[1]), m[2])],
  [/^#\/lists$/, 'lists', 'Lists', (main, m, q) => renderLists(main, q)],
];

const main = document.getElementById('main');
let stopView = null;

function showSession() {
  const info = tokenInfo();
  const nav = document.getElementById('nav');
  const session = document.getElementById('session');
  nav.hidden = !info;
  if (!info) {
    session.replaceChildren();
    return;
  }
  const scopes = Array.isArray(info.scopes) ? info.scopes : [];
  session.replaceChildren(
    h('span', { class: 'portal' }, `Portal ${info.hubId}`),
    h(
      'details',
      { class: 'scopes' },
      h('summary', {}, `${scopes.length} scopes`),
      h('ul', {}, scopes.map((s) => h('li', {}, h('code', {}, s)))),
    ),
    h('button', { type: 'button', class: 'link', onclick: leave }, 'Sign out'),
  );
}

function leave() {
  signOut();
  forgetPortal();
  showSession();
  announce('Signed out.');
  route();
}

function markSection(section) {
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

let generation = 0;
// The first view leaves focus where the browser puts it (so Tab reaches the skip link);
// later ones move it to their heading, as a page load would announce the new page.
let firstView = true;

/** Renders the view the hash names into a fresh container, so that a slow view finishing
 * after the user moved on writes into a detached element, and is stopped at once. */
async function route() {
  if (stopView) stopView();
  stopView = null;
  generation += 1;
  const mine = generation;
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  if (!currentToken()) {
    document.title = 'Sign in · crm-exports';
    markSection(null);
    firstView = false;
    renderSignIn(view, (info) => {
      showSession();
      announce(`Signed in to portal ${info.hubId}.`);
      if (!location.hash.startsWith('#/')) location.hash = '#/exports';
      else route();
    });
    return;
  }
  const [path, search] = location.hash.split('?');
  const found = routes.find(([pattern]) => pattern.test(path));
  if (!found) {
    location.replace('#/exports');
    return;
  }
  const [pattern, section, title, render] = found;
  document.title = `${title} · crm-exports`;
  markSection(section);
  const stop = await render(view, path.match(pattern), new URLSearchParams(search ?? ''));
  if (mine !== generation) {
    if (typeof stop === 'function') stop();
    return;
  }
  stopView = typeof stop === 'function' ? stop : null;
  if (!firstView) view.querySelector('#view-heading')?.focus();
  firstView = false;
}

onUnauthorized(() => {
  signOut();
  forgetPortal();
  showSession();
  announce('The server no longer accepts this token; sign in again.');
  route();
});

document.getElementById('skip-link').addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', route);
showSession();
route();
