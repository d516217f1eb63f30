// A viewer behind a firewall that drops all UDP still watches, directly over TCP (RFC 6544):
// Chromium runs in a network namespace of its own whose firewall (nftables) drops every UDP
// datagram; the relay, on the other end of the veth pair, offers passive TCP candidates within
// --media-ports. Checks that frames decode, that the path in use is TCP to the relay's host
// candidate inside the port range, and that the browser did try UDP (the firewall counted drops).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inboundVideo, issueToken, launchChromium, selectedCandidatePair, startServer, waitFor } from './lib/harness.mjs';
import { createViewerNetwork } from './lib/netns.mjs';

const dir = mkdtempSync(join(tmpdir(), 'medrelay-ice-tcp-'));
const firstPort = 42000 + Math.floor(Math.random() * 200) * 50;
let failed = false;
let network, server, browser;
try {
  network = createViewerNetwork(dir, { blockUdp: true });
  server = await startServer({
    iceAddress: network.hostAddress,
    extraArgs: ['--ice-tcp', '--listen', `${network.hostAddress}:0`, '--media-ports', `${firstPort}-${firstPort + 49}`],
  });
  const token = issueToken(server.dataDir);
  browser = await launchChromium({ executablePath: network.chromiumPath });
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${server.url}/?stream=demo#token=${token}`);

  const video = await waitFor(() => inboundVideo(page), (s) => s && s.framesDecoded >= 30, 90000,
    'the demo to play over ICE-TCP');
  console.log(`decoded ${video.framesDecoded} frames (${video.codec}) with UDP blocked`);
  const path = await selectedCandidatePair(page);
  assert.ok(path, 'a selected candidate pair');
  assert.equal(path.local.protocol, 'tcp', JSON.stringify(path));
  assert.equal(path.local.tcpType, 'active', JSON.stringify(path));
  assert.equal(path.remote.protocol, 'tcp', JSON.stringify(path));
  assert.equal(path.remote.type, 'host', JSON.stringify(path));
  assert.equal(path.remote.address, network.hostAddress, JSON.stringify(path));
  assert.ok(path.remote.port >= firstPort && path.remote.port <= firstPort + 49,
    `the relay's TCP port ${path.remote.port} is within --media-ports ${firstPort}-${firstPort + 49}`);
  const dropped = network.udpDropped();
  assert.ok(dropped > 0, 'the browser tried UDP first and the firewall dropped it');
  console.log(`ICE-TCP: path ${JSON.stringify(path)}; ${dropped} UDP datagrams dropped by the firewall`);
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
