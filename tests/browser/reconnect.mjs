// The viewer page recovers by itself when the server restarts: play demo, stop the server,
// start it again on the same port and data directory, and decoded frames resume without any
// action in the page. Also: the ingest child killed with SIGKILL, video resumes on its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, issueToken, launchChromium, inboundVideo, waitFor } from './lib/harness.mjs';

function childrenOf(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch { return []; }
}

let server = await startServer();
const browser = await launchChromium();
let failed = false;
try {
  const token = issueToken(server.dataDir, 'demo');
  const page = await browser.newPage();
  await page.goto(`${server.url}/?stream=demo#token=${token}`);
  const framesNow = async () => (await inboundVideo(page))?.framesDecoded ?? 0;
  await waitFor(framesNow, (n) => n > 10, 20000, 'first frames');

  // 1. The camera process dies: the supervisor restarts it and the same session goes on.
  const sessionBefore = await page.evaluate(() => window.medrelay.player.session);
  for (const pid of childrenOf(server.child.pid)) process.kill(pid, 'SIGKILL');
  const afterKill = await framesNow();
  await waitFor(framesNow, (n) => n > afterKill + 30, 15000, 'frames after the ingest restart');
  assert.equal(await page.evaluate(() => window.medrelay.player.session), sessionBefore,
    'no re-signaling after an ingest restart');

  // 2. The server restarts: the page reconnects, signs in again and resubscribes.
  const port = new URL(server.url).port;
  const dataDir = server.dataDir;
  await server.stop();
  server = await startServer({ dataDir, extraArgs: ['--listen', `127.0.0.1:${port}`] });
  const t0 = Date.now();
  await waitFor(() => page.evaluate(() => window.medrelay.player.session), (s) => s && s !== sessionBefore,
    20000, 'a new session after the server restart');
  const base = await framesNow();
  await waitFor(framesNow, (n) => n > base + 30, 20000, 'frames after the server restart');
  console.log(`page recovered from a server restart in ${Date.now() - t0} ms`);
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
