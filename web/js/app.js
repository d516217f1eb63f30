// The viewer page: sign in (user name and password, or a link), list the streams this user
// may watch, play one. Reconnects by itself; renews its 15-minute access token in time.
import { Credentials } from './credentials.js';
import { SignalingClient } from './signaling_client.js';
import { Player } from './player.js';
import { PointerLayer } from './pointer.js';
import { ThreadPanel } from './thread.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const signaling = new SignalingClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
// ?ice=relay: only TURN-relayed paths (IT checks that the TURN server lets viewers through).
const player = new Player(signaling, $('video'),
  { codec: params.get('codec'), relayOnly: params.get('ice') === 'relay' });
const credentials = new Credentials();
let statsTimer = null;
const streamStates = new Map();  // name -> source state, from the last list

// A tap on the picture shows the others watching where we mean (not while watching unseen).
const pointer = new PointerLayer($('video'), $('marks'), (points) => {
  if (player.session) signaling.send('point', { session: player.session, points });
});

const thread = new ThreadPanel(signaling, { panel: $('thread'), list: $('thread-messages'),
  earlier: $('thread-earlier'), form: $('thread-form'), input: $('thread-text'), error: $('thread-error') });

// Exposed for diagnostics and the browser tests (read-only use).
window.medrelay = { signaling, player, credentials, pointer, thread };

function show(section) {
  for (const id of ['signin', 'streams', 'player']) $(id).hidden = id !== section;
  $('signout').hidden = section === 'signin';
}

function status(text) { $('status').textContent = text; }

async function login() {
  const token = credentials.accessToken;
  if (!token) return show('signin');
  try {
    const reply = await signaling.request('login', { token });
    player.iceServers = reply.iceServers ?? [];
    status(`Signed in as ${reply.user?.name ?? 'you'}`);
    if (player.stream) {
      show('player');
      player.resume();
      thread.open(player.stream);  // what was written while we were away
    } else {
      await refreshStreams();
      const wanted = params.get('stream');
      if (wanted) watch(wanted);
    }
  } catch (error) {
    if (error.code === 'disconnected' || error.code === 'timeout') return;  // the socket will retry
    credentials.save({});
    $('signin-error').textContent = error.message;
    show('signin');
  }
}

async function refreshStreams() {
  const reply = await signaling.request('list');
  const list = $('stream-list');
  list.replaceChildren();
  for (const stream of reply.streams) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    const name = document.createElement('span');
    name.textContent = stream.name;
    const state = document.createElement('span');
    state.textContent = stream.state;
    state.className = `state-${stream.state}`;
    const watching = document.createElement('span');
    watching.className = 'watching';
    const count = stream.watchers?.length ?? 0;
    watching.textContent = count ? `${count} watching` : '';
    button.append(name, state, watching);
    button.addEventListener('click', () => watch(stream.name));
    item.append(button);
    list.append(item);
  }
  $('no-streams').hidden = reply.streams.length > 0;
  if (!player.stream) show('streams');
  streamStates.clear();
  streamWatchers.clear();
  for (const stream of reply.streams) {
    streamStates.set(stream.name, stream.state);
    streamWatchers.set(stream.name, stream.watchers ?? []);
  }
  if (player.stream && streamStates.has(player.stream)) sourceState(streamStates.get(player.stream));
  if (player.stream) showWatchers(player.stream);
}

// Presence: who else watches this stream (the list the server sends, refreshed when it
// changes). Names are the directory's: text, never markup.
const streamWatchers = new Map();
function showWatchers(stream) {
  const watchers = streamWatchers.get(stream) ?? [];
  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  $('watchers').textContent = watchers.length
    ? 'Watching: ' + watchers.map((w) => {
      const where = [w.department, w.facility].filter(Boolean).join(', ');
      return `${w.display_name}${where ? ` (${where})` : ''} since ${time(w.since_ms)}`;
    }).join(' · ')
    : '';
}

// The watched stream's source, as the list reports it: say so when it sends nothing, so a
// black picture is not taken for a network problem (the picture comes back by itself).
const SOURCE_DOWN = {
  connecting: 'The source is starting; the picture appears when it sends.',
  standby: 'The source is starting for you; the picture appears in a moment.',
  stalled: 'The source stopped sending (camera or network at its end); waiting for it to come back…',
  failed: 'The source cannot be reached; the relay keeps trying. Waiting for it…',
  down: 'The source is off; waiting for it to come back…',
};
function sourceState(state) {
  const overlay = $('overlay');
  if (SOURCE_DOWN[state]) {
    overlay.hidden = false;
    overlay.textContent = SOURCE_DOWN[state];
    overlay.dataset.source = state;
  } else if (overlay.dataset.source) {
    delete overlay.dataset.source;
    if (player.pc?.connectionState === 'connected') overlay.hidden = true;
  }
}

// Streams start muted (autoplay rules, and a quiet ward); the button appears when sound arrives.
function setSound(on) {
  $('video').muted = !on;
  $('sound').textContent = on ? 'Sound on' : 'Sound off';
  $('sound').setAttribute('aria-pressed', String(on));
}

