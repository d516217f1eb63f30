// What a viewer on a bad network gets: headless Chromium in a network namespace of its own
// (tests/browser/lib/netns.mjs: veth pair, tc tbf rate caps, nftables random loss and UDP
// blocking) watches the demo (1280x720, 30 fps, the product's default) for each scenario, and
// the figures come from the viewer's own getStats(): frames decoded after the first 3 s against
// the frames the relay received from the source in that time on the layer the viewer was on (its
// /metrics), freezes and their seconds, loss, NACKs, PLIs, the received rate, and the picture
// height and layer over time.
//
//   [BENCH_SERVER_ARGS=...] [BENCH_SERVER_LOG=FILE] node bench/network_scenarios.mjs build/app/medrelay [SECONDS] [SCENARIO...]
//
// Needs root (network namespaces) and `npm ci` in tests/browser. Results: bench/README.md.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueToken, launchChromium, startServer } from '../tests/browser/lib/harness.mjs';
import { createViewerNetwork } from '../tests/browser/lib/netns.mjs';

const seconds = Number(process.argv[3] || 30);
const only = process.argv.slice(4);
const warmup = 3;

// A link that changes over the run: [from fraction of the run, kbit/s].
const scenarios = [
  { name: 'clean', network: {} },
  { name: '5% loss each way', network: { lossPercent: 5 } },
  { name: 'down 1 Mbit/s', network: { downKbit: 1000 } },
  { name: 'down 500 kbit/s', network: { downKbit: 500 } },
  { name: '4 Mbit/s -> 600 kbit/s -> 4 Mbit/s', network: { downKbit: 4000 },
    steps: [[1 / 3, 600], [2 / 3, 4000]] },
  { name: 'UDP blocked, ICE-TCP', network: { blockUdp: true }, serverArgs: ['--ice-tcp'] },
];

// The demo's frames so far in the viewer's codec, per layer, as the relay counted them arriving
// (an encoder may not keep up with 30 fps on a loaded machine, and each layer's encoder keeps up
// on its own: the frames of the layer the viewer was on are the fair denominator).
async function sourceFrames(server, codec) {
  const body = await server.metrics();
  const frames = [];
  const pattern = new RegExp(`\\nmedrelay_source_encoding_frames_total\\{stream="demo",codec="${codec}",layer="(\\d)"\\} (\\d+)`, 'g');
  for (const m of body.matchAll(pattern)) frames[Number(m[1])] = Number(m[2]);
  if (frames[0] === undefined) throw new Error('no frame count in /metrics');
  return frames;
}

