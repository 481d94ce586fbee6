// The sign-in / sign-up card, used by the desktop and by Prism. Errors stay on the page, next
// to the field the server names (extensions.field) or under the form: never a reload.

import { h, field, showFieldError } from './dom.js?v=38f9f19094';
import { describeError } from './http.js?v=74a064c5e3';
import * as session from './session.js?v=d12d3c08e2';

export function renderSignIn(container, { heading = 'BlackRoad OS', note = null } = {}) {
  const signInTab = h('button', { type: 'button', role: 'tab', id: 'tab-signin', 'aria-controls': 'form-signin' }, 'Sign in');
  const signUpTab = h('button', { type: 'button', role: 'tab', id: 'tab-signup', 'aria-controls': 'form-signup' }, 'Create account');

  // ---- sign in ----
  const login = field('Username or email', { name: 'login', autocomplete: 'username', required: true });
  const password = field('Password', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const inError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const inButton = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const signInForm = h('form', { id: 'form-signin', class: 'auth-form', role: 'tabpanel', 'aria-labelledby': 'tab-signin' }, login.row, password.row, inError, inButton);
  signInForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    inError.hidden = true;
    inButton.disabled = true;
    try {
      await session.signIn(login.input.value.trim(), password.input.value);
    } catch (err) {
      // A wrong password is UNAUTHENTICATED: say so plainly rather than "session ended".
      inError.textContent = err.code === 'UNAUTHENTICATED' ? 'Wrong username or password.' : describeError(err);
      inError.hidden = false;
      password.input.select();
    } finally {
      inButton.disabled = false;
    }
  });

  // ---- sign up ----
  const fields = {
    username: field('Username', { name: 'username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32, pattern: '[A-Za-z0-9_]{3,32}', title: '3–32 letters, digits or _' }),
    email: field('Email', { name: 'email', type: 'email', autocomplete: 'email', required: true }),
    fullName: field('Full name (optional)', { name: 'fullName', autocomplete: 'name', maxlength: 100 }),
    password: field('Password', { name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, maxlength: 128 }),
  };
  const upError = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const upButton = h('button', { type: 'submit', class: 'primary' }, 'Create account');
  const signUpForm = h('form', { id: 'form-signup', class: 'auth-form', role: 'tabpanel', 'aria-labelledby': 'tab-signup', hidden: true }, Object.values(fields).map((f) => f.row), upError, upButton);
  signUpForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    showFieldError(fields, null, '', upError);
    upError.hidden = true;
    upButton.disabled = true;
    try {
      await session.signUp({
        username: fields.username.input.value.trim(),
        email: fields.email.input.value.trim(),
        password: fields.password.input.value,
        fullName: fields.fullName.input.value.trim(),
      });
    } catch (err) {
      showFieldError(fields, err, describeError(err), upError);
    } finally {
      upButton.disabled = false;
    }
  });

  function select(signUp) {
    signInForm.hidden = signUp;
    signUpForm.hidden = !signUp;
    signInTab.setAttribute('aria-selected', String(!signUp));
    signUpTab.setAttribute('aria-selected', String(signUp));
    (signUp ? fields.username : login).input.focus();
  }
  signInTab.addEventListener('click', () => select(false));
  signUpTab.addEventListener('click', () => select(true));

  const card = h(
    'div',
    { class: 'auth-card' },
    h('h1', {}, heading),
    note && h('p', { class: 'auth-note' }, note),
    h('div', { class: 'tabs', role: 'tablist' }, signInTab, signUpTab),
    signInForm,
    signUpForm,
  );
  container.append(h('div', { class: 'auth-screen' }, card));
  select(false);
}
