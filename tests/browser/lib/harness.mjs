// Shared pieces of the browser tests: start a real `medrelay serve` on loopback in a temporary
// data directory, issue a token with `medrelay admin`, and launch Debian's Chromium headless.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const medrelayBinary = process.env.MEDRELAY_BIN || process.argv[2];
if (!medrelayBinary) throw new Error('usage: node <test>.mjs /path/to/medrelay');


// Starts the server; resolves once it prints the line naming its HTTPS address.
// `iceAddress`: where its host candidates are (a viewer in a network namespace needs the
// namespace's peer address, lib/netns.mjs).
export async function startServer({ dataDir, extraArgs = [], iceAddress = '127.0.0.1',
  demoSize = '640x360' } = {}) {
  dataDir = dataDir || mkdtempSync(join(tmpdir(), 'medrelay-browser-'));
  const listen = extraArgs.includes('--listen') ? [] : ['--listen', '127.0.0.1:0'];
  // Parallel servers must not contend for the DICOM port; tests that want DICOM pass its address.
  const dicom = extraArgs.includes('--dicom-listen') ? [] : ['--no-dicom'];
  // Each server's metrics on a port of its own (the default 9464 would collide).
  const metrics = extraArgs.includes('--metrics-listen') ? [] : ['--metrics-listen', '127.0.0.1:0'];
  const args = ['serve', '--data-dir', dataDir, ...listen, '--ice-address', iceAddress,
    '--demo-size', demoSize, ...dicom, ...metrics, ...extraArgs];
  const child = spawn(medrelayBinary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30000);
    const onData = (chunk) => {
      output += chunk.toString();
      const match = output.match(/listening on (https:\/\/[^\s/]+)\//);
      if (match) { clearTimeout(timeout); resolve(match[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk.toString();
      if (process.env.MEDRELAY_TEST_VERBOSE) process.stderr.write(chunk);
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dataDir,
    child,
    output: () => output,
    // The server's /metrics text (its own port, self-signed certificate).
    metrics() {
      const match = output.match(/metrics on (https:\/\/[^\s)]+)/);
      if (!match) return Promise.reject(new Error('the server did not say where its metrics are'));
      return new Promise((resolve, reject) => {
        https.get(match[1], { rejectUnauthorized: false }, (response) => {
          let body = '';
          response.on('data', (chunk) => { body += chunk; });
          response.on('end', () => resolve(body));
        }).on('error', reject);
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
    cleanup() { rmSync(dataDir, { recursive: true, force: true }); },
  };
}

// Runs `medrelay admin --data-dir DIR ...args` and returns its stdout.
export function admin(dataDir, ...args) {
  return execFileSync(medrelayBinary, ['admin', '--data-dir', dataDir, ...args]).toString().trim();
}

export function issueToken(dataDir, user = 'demo') {
  return execFileSync(medrelayBinary, ['admin', '--data-dir', dataDir, 'token', 'issue', '--user', user])
    .toString().trim();
}

const chromiumOptions = (executablePath) => ({
  executablePath: executablePath || process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--ignore-certificate-errors',           // the embedded default's self-signed certificate
    '--allow-loopback-in-peer-connection',   // ICE over 127.0.0.1
    '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--autoplay-policy=no-user-gesture-required',
    // A synthetic camera for publishing tests (WHIP), granted without a prompt.
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  ],
});

// `executablePath`: another way to start Chromium (lib/netns.mjs starts it in a namespace).
export async function launchChromium({ executablePath } = {}) {
  return chromium.launch(chromiumOptions(executablePath));
}

// A Chromium whose process the test can kill outright (Browser has no process() of its own):
// returns { browser, kill } where kill() sends SIGKILL to the browser process.
export async function launchKillableChromium() {
  const server = await chromium.launchServer(chromiumOptions());
  const browser = await chromium.connect(server.wsEndpoint());
  return { browser, kill: () => server.process().kill('SIGKILL') };
}

// Reads the page's inbound video stats through the viewer's own RTCPeerConnection; `audio`
// holds the inbound audio's codec, packets and total energy (null without audio).
export async function inboundVideo(page) {
  return page.evaluate(async () => {
    const s = await window.medrelay?.player?.stats();
    return s ? { framesDecoded: s.framesDecoded ?? 0, codec: s.codec, width: s.frameWidth ?? 0,
      height: s.frameHeight ?? 0, packetsLost: s.packetsLost ?? 0, pliCount: s.pliCount ?? 0,
      framesDropped: s.framesDropped ?? 0,
      audio: s.audio && { codec: s.audio.codec, packetsReceived: s.audio.packetsReceived ?? 0,
        energy: s.audio.totalAudioEnergy ?? 0 } } : null;
  });
}

// The viewer page's selected ICE candidate pair, as { local, remote } candidate stats (type,
// protocol, tcpType, relayProtocol, address, port), or null before one is selected.
export async function selectedCandidatePair(page) {
  return page.evaluate(async () => {
    const stats = await window.medrelay.player.pc.getStats();
    let pair = null;
    stats.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId); });
    if (!pair) return null;
    const pick = (c) => c && { type: c.candidateType, protocol: c.protocol, tcpType: c.tcpType,
      relayProtocol: c.relayProtocol, address: c.address, port: c.port };
    return { local: pick(stats.get(pair.localCandidateId)), remote: pick(stats.get(pair.remoteCandidateId)) };
  });
}

// Polls `probe` until `accept(value)` holds, or fails after `ms`.
export async function waitFor(probe, accept, ms, what) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await probe();
    if (accept(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}; last value: ${JSON.stringify(last)}`);
}

// Starts a server and Chromium, runs `body({ server, browser })`, always cleans up, and ends
// the process with 0 (passed) or 1 (the body threw).
export async function runBrowserTest(body, serverOptions = {}) {
  const server = await startServer(serverOptions);
  const browser = await launchChromium();
  let failed = false;
  try {
    await body({ server, browser });
  } catch (error) {
    failed = true;
    console.error(error);
  } finally {
    await browser.close();
    await server.stop();
    server.cleanup();
  }
  process.exit(failed ? 1 : 0);
}
