// Headless Chromium opens the viewer page, signs in through the link's #token=, plays `demo`
// once with VP8 and once with H.264 preferred, and checks through RTCPeerConnection.getStats()
// that the negotiated codec is the one asked for, that decoded frames keep increasing, and that
// the decoder does not keep asking for key frames (an H.264 marker on parameter sets alone made
// Chromium send a PLI at every key frame: 20-45 per 10-15 s, issue 15).
// Also measures join time (subscribe -> first painted frame) over several joins.
import assert from 'node:assert/strict';
import { startServer, issueToken, launchChromium, inboundVideo, waitFor } from './lib/harness.mjs';

const server = await startServer();
const browser = await launchChromium();
let failed = false;
try {
  const token = issueToken(server.dataDir, 'demo');
  const joins = [];
  for (const codec of ['VP8', 'H264']) {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`${server.url}/?codec=${codec}&stream=demo#token=${token}`);
    const first = await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 0, 20000,
      `first decoded ${codec} frame`);
    assert.equal(first.codec.toUpperCase(), `VIDEO/${codec}`, `negotiated ${first.codec}, wanted ${codec}`);
    const later = await waitFor(() => inboundVideo(page), (s) => s.framesDecoded >= first.framesDecoded + 30,
      10000, `${codec} frames to keep increasing`);
    assert.ok(later.width > 0 && later.height > 0, 'decoded frames have a size');
    // 150 more frames (about 5 s at 30 fps): a healthy decoder sends no PLI at all; the loop sent
    // 2-3 a second. A few are allowed for loss on a loaded machine's loopback.
    const settled = await waitFor(() => inboundVideo(page), (s) => s.framesDecoded >= later.framesDecoded + 150,
      60000, `${codec}: 150 more frames`);
    const plis = settled.pliCount - later.pliCount;
    console.log(`${codec}: ${settled.framesDecoded} frames decoded at ${later.width}x${later.height}, lost ${settled.packetsLost}, ` +
      `${plis} PLIs and ${settled.framesDropped - later.framesDropped} frames dropped over the last 150`);
    assert.ok(plis <= 5, `${codec}: the decoder asked for ${plis} key frames in 150 frames`);
    await page.close();
  }
  // The one-time link `serve` prints: it signs the browser in (spending the link's refresh
  // token), plays the demo, and survives a reload from the browser's own renewed credential.
  // The same link a second time is refused and the page asks for a sign-in.
  const link = server.output().match(/watch the demo: (https:\S+)/)[1];
  const linkContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const linked = await linkContext.newPage();
  await linked.goto(link);
  await waitFor(() => inboundVideo(linked), (s) => s && s.framesDecoded > 10, 20000, 'the printed link to play');
  assert.ok(!(await linked.evaluate(() => location.hash)).includes('refresh='), 'the link is taken out of the address bar');
  await linked.reload();
  await waitFor(() => inboundVideo(linked), (s) => s && s.framesDecoded > 10, 20000, 'playing after a reload');
  const secondContext = await browser.newContext({ ignoreHTTPSErrors: true });
  const reused = await secondContext.newPage();
  await reused.goto(link);
  await reused.waitForSelector('#signin:not([hidden])');
  assert.ok((await reused.textContent('#signin-error')).length > 0, 'the page says why');
  await linkContext.close();
  await secondContext.close();

  // Join time: several fresh joins of the VP8 demo, median reported (informational, not a gate).
  for (let i = 0; i < 5; i++) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/?stream=demo#token=${token}`);
    const ms = await waitFor(() => page.evaluate(() => window.medrelay?.player?.timing?.firstFrameMs),
      (v) => typeof v === 'number', 20000, 'first frame');
    joins.push(ms);
    await page.close();
  }
  joins.sort((a, b) => a - b);
  console.log(`join time subscribe->first frame (ms): median ${joins[2].toFixed(0)}, all ${joins.map((j) => j.toFixed(0)).join(' ')}`);
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`--- server output ---\n${server.output().slice(-4000)}`);
} finally {
  await browser.close();
  await server.stop();
  server.cleanup();
}
process.exit(failed ? 1 : 0);