// Until the demo has sent frames for `kSettleSeconds` (bounded: 30 s).
const kSettleSeconds = 5;
async function settle(server) {
  const deadline = Date.now() + 30000;
  let firstAt = 0;
  while (Date.now() < deadline) {
    const frames = await sourceFrames(server, 'VP8').catch(() => [0]);
    if (!firstAt && frames[0] > 0) firstAt = Date.now();
    if (firstAt && Date.now() - firstAt >= kSettleSeconds * 1000) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the demo did not start within 30 s');
}

// Frames per second of one layer over the counted part of the run, from the moments its counter
// changed.
function layerRate(changes, layer) {
  const counted = changes.filter((c) => c.t >= warmup && c.sent[layer] !== undefined);
  const first = counted[0], final = counted[counted.length - 1];
  return first && final && final.t > first.t ? (final.sent[layer] - first.sent[layer]) / (final.t - first.t) : 0;
}

async function sample(page) {
  return page.evaluate(async () => {
    const s = await window.medrelay?.player?.stats();
    return s && { framesDecoded: s.framesDecoded ?? 0, freezeCount: s.freezeCount ?? 0,
      freezeSeconds: s.totalFreezesDuration ?? 0, packetsLost: s.packetsLost ?? 0,
      nacks: s.nackCount ?? 0, plis: s.pliCount ?? 0, bytes: s.bytesReceived ?? 0,
      height: s.frameHeight ?? 0, codec: s.codec.replace('video/', ''),
      layer: window.medrelay.player.layer?.layer ?? '-' };
  });
}

async function run(scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'medrelay-netbench-'));
  let network, server, browser;
  try {
    network = createViewerNetwork(dir, scenario.network);
    server = await startServer({ iceAddress: network.hostAddress, demoSize: '1280x720',
      extraArgs: [...(process.env.BENCH_SERVER_ARGS ? process.env.BENCH_SERVER_ARGS.split(' ') : []), '--listen', `${network.hostAddress}:0`, ...(scenario.serverArgs || [])] });
    // A viewer joins a stream that is already running, as in the hospital (a camera is up long
    // before anyone watches): the encoders' first seconds (rate control settling, every layer's
    // first key frame) are not what a link is judged on. The join's own key frame still is.
    await settle(server);
    const token = issueToken(server.dataDir);
    browser = await launchChromium({ executablePath: network.chromiumPath });
    const page = await browser.newPage();
    await page.goto(`${server.url}/?stream=demo#token=${token}`);
    const start = Date.now();
    const samples = [];
    // The relay publishes its counters every 2 s: polled every 250 ms, the moments they change
    // give the source's frame rate to within a few percent.
    const changes = [];
    const steps = [...(scenario.steps || [])];
    let viewer = {};
    for (let i = 0; Date.now() - start < seconds * 1000; ++i) {
      const t = (Date.now() - start) / 1000;
      while (steps.length && t >= steps[0][0] * seconds) network.setDownlink(steps.shift()[1]);
      if (i % 4 === 0) {
        viewer = await sample(page) || {};
        samples.push({ t, ...viewer });
      }
      const sent = await sourceFrames(server, viewer.codec || 'VP8');
      if (!changes.length || changes[changes.length - 1].sent.join() !== sent.join()) changes.push({ t, sent });
      await new Promise((r) => setTimeout(r, 250));
    }
    const last = samples[samples.length - 1];
    const atWarmup = samples.find((s) => s.t >= warmup) || last;
    const span = last.t - atWarmup.t;
    const decoded = (last.framesDecoded ?? 0) - (atWarmup.framesDecoded ?? 0);
    // What the viewer could have decoded: each second at the rate of the layer it was on.
    const rates = [0, 1, 2].map((layer) => layerRate(changes, layer));
    let expected = 0;
    for (let i = 1; i < samples.length; ++i) {
      if (samples[i].t <= atWarmup.t) continue;
      const layer = Number.isInteger(samples[i - 1].layer) ? samples[i - 1].layer : 0;
      expected += (rates[layer] || rates[0]) * (samples[i].t - samples[i - 1].t);
    }
    const sent = Math.round(expected);
    const heights = samples.filter((s, i) => i % 5 === 0).map((s) => s.height ?? 0).join(' ');
    const layers = samples.filter((s, i) => i % 5 === 0).map((s) => s.layer ?? '-').join(' ');
    const metrics = await server.metrics();
    const switches = (direction) => Number(metrics.match(new RegExp(
      `\\nmedrelay_viewer_layer_switches_total\\{stream="demo",direction="${direction}"\\} (\\d+)`))?.[1] ?? 0);
    return {
      scenario: `${scenario.name} (${last.codec})`,
      decoded: `${decoded}/${sent} (${Math.round(100 * decoded / Math.max(sent, 1))} %)`,
      freezes: last.freezeCount ?? 0,
      freezeSeconds: (last.freezeSeconds ?? 0).toFixed(1),
      lost: last.packetsLost ?? 0, nacks: last.nacks ?? 0, plis: last.plis ?? 0,
      kbps: Math.round(((last.bytes ?? 0) - (atWarmup.bytes ?? 0)) * 8 / 1000 / Math.max(span, 1)),
      heightEvery5s: heights,
      layerEvery5s: layers,
      switches: `${switches('down')} down, ${switches('up')} up`,
    };
  } finally {
    await browser?.close();
    await server?.stop();
    // BENCH_SERVER_LOG=FILE keeps each run's server output (with BENCH_SERVER_ARGS="--log-level
    // debug": every layer decision and why).
    if (server && process.env.BENCH_SERVER_LOG)
      appendFileSync(process.env.BENCH_SERVER_LOG, `\n=== ${scenario.name}\n${server.output()}`);
    server?.cleanup();
    network?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = [];
for (const scenario of scenarios) {
  if (only.length && !only.some((o) => scenario.name.includes(o))) continue;
  const row = await run(scenario);
  console.log(JSON.stringify(row));
  rows.push(row);
}
console.log(`\n| scenario (${seconds} s) | frames decoded after ${warmup} s | freezes | freeze s | lost | NACKs | PLIs | kbit/s | height every 5 s | layer every 5 s | switches |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.scenario} | ${r.decoded} | ${r.freezes} | ${r.freezeSeconds} | ${r.lost} | ${r.nacks} | ${r.plis} | ${r.kbps} | ${r.heightEvery5s} | ${r.layerEvery5s} | ${r.switches} |`);
}
