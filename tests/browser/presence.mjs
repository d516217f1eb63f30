// Presence in the viewer page: a clinician watching the demo sees, without reloading, a
// colleague start watching (display name, department, since when) and leave again. The
// colleague's display name is hostile markup: the page shows it as text and runs nothing.
import assert from 'node:assert/strict';
import { admin, inboundVideo, waitFor, runBrowserTest } from './lib/harness.mjs';

const HOSTILE = 'Dr Eve <img src=x onerror="window.pwned=1">';

await runBrowserTest(async ({ server, browser }) => {
  for (const args of [
    ['department', 'add', '--tenant', 'demo', 'stroke-unit'],
    ['user', 'add', '--tenant', 'demo', 'eve', '--display-name', HOSTILE],
    ['user', 'department', 'eve', 'stroke-unit'],
    ['group', 'member', 'add', 'demo/demo', 'eve'],
  ]) admin(server.dataDir, ...args);

  const open = async (user) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const token = admin(server.dataDir, 'token', 'issue', '--user', user);
    await page.goto(`${server.url}/?stream=demo#token=${token}`);
    await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 10, 60000, `${user} playing`);
    return page;
  };
  const watchers = (page) => page.textContent('#watchers');

  const clinician = await open('demo');
  const colleague = await open('eve');
  const seen = await waitFor(() => watchers(clinician), (t) => t.includes('Dr Eve'), 30000,
    'the colleague in the watchers line');
  console.log(`watchers line: "${seen}"`);
  assert.ok(seen.includes(`${HOSTILE} (stroke-unit) since `), seen);
  assert.equal(await clinician.evaluate(() => document.querySelectorAll('#watchers *').length), 0,
    'the display name became markup');
  assert.equal(await clinician.evaluate(() => window.pwned ?? 0), 0, 'the display name ran script');
  assert.ok((await watchers(colleague)).includes('Watching:'), 'the colleague sees the list too');

  await colleague.close();
  const after = await waitFor(() => watchers(clinician), (t) => !t.includes('Dr Eve'), 90000,
    'the colleague to leave the watchers line');
  console.log(`after the colleague left: "${after}"`);
});
