// The signed-in state of this browser: a short-lived access token (15 min) and the refresh
// token that renews it, kept in localStorage with this install's device id. Sign-in with user
// name and password goes to /api/v1/auth/sign-in; a link may carry #refresh=... (a sign-in
// credential, spent on first use) or #token=... (an access token an administrator issued).
// Emits 'token' whenever a new access token is in hand.
// The viewer and the console keep separate credentials (an admin watching on the same browser
// stays signed in to both).
export class Credentials extends EventTarget {
  constructor(key = 'medrelay.credentials') {
    super();
    this.key = key;
    this.state = JSON.parse(localStorage.getItem(key) || '{}');
    this.timer = null;
  }

  get accessToken() { return this.state.accessToken || null; }
  get user() { return this.state.user || null; }

  // The install's device id: random, stable across visits, registered at sign-in. A sign-in
  // link carries its own device id, which then stays with its credential.
  get deviceId() {
    let id = localStorage.getItem('medrelay.device');
    if (!id) {
      id = `web-${crypto.getRandomValues(new Uint32Array(4)).join('-')}`.slice(0, 64);
      localStorage.setItem('medrelay.device', id);
    }
    return id;
  }

  // Takes a credential from the link (and removes it from the address bar and history).
  async fromLink() {
    const access = location.hash.match(/(?:^#|&)token=([A-Za-z0-9_.-]+)/);
    const refresh = location.hash.match(/(?:^#|&)refresh=([A-Za-z0-9_.-]+)/);
    const device = location.hash.match(/(?:^#|&)device=([A-Za-z0-9_.@-]+)/);
    if (!access && !refresh) return;
    history.replaceState(null, '', location.pathname + location.search);
    if (access) return this.save({ accessToken: access[1] });
    await this.refresh(refresh[1], device ? device[1] : this.deviceId);
  }

  async signIn(user, password) {
    const reply = await post('/api/v1/auth/sign-in',
      { user, password, device_id: this.deviceId, platform: 'web' });
    this.accept(reply);
  }

  async refresh(refreshToken = this.state.refreshToken, device = this.state.deviceId || this.deviceId) {
    if (!refreshToken) throw Object.assign(new Error('Sign in again.'), { code: 'signed-out' });
    this.accept(await post('/api/v1/auth/refresh', { refresh_token: refreshToken, device_id: device }));
  }

  async signOut() {
    clearTimeout(this.timer);
    const token = this.accessToken;
    this.save({});
    if (token) await fetch('/api/v1/auth/sign-out', { method: 'POST', headers: { Authorization: `Bearer ${token}` } }).catch(() => {});
  }

  accept(reply) {
    this.save({ accessToken: reply.access_token, refreshToken: reply.refresh_token, user: reply.user,
      deviceId: reply.device_id, expiresAt: Date.now() + reply.expires_in * 1000 });
    // Renew a minute before expiry; a failed renewal leaves the page to ask for sign-in.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh().catch((e) => this.dispatchEvent(
      new CustomEvent('expired', { detail: e.message }))), Math.max(5000, reply.expires_in * 1000 - 60000));
  }

  save(state) {
    this.state = state;
    localStorage.setItem(this.key, JSON.stringify(state));
    if (state.accessToken) this.dispatchEvent(new CustomEvent('token', { detail: state.accessToken }));
  }

  // After a reload: renew at once when the stored access token is (nearly) expired.
  async resume() {
    if (this.state.refreshToken && (!this.state.expiresAt || this.state.expiresAt - Date.now() < 90000)) {
      await this.refresh();
    } else if (this.state.refreshToken) {
      this.accept({ access_token: this.state.accessToken, refresh_token: this.state.refreshToken,
        user: this.state.user, device_id: this.state.deviceId, expires_in: Math.round((this.state.expiresAt - Date.now()) / 1000) });
    }
  }
}

async function post(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const reply = await response.json().catch(() => ({}));
  if (!response.ok) throw Object.assign(new Error(reply.message || `HTTP ${response.status}`), { code: reply.code });
  return reply;
}