const LAYER_NAMES = ['High', 'Medium', 'Low'];

function showLayer(layer) {
  const select = $('quality');
  select.hidden = !layer || layer.layers < 2;
  if (!layer) return;
  for (const option of select.options) {
    option.disabled = option.value !== 'auto' && Number(option.value) >= layer.layers;
  }
  select.value = player.pinnedLayer === null ? 'auto' : String(player.pinnedLayer);
}

function watch(name) {
  pointer.clear();
  $('sound').hidden = true;
  showLayer(null);
  setSound(false);
  $('stream-title').textContent = name;
  $('code-form').hidden = true;
  $('overlay').hidden = false;
  $('overlay').textContent = 'Connecting…';
  delete $('overlay').dataset.source;
  show('player');
  player.play(name);
  sourceState(streamStates.get(name));
  showWatchers(name);
  thread.open(name);
  clearInterval(statsTimer);
  statsTimer = setInterval(updateStats, 1000);
}

async function updateStats() {
  const s = await player.stats();
  if (!s) return;
  const size = s.frameWidth ? `${s.frameWidth}×${s.frameHeight}` : '';
  const fps = s.framesPerSecond ? `${Math.round(s.framesPerSecond)} fps` : '';
  const sound = s.audio?.packetsReceived ? s.audio.codec.replace('audio/', '') : '';
  const layer = player.layer && player.layer.layers > 1
    ? `${LAYER_NAMES[player.layer.layer] ?? player.layer.layer} quality${player.layer.pinned ? '' : ' (auto)'}`
    : '';
  $('player-stats').textContent = [s.codec.replace('video/', ''), size, fps, layer,
    `${s.framesDecoded ?? 0} frames`, `${s.packetsLost ?? 0} lost`, sound].filter(Boolean).join(' · ');
}

signaling.addEventListener('open', () => { status('Connected'); login(); });
signaling.addEventListener('close', () => status('Reconnecting to the server…'));
signaling.addEventListener('session-ended', (e) => player.sessionEnded(e.detail));
signaling.addEventListener('layer', (e) => player.layerChanged(e.detail));
signaling.addEventListener('thread-message', (e) => {
  if (e.detail.session === player.session) thread.received(e.detail.message);
});
signaling.addEventListener('pointer', (e) => {
  if (e.detail.session === player.session) pointer.received(e.detail);
});
player.addEventListener('layer', (e) => showLayer(e.detail));
$('quality').addEventListener('change', () => {
  const value = $('quality').value;
  player.pinLayer(value === 'auto' ? null : Number(value)).catch(() => {});
});
signaling.addEventListener('streams-changed', () => {
  if (credentials.accessToken) refreshStreams().catch(() => {});
});
// A renewed access token: tell the server on the open socket (running sessions are extended).
credentials.addEventListener('token', (e) => {
  if (signaling.isOpen) {
    signaling.request('login', { token: e.detail })
      .then((reply) => { player.iceServers = reply.iceServers ?? player.iceServers; }).catch(() => {});
  }
});
credentials.addEventListener('expired', (e) => {
  player.stop();
  thread.close();
  $('signin-error').textContent = e.detail;
  show('signin');
});

player.addEventListener('audio', () => { $('sound').hidden = false; });
$('sound').addEventListener('click', () => setSound($('video').muted));
player.addEventListener('state', (e) => {
  if (e.detail === 'connected' && !$('overlay').dataset.source) $('overlay').hidden = true;
});
$('video').addEventListener('playing', () => { $('overlay').hidden = true; });
player.addEventListener('retrying', (e) => { $('overlay').hidden = false; $('overlay').textContent = e.detail; });
player.addEventListener('code-needed', (e) => {
  $('overlay').hidden = false;
  $('overlay').textContent = 'Waiting for the one-time code…';
  $('code-prompt').textContent = e.detail;
  $('code-form').hidden = false;
  $('one-time-code').value = '';
  $('one-time-code').focus();
});
$('code-form').addEventListener('submit', (e) => {
  e.preventDefault();
  $('code-form').hidden = true;
  $('overlay').textContent = 'Connecting…';
  player.provideCode($('one-time-code').value.trim());
});
player.addEventListener('fatal', (e) => {
  $('overlay').hidden = false;
  $('overlay').textContent = e.detail;
  thread.close();  // no access to the stream: none to its thread either
});

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('signin-error').textContent = '';
  try {
    await credentials.signIn($('user').value.trim(), $('password').value);
    $('password').value = '';
    if (signaling.isOpen) login();
  } catch (error) {
    $('signin-error').textContent = error.message;
  }
});
$('signout').addEventListener('click', async () => {
  player.stop();
  thread.close();
  await credentials.signOut();
  show('signin');
});
$('back').addEventListener('click', () => {
  player.stop();
  thread.close();
  clearInterval(statsTimer);
  refreshStreams().catch(() => {});
});

(async () => {
  try {
    await credentials.fromLink();
    await credentials.resume();
  } catch (error) {
    credentials.save({});
    $('signin-error').textContent = error.message;
  }
  show(credentials.accessToken ? 'streams' : 'signin');
  signaling.connect();
})();
