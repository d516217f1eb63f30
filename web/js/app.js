// The viewer page: sign in with an access token (pasted, or from the link's #token=...),
// list the streams this user may watch, play one. Reconnects by itself.
import { SignalingClient } from './signaling_client.js';
import { Player } from './player.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const signaling = new SignalingClient(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
const player = new Player(signaling, $('video'), { codec: params.get('codec') });
let token = takeTokenFromLink() || localStorage.getItem('medrelay.token');
let statsTimer = null;

// Exposed for diagnostics and the browser tests (read-only use).
window.medrelay = { signaling, player };

function takeTokenFromLink() {
  const match = location.hash.match(/token=([A-Za-z0-9_.-]+)/);
  if (!match) return null;
  history.replaceState(null, '', location.pathname + location.search);  // keep it out of history
  localStorage.setItem('medrelay.token', match[1]);
  return match[1];
}

function show(section) {
  for (const id of ['signin', 'streams', 'player']) $(id).hidden = id !== section;
  $('signout').hidden = section === 'signin';
}

function status(text) { $('status').textContent = text; }

async function login() {
  if (!token) return show('signin');
  try {
    const reply = await signaling.request('login', { token });
    status(`Signed in as ${reply.user?.name ?? 'you'}`);
    if (player.stream) {
      show('player');
      player.resume();
    } else {
      await refreshStreams();
      const wanted = params.get('stream');
      if (wanted) watch(wanted);
    }
  } catch (error) {
    if (error.code === 'disconnected' || error.code === 'timeout') return;  // the socket will retry
    localStorage.removeItem('medrelay.token');
    token = null;
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
    button.append(name, state);
    button.addEventListener('click', () => watch(stream.name));
    item.append(button);
    list.append(item);
  }
  $('no-streams').hidden = reply.streams.length > 0;
  if (!player.stream) show('streams');
}

function watch(name) {
  $('stream-title').textContent = name;
  $('overlay').hidden = false;
  $('overlay').textContent = 'Connecting…';
  show('player');
  player.play(name);
  clearInterval(statsTimer);
  statsTimer = setInterval(updateStats, 1000);
}

async function updateStats() {
  const s = await player.stats();
  if (!s) return;
  const size = s.frameWidth ? `${s.frameWidth}×${s.frameHeight}` : '';
  const fps = s.framesPerSecond ? `${Math.round(s.framesPerSecond)} fps` : '';
  $('player-stats').textContent = [s.codec.replace('video/', ''), size, fps,
    `${s.framesDecoded ?? 0} frames`, `${s.packetsLost ?? 0} lost`].filter(Boolean).join(' · ');
}

signaling.addEventListener('open', () => { status('Connected'); login(); });
signaling.addEventListener('close', () => status('Reconnecting to the server…'));
signaling.addEventListener('session-ended', (e) => player.sessionEnded(e.detail));
signaling.addEventListener('streams-changed', () => { if (token) refreshStreams().catch(() => {}); });

player.addEventListener('state', (e) => {
  if (e.detail === 'connected') $('overlay').hidden = true;
});
$('video').addEventListener('playing', () => { $('overlay').hidden = true; });
player.addEventListener('retrying', (e) => { $('overlay').hidden = false; $('overlay').textContent = e.detail; });
player.addEventListener('fatal', (e) => { $('overlay').hidden = false; $('overlay').textContent = e.detail; });

$('signin-form').addEventListener('submit', (e) => {
  e.preventDefault();
  token = $('token').value.trim();
  localStorage.setItem('medrelay.token', token);
  $('signin-error').textContent = '';
  login();
});
$('signout').addEventListener('click', () => {
  player.stop();
  localStorage.removeItem('medrelay.token');
  token = null;
  show('signin');
});
$('back').addEventListener('click', () => {
  player.stop();
  clearInterval(statsTimer);
  refreshStreams().catch(() => {});
});

show(token ? 'streams' : 'signin');
signaling.connect();
