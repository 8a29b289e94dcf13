// Signing in: the user pastes a private-app token, the server says whether it knows it
// (and its portal and scopes), and the token is kept in this tab's sessionStorage.

import { signIn } from './api.js';
import { errorBox, field, h, heading } from './dom.js';

export function renderSignIn(main, signedIn) {
  const input = h('input', {
    type: 'password', name: 'token', autocomplete: 'off', spellcheck: 'false', required: true,
    placeholder: 'pat-na1-…',
  });
  const problem = h('div', { class: 'problem' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    { class: 'card narrow', novalidate: true },
    field('Access token', input, 'A private-app token of this server. On the server\u2019s machine the development token is in data/dev-token; `crm-exports token create` makes others.'),
    problem,
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    problem.replaceChildren();
    if (!token) {
      problem.append(errorBox('Paste a token first.'));
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      const info = await signIn(token);
      signedIn(info);
    } catch (error) {
      problem.append(errorBox(error.status === 401 ? 'This server does not know that token.' : error));
      input.select();
    } finally {
      button.disabled = false;
    }
  });
  main.replaceChildren(
    heading('Sign in'),
    h('p', { class: 'lead' }, 'The console works through the public API with the token you paste here; it can do exactly what the token allows. The token stays in this browser tab and is forgotten when the tab closes.'),
    form,
  );
  input.focus();
}
