// One live stream in a <video>: a receive-only RTCPeerConnection negotiated over the signaling
// client (we offer, the relay answers; our ICE candidates trickle after the answer names the
// session). Recovers by itself: a failed connection or a lost signaling socket resubscribes.
// Codes that mean this user may not (or no longer) watch: retrying would not help.
const ACCESS_DENIED = new Set(['forbidden', 'unauthorized', 'access-revoked', 'token-expired',
  'not-shared', 'missing-permission', 'tenant-boundary', 'user-inactive', 'device-revoked',
  'unknown-user', 'unknown-device']);

// Codes that mean the stream asks for a one-time code (again): the page asks the user for one.
const CODE_NEEDED = new Set(['one-time-code-required', 'one-time-code-wrong', 'locked']);

export class Player extends EventTarget {
  constructor(signaling, video, { codec = null, relayOnly = false } = {}) {
    super();
    this.signaling = signaling;
    this.video = video;
    this.iceServers = [];  // STUN/TURN from the login reply (with this user's TURN credential)
    this.relayOnly = relayOnly;
    this.codec = codec;  // optional preferred codec name ("VP8" or "H264"), first in our offer
    this.pc = null;
    this.session = null;
    this.stream = null;
    this.retryTimer = null;
    this.generation = 0;
    this.oneTimeCode = null;  // for streams that ask for one; sent once, with the next subscribe
    this.failures = 0;  // connections in a row that never got through (reset once one does)
    // The layer the relay sends ({ layer, layers, pinned }, 0 the largest), and the one the user
    // pinned (null: the relay follows the network), kept across reconnections.
    this.layer = null;
    this.pinnedLayer = null;
  }

  // The user picks a layer (0 the largest) or null for automatic; effective at its key frame.
  async pinLayer(layer) {
    this.pinnedLayer = layer;
    if (!this.session) return;
    await this.signaling.request('layer', { session: this.session, layer: layer ?? 'auto' });
  }

  // The relay moved our video to another layer.
  layerChanged(detail) {
    if (detail.session !== this.session) return;
    this.layer = { layer: detail.layer, layers: detail.layers, pinned: detail.pinned };
    this.emit('layer', this.layer);
  }

  // Waits before the next attempt: 1 s after a drop, then doubling per attempt that never
  // connected, up to 30 s, so a viewer on a network that blocks media does not hammer the relay.
  retryDelayMs() { return Math.min(1000 * 2 ** Math.max(0, this.failures - 1), 30000); }

  // The user typed a one-time code for the current stream.
  provideCode(code) {
    this.oneTimeCode = code;
    if (this.stream) this.subscribe();
  }

  async play(stream) {
    this.stop();
    this.failures = 0;
    this.stream = stream;
    await this.subscribe();
  }

  stop() {
    clearTimeout(this.retryTimer);
    this.generation++;
    if (this.session) this.signaling.send('unsubscribe', { id: 0, session: this.session });
    this.session = null;
    this.layer = null;
    if (this.pc) this.pc.close();
    this.pc = null;
    this.stream = null;
    this.video.srcObject = null;
  }

