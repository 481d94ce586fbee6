// Pocket OS entry point: resume the session if there is one, then show the desktop or the
// sign-in card, and swap between them when the session starts or ends.

import { h, replace } from './dom.js?v=38f9f19094';
import { describeError } from './http.js?v=74a064c5e3';
import * as session from './session.js?v=d12d3c08e2';
import { createDesktop } from './wm.js?v=c9afe26556';
import { renderSignIn } from './signin.js?v=fe3102f10a';
import apps from './apps/index.js?v=14777e52e9';

const root = document.getElementById('app');
let desktop = null;

function showDesktop() {
  if (desktop) return;
  replace(root);
  desktop = createDesktop(root, apps);
  document.body.dataset.screen = 'desktop';
}

function showSignIn() {
  desktop?.destroy();
  desktop = null;
  replace(root);
  renderSignIn(root);
  document.body.dataset.screen = 'signin';
}

function showUnreachable(err) {
  const retry = h('button', { type: 'button', class: 'primary', onclick: () => boot() }, 'Try again');
  replace(root, h('div', { class: 'auth-screen' }, h('div', { class: 'auth-card' }, h('h1', {}, 'BlackRoad OS'), h('p', { role: 'alert' }, describeError(err)), retry)));
  document.body.dataset.screen = 'error';
}

session.on('signedin', showDesktop);
session.on('signedout', showSignIn);

function boot() {
  session.restore().then((user) => user || showSignIn(), showUnreachable);
}
boot();
