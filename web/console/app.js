// The administrator's console: sign in, then one page per part of the directory. Each page
// module renders from the API and re-renders after every change it makes.
import { call, credentials } from './api.js';
import * as users from './pages/users.js';
import * as groups from './pages/groups.js';
import * as departments from './pages/departments.js';
import * as devices from './pages/devices.js';
import * as streams from './pages/streams.js';
import * as collaboration from './pages/collaboration.js';
import * as audit from './pages/audit.js';

const pages = { users, groups, departments, devices, streams, collaboration, audit };
const $ = (id) => document.getElementById(id);
let me = null;
let current = 'users';

function showSignIn(message = '') {
  $('workspace').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('signin-error').textContent = message;
}

async function open(page) {
  current = page;
  for (const tab of document.querySelectorAll('#tabs button')) {
    tab.setAttribute('aria-selected', String(tab.dataset.page === page));
  }
  $('page-error').textContent = '';
  const context = {
    me,
    refresh: () => open(current),
    // Runs a change; shows its error, or re-renders the page after it.
    act: async (change) => {
      $('page-error').textContent = '';
      try {
        await change();
        await open(current);
      } catch (error) {
        $('page-error').textContent = error.message;
      }
    },
  };
  try {
    const node = await pages[page].render(context);
    if (current === page) $('page').replaceChildren(node);
  } catch (error) {
    if (error.status === 401) return showSignIn('Your sign-in has ended; sign in again.');
    $('page-error').textContent = error.message;
  }
}

async function enter() {
  me = await call('GET', '/me');
  if (!me.system_admin && !me.tenant_admin_of) {
    await credentials.signOut();
    return showSignIn('This account is not an administrator.');
  }
  $('status').textContent = `Signed in as ${me.user}` +
    (me.system_admin ? ' (system admin)' : ` (admin of ${me.tenant_admin_of})`);
  $('signin').hidden = true;
  $('workspace').hidden = false;
  $('signout').hidden = false;
  await open(current);
}

for (const tab of document.querySelectorAll('#tabs button')) {
  tab.addEventListener('click', () => open(tab.dataset.page));
}
$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('signin-error').textContent = '';
  try {
    await credentials.signIn($('user').value.trim(), $('password').value);
    $('password').value = '';
    await enter();
  } catch (error) {
    $('signin-error').textContent = error.message;
  }
});
$('signout').addEventListener('click', async () => {
  await credentials.signOut();
  showSignIn();
});
credentials.addEventListener('expired', (e) => showSignIn(e.detail));

(async () => {
  try {
    await credentials.resume();
    if (credentials.accessToken) return await enter();
  } catch {
    credentials.save({});
  }
  showSignIn();
})();
