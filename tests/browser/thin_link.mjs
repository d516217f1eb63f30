// A viewer on a thin link gets a smaller layer and keeps seeing pictures: Chromium in a network
// namespace of its own whose downlink is capped at 1 Mbit/s (tc tbf) watches the demo, whose top
// layer (1280x720, 2 Mbit/s) that link cannot carry. The relay moves the viewer down (its
// /metrics count the switch and show nobody left on the top layer), frames keep being decoded
// after the move, the page names the layer it gets, and the viewer can pin one from the page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, launchChromium, startServer, waitFor } from './lib/harness.mjs';
import { createViewerNetwork } from './lib/netns.mjs';

const dir = mkdtempSync(join(tmpdir(), 'medrelay-thin-link-'));
let failed = false;
let network, server, browser;
const metric = async (pattern) => {
  const m = (await server.metrics()).match(pattern);
  return m ? Number(m[1]) : NaN;
};
try {
  network = createViewerNetwork(dir, { downKbit: 1000 });
  server = await startServer({
    iceAddress: network.hostAddress,
    demoSize: '1280x720',
    extraArgs: ['--listen', `${network.hostAddress}:0`],
  });
  const token = issueToken(server.dataDir);
  browser = await launchChromium({ executablePath: network.chromiumPath });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/?stream=demo#token=${token}`);
  const decoded = () => page.evaluate(async () =>
    (await window.medrelay.player.stats())?.framesDecoded ?? 0);

  const downs = await waitFor(
    () => metric(/\nmedrelay_viewer_layer_switches_total\{stream="demo",direction="down"\} (\d+)/),
    (n) => n >= 1, 90000, 'the viewer to be moved to a lower layer');
  const layer = await waitFor(() => page.evaluate(() => window.medrelay.player.layer),
    (l) => l && l.layer > 0, 30000, 'the page to hear of its new layer');
  console.log(`moved down ${downs} time(s); the page gets layer ${layer.layer} of ${layer.layers}`);
  assert.equal(layer.layers, 3, 'the demo comes in three layers');
  assert.equal(layer.pinned, false);
  assert.equal(await metric(/\nmedrelay_viewers_by_layer\{stream="demo",layer="0"\} (\d+)/), 0,
    'nobody is left on the top layer');

  // Pictures keep coming on the lower layer (a loaded machine may encode slowly: a low bar).
  await waitFor(decoded, (n) => n > 0, 60000, 'a first decoded frame');
  const before = await decoded();
  await new Promise((r) => setTimeout(r, 8000));
  const after = await decoded();
  console.log(`decoded ${after - before} frames in 8 s on the thin link`);
  assert.ok(after - before >= 20, `only ${after - before} frames in 8 s`);
  const height = await page.evaluate(async () => (await window.medrelay.player.stats()).frameHeight);
  assert.ok(height > 0 && height < 720, `the picture is a lower layer's (height ${height})`);
  const stats = await page.evaluate(() => document.getElementById('player-stats').textContent);
  assert.match(stats, /(Medium|Low) quality \(auto\)/, stats);
  assert.equal(await page.evaluate(() => document.getElementById('quality').hidden), false);

  // The viewer pins the smallest layer from the page: the relay says so, and keeps it.
  await page.selectOption('#quality', '2');
  const pinned = await waitFor(() => page.evaluate(() => window.medrelay.player.layer),
    (l) => l && l.layer === 2 && l.pinned, 30000, 'the pinned layer');
  console.log(`pinned: layer ${pinned.layer}`);
  const frameSize = () => page.evaluate(async () => {
    const s = await window.medrelay.player.stats();
    return `${s.frameWidth}x${s.frameHeight}`;
  });
  // Each layer is half the one above, in the picture's shape (a ceiling in caps once made every
  // lower layer the smallest one).
  await waitFor(frameSize, (size) => size === '320x180', 30000, 'pictures of the smallest layer');
  await page.selectOption('#quality', '1');
  await waitFor(() => page.evaluate(() => window.medrelay.player.layer),
    (l) => l && l.layer === 1 && l.pinned, 30000, 'the middle layer pinned');
  await waitFor(frameSize, (size) => size === '640x360', 30000, 'pictures of the middle layer');
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
