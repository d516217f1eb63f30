// The consult thread beside the stream: what was written (oldest at the top, earlier pages on
// demand), messages as they are posted, and a line to write one. Names and text are shown as
// text, never as markup. The relay checks on every request that this user may still watch the
// stream; when access ends the page closes the thread.
const PAGE = 50;

export class ThreadPanel {
  constructor(signaling, { panel, list, earlier, form, input, error }) {
    Object.assign(this, { signaling, panel, list, earlier, form, input, error });
    this.stream = null;
    this.ids = new Set();
    this.oldestId = 0;
    form.addEventListener('submit', (e) => { e.preventDefault(); this.post(); });
    earlier.addEventListener('click', () => this.load(this.oldestId).catch(() => {}));
  }

  // Shows the thread of `stream` (again, after a reconnection: messages may have come meanwhile).
  async open(stream) {
    this.stream = stream;
    this.ids.clear();
    this.oldestId = 0;
    this.list.replaceChildren();
    this.error.textContent = '';
    this.panel.hidden = false;
    try {
      await this.load(0);
    } catch (error) {
      if (stream === this.stream) this.error.textContent = error.message;
    }
  }

  close() {
    this.stream = null;
    this.panel.hidden = true;
    this.list.replaceChildren();
    this.ids.clear();
  }

  // One page before message `beforeId` (0: the newest), put above what is shown.
  async load(beforeId) {
    const stream = this.stream;
    const reply = await this.signaling.request('thread', { stream, limit: PAGE, ...(beforeId && { before: beforeId }) });
    if (stream !== this.stream) return;
    for (const message of reply.messages) this.add(message, true);  // newest first: each goes on top
    this.earlier.hidden = reply.messages.length < PAGE;
  }

  // A message posted while we watch (or our own, from the reply).
  received(message) {
    if (message.stream === this.stream) this.add(message, false);
  }

  add(message, onTop) {
    if (this.ids.has(message.id)) return;
    this.ids.add(message.id);
    if (!this.oldestId || message.id < this.oldestId) this.oldestId = message.id;
    const item = document.createElement('li');
    item.dataset.id = String(message.id);
    const who = document.createElement('span');
    who.className = 'thread-author';
    who.textContent = message.display_name || message.user;
    const when = document.createElement('time');
    when.className = 'thread-time';
    when.dateTime = new Date(message.at_ms).toISOString();
    when.textContent = new Date(message.at_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const text = document.createElement('p');
    text.className = message.unreadable ? 'thread-text unreadable' : 'thread-text';
    text.textContent = message.unreadable ? '(This message cannot be read.)' : message.text;
    // A right-to-left message reads right to left without reordering its neighbours.
    text.dir = 'auto';
    who.dir = 'auto';
    item.append(who, when, text);
    if (onTop) this.list.prepend(item);
    else {
      // Live messages go in id order (a reply and an event may cross).
      const later = [...this.list.children].find((li) => Number(li.dataset.id) > message.id);
      this.list.insertBefore(item, later ?? null);
      item.scrollIntoView({ block: 'nearest' });
    }
  }

  async post() {
    const text = this.input.value.trim();
    if (!text || !this.stream) return;
    this.error.textContent = '';
    if (new TextEncoder().encode(text).length > 2000) {
      this.error.textContent = 'A message is at most 2000 bytes; shorten it.';
      return;
    }
    try {
      const reply = await this.signaling.request('say', { stream: this.stream, text });
      this.input.value = '';
      this.received(reply.message);
    } catch (error) {
      this.error.textContent = error.message;
    }
  }
}
