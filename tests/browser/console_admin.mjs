// The administrator's console driven in headless Chromium against a real server: the admin
// signs in at /console/, adds a user, makes a group, puts the user in it and shares the demo
// stream into it; the user signs in on the viewer page (another browser profile) and watches;
// the admin removes them from the group in the console and the user's video stops within a
// second. The other pages (departments, devices, collaboration, audit with chain check) work too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inboundVideo, waitFor, runBrowserTest } from './lib/harness.mjs';

await runBrowserTest(async ({ server, browser }) => {
  const passwords = Object.fromEntries(readFileSync(join(server.dataDir, 'initial-passwords'), 'utf8')
    .trim().split('\n').map((line) => line.split(' ')));
  const adminContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const console_ = await adminContext.newPage();
  const pageErrors = [];
  console_.on('pageerror', (e) => pageErrors.push(e.message));
  await console_.goto(`${server.url}/console`);  // the folder without its slash redirects
  assert.ok(console_.url().endsWith('/console/'), console_.url());
  await console_.fill('#user', 'admin');
  await console_.fill('#password', passwords.admin);
  await console_.click('#signin-form button[type=submit]');
  await console_.waitForSelector('#users-table');
  assert.match(await console_.textContent('#status'), /admin \(system admin\)/);

  const tab = async (name, ready) => {
    await console_.click(`#tabs button[data-page=${name}]`);
    await console_.waitForSelector(ready);
  };
  const pageError = () => console_.textContent('#page-error');

  // Users: add a clinician with an initial password.
  await console_.fill('#add-user input[name=name]', 'nurse');
  await console_.fill('#add-user input[name=display_name]', 'Night <b>nurse</b>');
  await console_.fill('#add-user input[name=password]', 'nurse-password-1');
  await console_.click('#add-user button[type=submit]');
  await console_.waitForSelector('tr[data-user=nurse]');
  // A display name is text, never markup.
  assert.equal(await console_.locator('tr[data-user=nurse] b').count(), 0);
  assert.match(await console_.textContent('tr[data-user=nurse]'), /Night <b>nurse<\/b>/);

  // A bad name is refused with the API's sentence, and nothing is added.
  await console_.fill('#add-user input[name=name]', "x'; DROP TABLE users;--");
  await console_.click('#add-user button[type=submit]');
  await waitFor(pageError, (t) => /user names are/.test(t), 5000, 'the refusal to be shown');

  // Departments.
  await tab('departments', '#add-department');
  await console_.fill('#add-department input[name=name]', 'radiology');
  await console_.click('#add-department button[type=submit]');
  await waitFor(() => console_.textContent('#departments-table'), (t) => t.includes('radiology'), 5000, 'the department');

  // Groups: make one and put the nurse in it.
  await tab('groups', '#add-group');
  await console_.fill('#add-group input[name=name]', 'icu');
  await console_.click('#add-group button[type=submit]');
  const icu = 'tr[data-group="demo/icu"]';
  await console_.waitForSelector(icu);
  await console_.selectOption(`${icu} select[name=user]`, 'nurse');
  await console_.click(`${icu} form button[type=submit]`);
  await console_.waitForSelector(`${icu} [data-member=nurse]`);

  // Streams and shares: share the demo into the new group.
  await tab('streams', '#streams-table');
  await console_.selectOption('tr[data-stream=demo] select[name=group]', 'demo/icu');
  await console_.click('tr[data-stream=demo] form button[type=submit]');
  await console_.waitForSelector('tr[data-stream=demo] [data-share="demo/icu"]');

  // The nurse signs in on the viewer page in a browser profile of their own, and watches.
  const viewerContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const viewer = await viewerContext.newPage();
  viewer.on('pageerror', (e) => pageErrors.push(`viewer: ${e.message}`));
  await viewer.goto(`${server.url}/?stream=demo`);
  await viewer.fill('#user', 'nurse');
  await viewer.fill('#password', 'nurse-password-1');
  await viewer.click('#signin-form button[type=submit]');
  await waitFor(() => inboundVideo(viewer), (s) => s && s.framesDecoded > 10, 20000, 'the nurse to watch');

  // Devices: the nurse's browser is now a registered device.
  await tab('devices', '#devices-table');
  assert.match(await console_.textContent('#devices-table'), /nurse.*web/s);

  // The admin removes the nurse from the group; the video stops and the page says why.
  await tab('groups', icu);
  await console_.click(`${icu} [data-member=nurse] button`);
  const removedAt = Date.now();
  await console_.waitForSelector(`${icu} [data-member=nurse]`, { state: 'detached' });
  const overlay = await waitFor(
    () => viewer.evaluate(() => { const o = document.getElementById('overlay'); return o && !o.hidden ? o.textContent : ''; }),
    (text) => text.length > 0, 3000, 'the viewer to say why the video stopped');
  console.log(`viewer told after ${Date.now() - removedAt} ms: "${overlay}"`);
  const settled = (await inboundVideo(viewer))?.framesDecoded ?? 0;
  await new Promise((r) => setTimeout(r, 1500));
  const after = (await inboundVideo(viewer))?.framesDecoded ?? 0;
  assert.ok(after - settled <= 1, `no more frames after removal (${settled} -> ${after})`);

  // Collaboration page renders and can ask another facility (none here but our own: refused).
  await tab('collaboration', '#request-collaboration');

  // Audit log: the changes are there, newest first, and the chain verifies.
  await tab('audit', '#audit-table');
  const trail = await console_.textContent('#audit-table');
  for (const action of ['group.member.remove', 'stream.share', 'group.member.add', 'user.add', 'department.add']) {
    assert.ok(trail.includes(action), `audit shows ${action}`);
  }
  await console_.click('text=Verify chain');
  await waitFor(() => console_.textContent('#audit-verdict'), (t) => t.startsWith('Intact'), 5000, 'the chain check');
  const allRows = await console_.locator('#audit-table tbody tr').count();
  await console_.fill('#audit-filter input[name=user]', 'nurse');
  await console_.click('#audit-filter button[type=submit]');
  // The page re-renders with the filter: every row is then by or about the nurse.
  const filtered = await waitFor(() => console_.locator('#audit-table tbody tr').allTextContents(),
    (rows) => rows.length > 0 && rows.every((row) => row.includes('nurse')), 5000,
    'only the nurse\'s records');
  assert.ok(filtered.length < allRows, `the filter narrows the trail (${filtered.length} of ${allRows})`);

  assert.deepEqual(pageErrors, [], 'no script errors');
});
