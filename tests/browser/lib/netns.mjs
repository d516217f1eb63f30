// A viewer on a network of its own: a network namespace joined to this host by a veth pair,
// with what a hospital firewall or a bad link does to its traffic (nftables rules, tc shaping),
// so that a browser started in it (chromiumPath) reaches the relay only the way a real phone
// would. The test creates and removes everything; nothing leaves the two ends of the pair.
// Needs root (CI runs as root); see tools/setup.sh for iproute2 and nftables.
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function run(...args) {
  return execFileSync(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

// A /30 in 10.231.0.0/16 that no interface here uses yet.
function freeSubnet() {
  const used = run('ip', '-o', '-4', 'addr', 'show');
  for (;;) {
    const third = Math.floor(Math.random() * 256);
    const fourth = Math.floor(Math.random() * 64) * 4;
    const prefix = `10.231.${third}.`;
    if (!used.includes(prefix)) return { host: `${prefix}${fourth + 1}`, viewer: `${prefix}${fourth + 2}` };
  }
}

// Creates the namespace. `dir`: a temporary folder for the Chromium wrapper.
// Options: blockUdp (drop every UDP datagram the viewer sends or receives); downKbit (cap the
// viewer's downlink with a token bucket, tc tbf); lossPercent (drop that share of packets each
// way at random, nftables numgen; this kernel has no netem).
export function createViewerNetwork(dir, { blockUdp = false, downKbit = 0, lossPercent = 0 } = {}) {
  const id = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
  const ns = `mrview${id}`;
  const hostIf = `mrh${id}`;
  const viewerIf = `mrv${id}`;
  const { host, viewer } = freeSubnet();
  const inNs = (...args) => run('ip', 'netns', 'exec', ns, ...args);
  run('ip', 'netns', 'add', ns);
  const network = {
    ns, hostAddress: host, viewerAddress: viewer,
    // Caps (or, with 0, uncaps) what reaches the viewer: the host end's egress. The bucket
    // holds ~50 ms at that rate (at least two packets), as a mobile link's buffer might.
    setDownlink(kbit) {
      try { run('tc', 'qdisc', 'del', 'dev', hostIf, 'root'); } catch { /* none yet */ }
      if (!kbit) return;
      const burst = Math.max(3000, Math.round(kbit * 1000 / 8 * 0.05));
      run('tc', 'qdisc', 'add', 'dev', hostIf, 'root', 'tbf', 'rate', `${kbit}kbit`,
        'burst', String(burst), 'latency', '200ms');
    },
    remove() {
      try { run('ip', 'link', 'del', hostIf); } catch { /* gone with the namespace */ }
      try { run('ip', 'netns', 'del', ns); } catch { /* already removed */ }
    },
  };
  try {
    run('ip', 'link', 'add', hostIf, 'type', 'veth', 'peer', 'name', viewerIf);
    run('ip', 'link', 'set', viewerIf, 'netns', ns);
    run('ip', 'addr', 'add', `${host}/30`, 'dev', hostIf);
    run('ip', 'link', 'set', hostIf, 'up');
    inNs('ip', 'addr', 'add', `${viewer}/30`, 'dev', viewerIf);
    inNs('ip', 'link', 'set', viewerIf, 'up');
    inNs('ip', 'link', 'set', 'lo', 'up');
    if (blockUdp) {
      // Counted, so the test can tell that the browser tried UDP and the firewall stopped it.
      inNs('nft', 'add', 'table', 'inet', 'firewall');
      for (const [chain, hook] of [['in', 'input'], ['out', 'output']]) {
        inNs('nft', 'add', 'chain', 'inet', 'firewall', chain,
          `{ type filter hook ${hook} priority 0; policy accept; }`);
        inNs('nft', 'add', 'rule', 'inet', 'firewall', chain, 'meta', 'l4proto', 'udp', 'counter', 'drop');
      }
    }
    if (downKbit) network.setDownlink(downKbit);
    if (lossPercent) {
      inNs('nft', 'add', 'table', 'inet', 'lossy');
      for (const [chain, hook] of [['in', 'input'], ['out', 'output']]) {
        inNs('nft', 'add', 'chain', 'inet', 'lossy', chain,
          `{ type filter hook ${hook} priority 0; policy accept; }`);
        inNs('nft', 'add', 'rule', 'inet', 'lossy', chain, 'iifname', '!=', 'lo', 'oifname', '!=', 'lo',
          'numgen', 'random', 'mod', '100', '<', String(lossPercent), 'counter', 'drop');
      }
    }
    const wrapper = join(dir, `chromium-in-${ns}`);
    writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${ns} ${process.env.CHROMIUM || '/usr/bin/chromium'} "$@"\n`);
    chmodSync(wrapper, 0o700);
    network.chromiumPath = wrapper;
    // UDP datagrams the firewall dropped so far (0 without blockUdp).
    network.udpDropped = () => {
      if (!blockUdp) return 0;
      const rules = inNs('nft', 'list', 'table', 'inet', 'firewall');
      return [...rules.matchAll(/counter packets (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    };
    return network;
  } catch (error) {
    network.remove();
    throw error;
  }
}
