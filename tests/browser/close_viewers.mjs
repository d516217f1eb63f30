// Viewers and publishers leave in every way a browser can while media flows, and the relay must
// outlive each (run against the ASan build in CI, where a callback reaching a destroyed peer
// aborts the server): the page closed (Chromium sends DTLS close_notify), the page navigated
// away, a WHEP session DELETEd, the viewer revoked by an administrator, the browser killed
// outright (no close_notify: the relay only sees consent checks stop), and a WHIP publisher's
// page closed. After each, the server process is still running and a new viewer plays.
import assert from 'node:assert/strict';
import { admin, inboundVideo, issueToken, launchKillableChromium, runBrowserTest, waitFor } from './lib/harness.mjs';

const alive = (server) => server.child.exitCode === null && server.child.signalCode === null;

async function watch(browser, server, token, stream = 'demo') {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/?stream=${stream}#token=${token}`);
  await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 10, 30000, `${stream} to play`);
  return page;
}

async function stillServes(browser, server, token, how) {
  assert.ok(alive(server), `the server died after: ${how}\n${server.output().slice(-3000)}`);
  const page = await watch(browser, server, token);
  await page.close();
  assert.ok(alive(server), `the server died after a viewer closed following: ${how}`);
  console.log(`survived: ${how}`);
}

// A short pause in which the relay tears the session down while packets are still arriving.
const settle = () => new Promise((r) => setTimeout(r, 1500));

await runBrowserTest(async ({ server, browser }) => {
  const token = issueToken(server.dataDir, 'demo');

  // Page closed, three times (the reported crash: every closed viewer).
  for (let i = 0; i < 3; i++) {
    const page = await watch(browser, server, token);
    await page.close();
    await settle();
  }
  await stillServes(browser, server, token, 'three viewer pages closed');

  // Navigated away (the page's pc is torn down by the unload).
  const navigating = await watch(browser, server, token);
  await navigating.goto(`${server.url}/healthz`);
  await settle();
  await navigating.close();
  await stillServes(browser, server, token, 'a viewer page navigated away');

  // A WHEP session deleted by its owner while its media flows.
  const whep = await browser.newPage();
  await whep.goto(`${server.url}/healthz`);
  const deleted = await whep.evaluate(async (token) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch('/whep/demo', { method: 'POST', body: pc.localDescription.sdp,
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` } });
    if (response.status !== 201) return { status: response.status };
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    const start = Date.now();
    let frames = 0;
    while (Date.now() - start < 20000 && frames < 10) {
      await new Promise((r) => setTimeout(r, 200));
      (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0; });
    }
    const gone = await fetch(response.headers.get('Location'), { method: 'DELETE',
      headers: { Authorization: `Bearer ${token}` } });
    return { status: response.status, frames, deleted: gone.status };
  }, token);
  assert.deepEqual([deleted.status, deleted.deleted], [201, 200], JSON.stringify(deleted));
  assert.ok(deleted.frames >= 10, `the WHEP viewer decoded ${deleted.frames} frames`);
  await settle();
  await whep.close();
  await stillServes(browser, server, token, 'a WHEP session deleted');

  // Revoked by an administrator while watching.
  for (const args of [['user', 'add', '--tenant', 'demo', 'nurse'], ['group', 'add', '--tenant', 'demo', 'ward'],
    ['group', 'member', 'add', 'ward', 'nurse'], ['stream', 'share', 'demo', 'ward']]) admin(server.dataDir, ...args);
  const nurse = await watch(browser, server, admin(server.dataDir, 'token', 'issue', '--user', 'nurse'));
  admin(server.dataDir, 'group', 'member', 'remove', 'ward', 'nurse');
  await waitFor(() => nurse.evaluate(() => { const o = document.getElementById('overlay'); return o && !o.hidden; }),
    (shown) => shown, 5000, 'the revoked viewer to be told');
  await settle();
  await nurse.close();
  await stillServes(browser, server, token, 'a viewer revoked');

  // A second browser killed outright: no close_notify, no unload; the relay notices when consent
  // checks stop (about 30 s), during which it keeps sending to a dead port.
  const doomed = await launchKillableChromium();
  await watch(doomed.browser, server, token);
  doomed.kill();
  await new Promise((r) => setTimeout(r, 40000));
  await stillServes(browser, server, token, 'a browser killed while watching (consent expiry)');

  // A WHIP publisher's page closed while a viewer watches its stream.
  admin(server.dataDir, 'user', 'permission', 'grant', 'demo', 'publish');
  const publisher = await browser.newPage();
  await publisher.goto(`${server.url}/healthz`);
  const published = await waitFor(() => publisher.evaluate(async (token) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 180 } });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => setTimeout(r, 500));
    const response = await fetch('/whip/ward3', { method: 'POST', body: pc.localDescription.sdp,
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` } });
    if (response.status !== 201) return response.status;
    await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });
    window.keep = pc;
    return 201;
  }, token), (status) => status === 201, 10000, 'the publisher to be accepted');
  assert.equal(published, 201);
  const watcher = await watch(browser, server, token, 'ward3');
  await publisher.close();
  await settle();
  await watcher.close();
  await stillServes(browser, server, token, 'a WHIP publisher page closed');
}, { extraArgs: ['--stream', 'ward3=whip://'] });
