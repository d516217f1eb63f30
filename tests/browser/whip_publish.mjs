// Headless Chromium publishes its (fake) camera and microphone over WHIP the way a phone or a
// browser-based encoder would: getUserMedia, a sendonly RTCPeerConnection, POST of the offer to
// /whip/ward3 with the user's token, the answer applied. A second page watches ward3 with the
// viewer page and must decode frames and hear the microphone (Opus, with energy), through the
// page's sound button; DELETE of the WHIP resource ends the publication and the viewer's frames
// stop. A user without the "publish" permission is refused with 403.
import assert from 'node:assert/strict';
import { admin, issueToken, inboundVideo, runBrowserTest, waitFor } from './lib/harness.mjs';

async function publish(page, token) {
  return page.evaluate(async (token) => {
    const media = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 },
      audio: true });
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
    pc.addTransceiver(media.getVideoTracks()[0], { direction: 'sendonly' });
    pc.addTransceiver(media.getAudioTracks()[0], { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      setTimeout(resolve, 3000);
    });
    const response = await fetch('/whip/ward3', {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
      body: pc.localDescription.sdp,
    });
    const body = await response.text();
    if (response.status !== 201) return { status: response.status, body };
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    window.publisher = { pc, location: response.headers.get('Location') };
    return { status: response.status, location: window.publisher.location };
  }, token);
}

async function framesSent(page) {
  return page.evaluate(async () => {
    let sent = 0;
    (await window.publisher.pc.getStats()).forEach((r) => {
      if (r.type === 'outbound-rtp' && r.kind === 'video') sent = r.framesEncoded ?? 0;
    });
    return sent;
  });
}

await runBrowserTest(async ({ server, browser }) => {
  const token = issueToken(server.dataDir, 'demo');
  const publisher = await browser.newPage();
  publisher.on('pageerror', (e) => console.error(`publisher page error: ${e.message}`));
  await publisher.goto(`${server.url}/healthz`);  // any page of the relay's origin

  const refused = await publish(publisher, token);
  assert.equal(refused.status, 403, `publishing without the permission: ${JSON.stringify(refused)}`);

  admin(server.dataDir, 'user', 'permission', 'grant', 'demo', 'publish');
  const accepted = await waitFor(() => publish(publisher, token), (r) => r.status === 201, 5000,
    'the relay to accept the publisher once permitted');
  assert.match(accepted.location, /^\/whip\/ward3\/sessions\/[0-9a-f]+$/);
  await waitFor(() => framesSent(publisher), (n) => n > 30, 15000, 'the camera to be encoded and sent');

  const viewer = await browser.newPage();
  await viewer.goto(`${server.url}/?stream=ward3#token=${token}`);
  const first = await waitFor(() => inboundVideo(viewer), (s) => s && s.framesDecoded > 0, 20000,
    'the viewer to decode the published camera');
  const later = await waitFor(() => inboundVideo(viewer), (s) => s.framesDecoded >= first.framesDecoded + 30,
    10000, 'published frames to keep coming');
  console.log(`viewer decoded ${later.framesDecoded} frames (${later.codec}, ${later.width}x${later.height})`);
  // The microphone: Opus packets, the page's button to hear them, and sound in what it plays.
  const received = await waitFor(() => inboundVideo(viewer),
    (s) => s.audio && s.audio.packetsReceived > 100, 10000,
    'the viewer to receive the published microphone');
  assert.equal(received.audio.codec.toLowerCase(), 'audio/opus');
  await viewer.waitForSelector('#sound:not([hidden])');
  assert.equal(await viewer.evaluate(() => document.getElementById('video').muted), true,
    'streams start muted');
  await viewer.click('#sound');
  assert.equal(await viewer.evaluate(() => document.getElementById('video').muted), false,
    'the sound button unmutes');
  const heard = await waitFor(() => inboundVideo(viewer), (s) => s.audio.energy > 0, 10000,
    'sound (audio energy) in what the viewer plays');
  console.log(`viewer heard ${heard.audio.packetsReceived} audio packets (energy ${heard.audio.energy.toPrecision(3)})`);

  const deleted = await publisher.evaluate(async (token) => (await fetch(window.publisher.location, {
    method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status, token);
  assert.equal(deleted, 200);
  await new Promise((r) => setTimeout(r, 1000));
  const stopped = (await inboundVideo(viewer)).framesDecoded;
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal((await inboundVideo(viewer)).framesDecoded, stopped, 'frames kept coming after DELETE');
}, { extraArgs: ['--stream', 'ward3=whip://'] });