  async subscribe() {
    const generation = ++this.generation;
    // Join timing (subscribe sent -> first frame painted), shown in diagnostics and read by tests.
    const timing = { start: performance.now(), firstFrameMs: null, marks: {} };
    const mark = (name) => { timing.marks[name] ??= Math.round(performance.now() - timing.start); };
    this.timing = timing;
    if (this.pc) this.pc.close();
    this.session = null;
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require',
      iceServers: this.iceServers, iceTransportPolicy: this.relayOnly ? 'relay' : 'all' });
    this.pc = pc;
    const transceiver = pc.addTransceiver('video', { direction: 'recvonly' });
    this.preferCodec(transceiver);
    // The stream's sound, if it has any (the relay rejects this section otherwise). The <video>
    // starts muted, as autoplay requires; the page offers a sound button once audio arrives.
    pc.addTransceiver('audio', { direction: 'recvonly' });

    const early = [];  // candidates found before the answer tells us the session id
    pc.onicecandidate = ({ candidate }) => {
      const fields = { candidate: candidate ? candidate.candidate : '', mid: candidate?.sdpMid ?? '0' };
      if (this.session) this.signaling.send('candidate', { session: this.session, ...fields });
      else early.push(fields);
    };
    pc.ontrack = ({ streams, track }) => {
      mark('track');
      if (track.kind === 'audio') this.emit('audio', true);
      this.video.srcObject = streams[0] || new MediaStream([track]);
      this.video.play().catch(() => {});
      if (this.video.requestVideoFrameCallback) {
        this.video.requestVideoFrameCallback(() => {
          timing.firstFrameMs ??= performance.now() - timing.start;
          this.emit('first-frame', timing.firstFrameMs);
        });
      }
    };
    this.connected = false;
    pc.onconnectionstatechange = () => {
      if (generation !== this.generation) return;
      mark(pc.connectionState);
      this.emit('state', pc.connectionState);
      if (pc.connectionState === 'connected') {
        this.connected = true;
        this.failures = 0;
      }
      if (pc.connectionState === 'failed') this.connectionFailed();
      if (pc.connectionState === 'disconnected') {
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => {
          if (pc.connectionState === 'disconnected') this.retry('The network dropped; reconnecting…');
        }, 4000);
      }
    };

    try {
      this.emit('state', 'negotiating');
      await pc.setLocalDescription(await pc.createOffer());
      const code = this.oneTimeCode;
      this.oneTimeCode = null;
      const reply = await this.signaling.request('subscribe',
        { stream: this.stream, sdp: pc.localDescription.sdp, ...(code && { code }) });
      if (generation !== this.generation) {
        this.signaling.send('unsubscribe', { id: 0, session: reply.session });
        return;
      }
      mark('answer');
      this.session = reply.session;
      await pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
      for (const fields of early) this.signaling.send('candidate', { session: this.session, ...fields });
      if (this.pinnedLayer !== null) {
        this.signaling.request('layer', { session: this.session, layer: this.pinnedLayer }).catch(() => {});
      }
    } catch (error) {
      if (generation !== this.generation) return;
      if (CODE_NEEDED.has(error.code)) {
        if (this.pc) this.pc.close();
        this.pc = null;
        this.emit('code-needed', error.message);
      } else if (ACCESS_DENIED.has(error.code) || error.code === 'not-found') {
        this.emit('fatal', error.message);
      } else {
        this.retry(error.message || 'Could not start the stream; retrying…');
      }
    }
  }

  // This attempt's connection failed (our ICE agent said so, or the relay's did first).
  connectionFailed() {
    if (this.failedGeneration === this.generation) return;  // heard from both agents: once
    this.failedGeneration = this.generation;
    if (this.connected) return this.retry('The connection failed; reconnecting…');
    // Signaling works (we got an answer) but no media path did: a firewall that blocks UDP
    // (and the relay's TCP or TURN path was not offered or not let through either).
    this.failures++;
    const seconds = Math.round(this.retryDelayMs() / 1000);
    this.retry('No network path to the media server: this network blocks the video ' +
      `(UDP, and no TCP or TURN path got through). Trying again in ${seconds} s…`,
    this.retryDelayMs(), 'no-network-path');
  }

  retry(reason, delayMs = 1000, code = 'retrying') {
    if (!this.stream) return;
    this.lastProblem = code;
    this.emit('retrying', reason);
    clearTimeout(this.retryTimer);
    const generation = this.generation;
    this.retryTimer = setTimeout(() => {
      if (generation === this.generation && this.stream && this.signaling.isOpen) this.subscribe();
    }, delayMs);
  }

  // Called when the signaling socket comes back (for example after a server restart).
  resume() {
    if (this.stream) this.subscribe();
  }

  // The server ended our session (revoked access, stream gone, ...).
  sessionEnded(detail) {
    if (detail.session !== this.session) return;
    if (ACCESS_DENIED.has(detail.code)) {
      const stream = this.stream;
      this.stop();
      this.emit('fatal', detail.reason || `Access to ${stream} was withdrawn.`);
    } else if (detail.code === 'ice-failed' || detail.code === 'timeout') {
      this.connectionFailed();
    } else {
      this.retry(detail.reason || 'The stream was interrupted; reconnecting…');
    }
  }

  preferCodec(transceiver) {
    if (!this.codec || !RTCRtpReceiver.getCapabilities || !transceiver.setCodecPreferences) return;
    const codecs = RTCRtpReceiver.getCapabilities('video').codecs;
    const wanted = `video/${this.codec}`.toLowerCase();
    const first = codecs.filter((c) => c.mimeType.toLowerCase() === wanted);
    const rest = codecs.filter((c) => c.mimeType.toLowerCase() !== wanted);
    if (first.length) transceiver.setCodecPreferences([...first, ...rest]);
  }

  // Inbound video statistics, with `audio` holding the inbound audio's (or null).
  async stats() {
    if (!this.pc) return null;
    const report = await this.pc.getStats();
    let video = null, audio = null;
    for (const s of report.values()) {
      if (s.type !== 'inbound-rtp') continue;
      const codec = s.codecId && report.get(s.codecId);
      const entry = { ...s, codec: codec ? codec.mimeType : '' };
      if (s.kind === 'video') video = entry;
      if (s.kind === 'audio') audio = entry;
    }
    return video && { ...video, audio };
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
