// A viewer whose network blocks the media (every UDP datagram dropped, and the relay offers no
// TCP or TURN path) is told so: signaling works, ICE cannot, and the page says "no network
// path" with the reason instead of "Connecting…" over a black box, and waits longer before
// each new attempt instead of resubscribing every second. Chromium runs in a network namespace
// of its own whose firewall drops UDP (as in the ICE-TCP test, without --ice-tcp here). The
// relay's /metrics counts those sessions as ended "ice-failed".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, launchChromium, startServer, waitFor } from './lib/harness.mjs';
import { createViewerNetwork } from './lib/netns.mjs';

const dir = mkdtempSync(join(tmpdir(), 'medrelay-no-path-'));
let failed = false;
let network, server, browser;
try {
  network = createViewerNetwork(dir, { blockUdp: true });
  server = await startServer({
    iceAddress: network.hostAddress,
    extraArgs: ['--listen', `${network.hostAddress}:0`],
  });
  const token = issueToken(server.dataDir);
  browser = await launchChromium({ executablePath: network.chromiumPath });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const overlay = () => page.evaluate(() => {
    const o = document.getElementById('overlay');
    return o && !o.hidden ? o.textContent : '';
  });
  await page.goto(`${server.url}/?stream=demo#token=${token}`);
  const startedAt = Date.now();

  // ICE gives up after its checks time out (about half a minute in Chromium).
  const told = await waitFor(overlay, (t) => /No network path/.test(t), 120000,
    'the page to say there is no network path');
  console.log(`told after ${Date.now() - startedAt} ms: "${told}"`);
  assert.match(told, /UDP/, 'the reason names what is blocked');
  const player = await page.evaluate(() => ({
    failures: window.medrelay.player.failures,
    delay: window.medrelay.player.retryDelayMs(),
    problem: window.medrelay.player.lastProblem,
  }));
  assert.equal(player.problem, 'no-network-path');
  assert.ok(player.failures >= 1, JSON.stringify(player));
  // The next attempts wait longer: 1, 2, 4, ... up to 30 s.
  const second = await waitFor(() => page.evaluate(() => window.medrelay.player.failures),
    (n) => n >= 2, 120000, 'a second attempt to fail');
  const delay = await page.evaluate(() => window.medrelay.player.retryDelayMs());
  assert.ok(delay >= 2000, `after ${second} failed attempts the page waits ${delay} ms`);
  assert.match(await overlay(), /Trying again in [2-9] s/);
  assert.ok(network.udpDropped() > 0, 'the firewall dropped the browser\'s UDP');
  console.log(`after ${second} failed attempts: waits ${delay} ms; "${await overlay()}"`);
  // IT sees it too: the relay counts the viewer sessions that ended without a media path.
  const ended = (await server.metrics()).match(
    /\nmedrelay_viewer_sessions_ended_total\{stream="demo",reason="ice-failed"\} (\d+)/);
  assert.ok(ended && Number(ended[1]) >= 2, `ice-failed sessions in /metrics: ${ended?.[1]}`);
  console.log(`/metrics: ${ended[1]} viewer sessions of demo ended ice-failed`);
} catch (error) {
  failed = true;
  console.error(error);
  if (server) console.error(server.output().slice(-3000));
} finally {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  network?.remove();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
