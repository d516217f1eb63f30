// WebSocket client for the app protocol on wss://host/ws: request/reply by id, events pushed
// by the server, automatic reconnect with backoff. Owns no media.
export class SignalingClient extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.backoffMs = 500;
    this.closedByUser = false;
  }

  connect() {
    this.closedByUser = false;
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoffMs = 500;
      this.dispatchEvent(new Event('open'));
    };
    ws.onmessage = (e) => this.onMessage(e.data);
    ws.onclose = () => {
      for (const { reject } of this.pending.values()) reject(new SignalingError('disconnected', 'Connection to the server was lost.'));
      this.pending.clear();
      this.dispatchEvent(new Event('close'));
      if (!this.closedByUser) {
        setTimeout(() => this.connect(), this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 8000);
      }
    };
  }

  close() {
    this.closedByUser = true;
    if (this.ws) this.ws.close();
  }

  get isOpen() { return this.ws && this.ws.readyState === WebSocket.OPEN; }

  request(type, fields = {}, timeoutMs = 10000) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.isOpen) return reject(new SignalingError('disconnected', 'Not connected to the server.'));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError('timeout', 'The server did not answer in time.'));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      this.ws.send(JSON.stringify({ v: 1, type, id, ...fields }));
    });
  }

  send(type, fields = {}) {
    if (this.isOpen) this.ws.send(JSON.stringify({ v: 1, type, ...fields }));
  }

  onMessage(text) {
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (message.id != null && this.pending.has(message.id)) {
      const { resolve, reject } = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.type === 'error') reject(new SignalingError(message.code, message.message));
      else resolve(message);
      return;
    }
    if (message.type === 'event') {
      this.dispatchEvent(new CustomEvent(message.event, { detail: message }));
    }
  }
}

export class SignalingError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}
