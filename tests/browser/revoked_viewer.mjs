// A clinician watches in the viewer page; an administrator takes them out of the group with
// `medrelay admin` while the server runs. Within a second the video stops, the page says why,
// and it does not keep retrying. Another clinician's page keeps playing.
import assert from 'node:assert/strict';
import { admin, inboundVideo, waitFor, runBrowserTest } from './lib/harness.mjs';

await runBrowserTest(async ({ server, browser }) => {
  for (const args of [
    ['user', 'add', '--tenant', 'demo', 'nurse'],
    ['group', 'add', '--tenant', 'demo', 'icu'],
    ['group', 'member', 'add', 'icu', 'nurse'],
    ['stream', 'share', 'demo', 'icu'],
  ]) admin(server.dataDir, ...args);
  const nurseToken = admin(server.dataDir, 'token', 'issue', '--user', 'nurse');
  const demoToken = admin(server.dataDir, 'token', 'issue', '--user', 'demo');

  const open = async (token) => {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${server.url}/?stream=demo#token=${token}`);
    await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 10, 20000, 'playing');
    return page;
  };
  const nurse = await open(nurseToken);
  const colleague = await open(demoToken);

  // The nurse's list shows the demo stream before, and the revocation is announced after.
  const subscribes = () => nurse.evaluate(() => window.medrelay?.player?.session ?? null);
  const sessionBefore = await subscribes();
  assert.ok(sessionBefore, 'the nurse has a session');

  admin(server.dataDir, 'group', 'member', 'remove', 'icu', 'nurse');
  const revokedAt = Date.now();
  const overlay = await waitFor(
    () => nurse.evaluate(() => { const o = document.getElementById('overlay'); return o && !o.hidden ? o.textContent : ''; }),
    (text) => text.length > 0, 3000, 'the page to say why the video stopped');
  const toldAfterMs = Date.now() - revokedAt;
  console.log(`page told the nurse after ${toldAfterMs} ms: "${overlay}"`);
  assert.ok(toldAfterMs < 1500, `told after ${toldAfterMs} ms`);

  const settled = (await inboundVideo(nurse))?.framesDecoded ?? 0;
  await new Promise((r) => setTimeout(r, 1500));
  const after = (await inboundVideo(nurse))?.framesDecoded ?? 0;
  assert.ok(after - settled <= 1, `no more frames after revocation (${settled} -> ${after})`);
  assert.equal(await subscribes(), null, 'the page does not resubscribe on its own');

  const before = (await inboundVideo(colleague)).framesDecoded;
  await waitFor(() => inboundVideo(colleague), (s) => s.framesDecoded > before + 20, 5000,
    'the colleague to keep playing');
});
