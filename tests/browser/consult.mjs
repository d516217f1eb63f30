// The consult around the video, in two viewer pages of one stream (a desktop and a phone-sized
// screen):
//  - presence: a clinician watching the demo sees, without reloading, a colleague start
//    watching (display name, department, since when) and leave again. The colleague's display
//    name is hostile markup: the page shows it as text and runs nothing;
//  - the pointer: the colleague taps spots of the picture and the clinician sees marks on the
//    same spots of the picture (not of the screen: the two letterbox differently); the
//    clinician's stroke reaches the colleague; the taps are audited in aggregate. Reports the
//    pointer delay (tap sent to mark shown, one clock: both pages run in one browser);
//  - the thread: the colleague's message reaches the clinician live and is there after a reload;
//    the audit trail has the message but not its text; removed from the group, the colleague
//    loses the video and the thread.
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

  const open = async (user, viewport) => {
    const page = await browser.newPage(viewport ? { viewport, hasTouch: true } : {});
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    const token = admin(server.dataDir, 'token', 'issue', '--user', user);
    await page.goto(`${server.url}/?stream=demo#token=${token}`);
    await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded > 10, 60000, `${user} playing`);
    return page;
  };
  const watchers = (page) => page.textContent('#watchers');

  const clinician = await open('demo');
  const colleague = await open('eve', { width: 390, height: 844 });
  const seen = await waitFor(() => watchers(clinician), (t) => t.includes('Dr Eve'), 30000,
    'the colleague in the watchers line');
  console.log(`watchers line: "${seen}"`);
  assert.ok(seen.includes(`${HOSTILE} (stroke-unit) since `), seen);
  assert.equal(await clinician.evaluate(() => document.querySelectorAll('#watchers *').length), 0,
    'the display name became markup');
  assert.equal(await clinician.evaluate(() => window.pwned ?? 0), 0, 'the display name ran script');
  assert.ok((await watchers(colleague)).includes('Watching:'), 'the colleague sees the list too');

  // Where a picture spot is on a page's screen, and a mark's centre on it.
  const onScreen = (page, [x, y]) => page.evaluate(([x, y]) => {
    const video = document.getElementById('video');
    const box = video.getBoundingClientRect();
    const scale = Math.min(video.clientWidth / video.videoWidth, video.clientHeight / video.videoHeight);
    const left = box.left + (video.clientWidth - video.videoWidth * scale) / 2;
    const top = box.top + (video.clientHeight - video.videoHeight * scale) / 2;
    return { x: left + x * video.videoWidth * scale, y: top + y * video.videoHeight * scale };
  }, [x, y]);
  const lastTapShown = (page) => page.evaluate(() => {
    const taps = [...document.querySelectorAll('#marks .mark:not(.own) .mark-tap')];
    if (!taps.length) return null;
    const r = taps[taps.length - 1].getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  });
  const received = (page) => page.evaluate(() => window.medrelay.pointer.lastReceived);

  // A square player on the clinician's page: the picture is letterboxed there, not on the phone.
  await clinician.evaluate(() => { document.querySelector('.video-wrap').style.aspectRatio = '1 / 1'; });
  const spots = [[0.25, 0.75], [0.5, 0.5], [0.9, 0.1], [0.1, 0.3], [0.66, 0.33]];
  const delays = [];
  for (const spot of spots) {
    const before = (await received(clinician))?.at ?? 0;
    const at = await onScreen(colleague, spot);
    const sentAt = Date.now();  // before the click: the delay includes the click's own path
    await colleague.mouse.click(at.x, at.y);
    const got = await waitFor(() => received(clinician), (r) => r && r.at > before, 30000,
      `the mark at ${spot} on the clinician's picture`);
    delays.push(got.at - sentAt);
    assert.equal(got.points.length, 1, 'a tap is one point');
    assert.ok(Math.abs(got.points[0][0] - spot[0]) < 0.01 && Math.abs(got.points[0][1] - spot[1]) < 0.01,
      `tapped ${spot}, the clinician got ${got.points[0]}`);
    assert.ok(got.from.display_name.includes('Dr Eve'), JSON.stringify(got.from));
    const shown = await lastTapShown(clinician);
    const expected = await onScreen(clinician, spot);
    assert.ok(shown && Math.abs(shown.x - expected.x) < 3 && Math.abs(shown.y - expected.y) < 3,
      `the mark is at ${JSON.stringify(shown)}, the picture spot at ${JSON.stringify(expected)}`);
    await new Promise((r) => setTimeout(r, 300));  // the page sends at most 4 marks a second
  }
  // Date.now() on both ends: the test's click to the mark arriving on the other page.
  delays.sort((a, b) => a - b);
  console.log(`pointer delay over ${delays.length} taps: median ${delays[delays.length >> 1]} ms, ` +
    `max ${delays[delays.length - 1]} ms`);
  assert.equal(await clinician.evaluate(() => document.querySelectorAll('.mark-label *').length), 0,
    'the name on a mark became markup');

  // The clinician draws a stroke; the colleague gets all of it.
  const from = await onScreen(clinician, [0.2, 0.2]);
  const to = await onScreen(clinician, [0.6, 0.4]);
  await clinician.mouse.move(from.x, from.y);
  await clinician.mouse.down();
  await clinician.mouse.move(to.x, to.y, { steps: 20 });
  await clinician.mouse.up();
  const stroke = await waitFor(() => received(colleague), (r) => r && r.points.length > 1, 30000,
    'the stroke on the colleague\'s picture');
  const end = stroke.points[stroke.points.length - 1];
  assert.ok(Math.abs(stroke.points[0][0] - 0.2) < 0.01 && Math.abs(end[0] - 0.6) < 0.01 &&
    Math.abs(end[1] - 0.4) < 0.01, JSON.stringify(stroke.points));

  // The thread: the colleague writes; the clinician reads it live, and again after a reload.
  const NOTE = 'CT: no bleed. Thrombectomy, go.';
  const threadText = (page) => page.textContent('#thread-messages');
  await colleague.fill('#thread-text', NOTE);
  await colleague.click('#thread-form button');
  const live = await waitFor(() => threadText(clinician), (t) => t.includes(NOTE), 30000,
    'the colleague\'s message on the clinician\'s page');
  assert.ok(live.includes('Dr Eve'), live);
  assert.equal(await clinician.evaluate(() => document.querySelectorAll('#thread-messages img').length), 0,
    'an author name became markup');
  await clinician.reload();
  await waitFor(() => threadText(clinician), (t) => t.includes(NOTE), 60000,
    'the message after the clinician reloads');

  // Removed from the group, the colleague loses the video and the thread at once.
  admin(server.dataDir, 'group', 'member', 'remove', 'demo/demo', 'eve');
  await waitFor(() => colleague.evaluate(() => document.getElementById('thread').hidden), (h) => h, 30000,
    'the thread to close on the colleague\'s page');
  const refused = await colleague.evaluate(() => window.medrelay.signaling.request('thread', { stream: 'demo' })
    .then(() => 'read', (e) => e.code));
  assert.notEqual(refused, 'read', 'a removed member still reads the thread');
  console.log(`thread read after removal: ${refused}`);
  const after = await waitFor(() => watchers(clinician), (t) => !t.includes('Dr Eve'), 90000,
    'the colleague to leave the watchers line');
  console.log(`after the colleague left: "${after}"`);
  // The colleague's session record counts the marks placed (and carries no coordinates).
  const record = await waitFor(() => {
    const trail = admin(server.dataDir, 'audit', 'export', '--stream', 'demo').trim().split('\n');
    return trail.map((line) => JSON.parse(line)).find((r) => r.action === 'unsubscribe' &&
      r.actor === 'user:eve' && r.outcome === 'revoked');
  }, (r) => r, 30000, 'the colleague\'s session in the audit trail');
  assert.equal(record.details.pointer_marks, spots.length, JSON.stringify(record));
  const trail = admin(server.dataDir, 'audit', 'export', '--stream', 'demo');
  assert.ok(trail.includes('"thread.message"'), 'the message is not in the audit trail');
  assert.ok(!trail.includes('Thrombectomy'), 'the audit trail holds the message text');
});
