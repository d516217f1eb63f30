// The viewer page says the truth about the source: a clinician watching a camera that has not
// started, or that stopped sending, reads why the picture is black (and that it comes back by
// itself), instead of a "Connecting…" that never ends. The camera is a raw RTP source (a
// gst-launch VP8 sender on loopback, started and killed by the test); the page learns of each
// change from the server's streams-changed event, without reloading.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { inboundVideo, issueToken, runBrowserTest, waitFor } from './lib/harness.mjs';

// A free UDP port on loopback (bound and released; the server's ingest child binds it next).
const port = await new Promise((resolve) => {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1', () => { const p = socket.address().port; socket.close(() => resolve(p)); });
});

function startCamera() {
  return spawn('gst-launch-1.0', ['-q', 'videotestsrc', 'is-live=true', 'pattern=ball', '!',
    'video/x-raw,width=320,height=240,framerate=15/1', '!', 'vp8enc', 'deadline=1', 'keyframe-max-dist=15', '!',
    'rtpvp8pay', 'pt=96', 'picture-id-mode=15-bit', 'mtu=1200', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`],
  { stdio: 'ignore' });
}

let camera = null;
// runBrowserTest ends the process itself: the sender goes with it, passed or failed.
process.on('exit', () => camera?.kill('SIGKILL'));
await runBrowserTest(async ({ server, browser }) => {
  const token = issueToken(server.dataDir);
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const overlay = () => page.evaluate(() => {
    const o = document.getElementById('overlay');
    return o && !o.hidden ? o.textContent : '';
  });
  await page.goto(`${server.url}/?stream=cam#token=${token}`);

  // No sender yet: the page says the source has not started (not a network problem).
  const starting = await waitFor(overlay, (t) => /source is starting/.test(t), 30000,
    'the page to say the source has not started');
  console.log(`before the camera sends: "${starting}"`);

  camera = startCamera();
  const playing = await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded >= 20, 60000,
    'the camera to play');
  console.log(`camera sends: ${playing.framesDecoded} frames decoded`);
  await waitFor(overlay, (t) => t === '', 10000, 'the message to go once the picture plays');

  // The camera goes away: the relay reports the source stalled and the page says so, by
  // itself (the streams-changed event), while the page keeps its session.
  camera.kill('SIGKILL');
  camera = null;
  const stalledAt = Date.now();
  const stalled = await waitFor(overlay, (t) => /source stopped sending/.test(t), 60000,
    'the page to say the source stopped');
  console.log(`camera gone: "${stalled}" after ${Date.now() - stalledAt} ms`);

  // It comes back: the picture resumes and the message goes, without a reload.
  camera = startCamera();
  const before = (await inboundVideo(page))?.framesDecoded ?? 0;
  await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded >= before + 20, 90000,
    'the picture to resume');
  await waitFor(overlay, (t) => t === '', 30000, 'the message to go when the source is back');
  assert.equal(await page.evaluate(() => document.getElementById('stream-title').textContent), 'cam');
  console.log('source back: playing, no message');
}, { extraArgs: ['--no-demo', '--stream', `cam=rtp://127.0.0.1:${port}?codec=vp8`] });
