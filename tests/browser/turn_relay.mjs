// A viewer whose network lets nothing through but TCP to a TURN server (a hospital firewall
// that blocks UDP) still watches: a real coturn on loopback (use-auth-secret, as hospitals run
// it), the relay started with --ice-server turn:...?transport=tcp and the shared secret in a
// file; the viewer page, with ?ice=relay, may use relayed candidates only. Checks the login
// reply's credentials (coturn's REST-API form), the WHEP answer's Link headers (RFC 9725 §4.6),
// GET /api/v1/ice-servers, that frames decode, and that the path in use is relayed over TCP.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inboundVideo, issueToken, launchChromium, selectedCandidatePair, startServer, waitFor } from './lib/harness.mjs';

// A loopback port nothing listens on now (TURN's UDP and TCP listener share it).
function freePort() {
  const used = execFileSync('ss', ['-Htanu']).toString();
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if (!used.includes(`:${port} `)) return port;
  }
}

async function startCoturn(dir, secret) {
  const port = freePort();
  const relayFrom = 40000 + Math.floor(Math.random() * 200) * 100;
  const conf = join(dir, 'turnserver.conf');
  // The secret sits in the config file (mode 0600), not on coturn's command line.
  writeFileSync(conf, [
    'listening-ip=127.0.0.1', 'relay-ip=127.0.0.1', `listening-port=${port}`,
    `min-port=${relayFrom}`, `max-port=${relayFrom + 99}`,
    'use-auth-secret', `static-auth-secret=${secret}`, 'realm=medrelay.test',
    'allow-loopback-peers', 'no-tls', 'no-dtls', 'no-cli', 'fingerprint', 'no-software-attribute',
    'simple-log', `log-file=${join(dir, 'turn.log')}`, `userdb=${join(dir, 'turndb')}`,
    `pidfile=${join(dir, 'turn.pid')}`, '',
  ].join('\n'));
  chmodSync(conf, 0o600);
  const child = spawn('turnserver', ['-c', conf], { stdio: 'ignore' });
  await waitFor(() => execFileSync('ss', ['-Htln']).toString().includes(`127.0.0.1:${port} `),
    (up) => up, 20000, 'coturn to listen');
  return { port, child, stop: () => child.kill('SIGTERM') };
}

const dir = mkdtempSync(join(tmpdir(), 'medrelay-turn-'));
const secret = randomBytes(24).toString('hex');
const secretFile = join(dir, 'turn-secret');
writeFileSync(secretFile, `${secret}\n`);
chmodSync(secretFile, 0o600);
let failed = false;
let turn, server, browser;
try {
  turn = await startCoturn(dir, secret);
  const turnUri = `turn:127.0.0.1:${turn.port}?transport=tcp`;
  server = await startServer({ extraArgs: ['--ice-server', turnUri, '--turn-secret-file', secretFile] });
  assert.ok(!server.output().includes(secret), 'the TURN secret is never logged');
  const token = issueToken(server.dataDir);
  browser = await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/?stream=demo&ice=relay#token=${token}`);

  // What the page was given at login, and what WHEP and the REST API say.
  const given = await waitFor(() => page.evaluate(() => window.medrelay.player.iceServers),
    (servers) => servers && servers.length > 0, 20000, 'the login reply to carry ICE servers');
  assert.equal(given.length, 1, JSON.stringify(given));
  assert.deepEqual(given[0].urls, [turnUri]);
  assert.match(given[0].username, /^\d{10}:demo$/);
  const expiry = Number(given[0].username.split(':')[0]);
  assert.ok(expiry > Date.now() / 1000 + 3600, `a credential for a shift, expires ${expiry}`);
  assert.match(given[0].credential, /^[A-Za-z0-9+/]{27}=$/, 'base64 of an HMAC-SHA1');
  const viaApi = await page.evaluate(async (token) => {
    const rest = await fetch('/api/v1/ice-servers', { headers: { Authorization: `Bearer ${token}` } });
    const anonymous = await fetch('/api/v1/ice-servers');
    const options = await fetch('/whep/demo', { method: 'OPTIONS', headers: { Authorization: `Bearer ${token}` } });
    return { status: rest.status, body: await rest.json(), anonymous: anonymous.status,
      optionsLink: options.headers.get('Link') };
  }, token);
  assert.equal(viaApi.status, 200);
  assert.equal(viaApi.anonymous, 401, 'credentials only for signed-in callers');
  assert.deepEqual(viaApi.body.iceServers[0].urls, [turnUri]);
  assert.ok(viaApi.optionsLink?.startsWith(`<${turnUri}>; rel="ice-server"; username="`),
    `OPTIONS Link: ${viaApi.optionsLink}`);

  // Relayed candidates only: frames decode, over a path through coturn reached by TCP.
  const video = await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded >= 30, 60000,
    'the demo to play over TURN');
  console.log(`decoded ${video.framesDecoded} frames (${video.codec}) through TURN`);
  const path = await selectedCandidatePair(page);
  assert.equal(path?.local.type, 'relay', JSON.stringify(path));
  assert.equal(path.local.relayProtocol, 'tcp', JSON.stringify(path));

  // A WHEP client gets the same servers as Link headers on its 201.
  const whep = await page.evaluate(async (token) => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const response = await fetch('/whep/demo', { method: 'POST', body: pc.localDescription.sdp,
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` } });
    const link = response.headers.get('Link');
    if (response.status === 201) {
      await fetch(response.headers.get('Location'), { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    }
    pc.close();
    return { status: response.status, link };
  }, token);
  assert.equal(whep.status, 201);
  assert.match(whep.link, new RegExp(`^<${turnUri.replace(/[?.]/g, '\\$&')}>; rel="ice-server"; ` +
    'username="\\d{10}:demo"; credential="[A-Za-z0-9+/]{27}="; credential-type="password"$'), whep.link);
  console.log('TURN: login reply, REST, OPTIONS and WHEP Link headers agree; media relayed over TCP');
} catch (error) {
  failed = true;
  console.error(error);
  if (server) console.error(server.output().slice(-3000));
} finally {
  await browser?.close();
  await server?.stop();
  server?.cleanup();
  turn?.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
