// Pointer marks on the picture: a tap (or a short stroke) on the video places a mark that the
// others watching the stream see on the same spot of the picture, whatever their screen; marks
// fade after a few seconds. Coordinates are the picture's, 0..1 from its top-left corner: the
// <video> letterboxes (object-fit: contain), so the picture's rectangle is computed from the
// frame's size, not taken from the element's.
const FADE_MS = 4000;
const MAX_POINTS = 64;         // what the relay accepts per mark
const MIN_INTERVAL_MS = 250;   // the relay allows 5 marks a second per viewer
const TAP_DISTANCE = 0.02;     // a press that moved less than this (of the picture) is a tap
const SVG = 'http://www.w3.org/2000/svg';

// The picture's rectangle inside the <video> element (CSS pixels), or null before a frame.
export function pictureRect(video) {
  const w = video.clientWidth, h = video.clientHeight;
  const vw = video.videoWidth, vh = video.videoHeight;
  if (!w || !h || !vw || !vh) return null;
  const scale = Math.min(w / vw, h / vh);
  return { left: (w - vw * scale) / 2, top: (h - vh * scale) / 2, width: vw * scale, height: vh * scale };
}

export class PointerLayer extends EventTarget {
  // `layer`: an element over the video, positioned here over the picture; `send(points)` hands
  // a mark to the relay.
  constructor(video, layer, send) {
    super();
    this.video = video;
    this.layer = layer;
    this.send = send;
    this.press = null;
    this.lastSentAt = 0;
    this.lastReceived = null;  // { at, points, from }: diagnostics and the browser tests
    const fit = () => this.fit();
    new ResizeObserver(fit).observe(video);
    video.addEventListener('resize', fit);  // the frame size changed
    const area = video.parentElement;
    area.addEventListener('pointerdown', (e) => this.down(e));
    area.addEventListener('pointermove', (e) => this.move(e));
    area.addEventListener('pointerup', (e) => this.up(e));
    area.addEventListener('pointercancel', () => { this.press = null; });
  }

  // Keeps the layer exactly over the picture, so percentages inside it are picture coordinates.
  fit() {
    const rect = pictureRect(this.video);
    this.layer.hidden = !rect;
    if (!rect) return;
    Object.assign(this.layer.style, { left: `${rect.left}px`, top: `${rect.top}px`,
      width: `${rect.width}px`, height: `${rect.height}px` });
  }

  clear() {
    this.layer.replaceChildren();
    this.press = null;
  }

  // Picture coordinates of a pointer event, or null when it is off the picture.
  toPicture(e) {
    const rect = pictureRect(this.video);
    if (!rect) return null;
    const box = this.video.getBoundingClientRect();
    const x = (e.clientX - box.left - rect.left) / rect.width;
    const y = (e.clientY - box.top - rect.top) / rect.height;
    return x >= 0 && x <= 1 && y >= 0 && y <= 1 ? [x, y] : null;
  }

  down(e) {
    if (!e.isPrimary || e.button > 0) return;
    const point = this.toPicture(e);
    this.press = point ? [point] : null;
  }

  move(e) {
    if (!this.press || !e.isPrimary) return;
    const point = this.toPicture(e);
    const last = this.press[this.press.length - 1];
    if (point && Math.hypot(point[0] - last[0], point[1] - last[1]) > 0.005) this.press.push(point);
  }

  up(e) {
    if (!this.press || !e.isPrimary) return;
    let points = this.press;
    this.press = null;
    const [x0, y0] = points[0];
    const far = points.some(([x, y]) => Math.hypot(x - x0, y - y0) > TAP_DISTANCE);
    if (!far) points = [points[0]];
    else if (points.length > MAX_POINTS) {
      const step = (points.length - 1) / (MAX_POINTS - 1);
      points = Array.from({ length: MAX_POINTS }, (_, i) => points[Math.round(i * step)]);
    }
    const now = performance.now();
    if (now - this.lastSentAt < MIN_INTERVAL_MS) return;
    this.lastSentAt = now;
    points = points.map(([x, y]) => [Math.round(x * 10000) / 10000, Math.round(y * 10000) / 10000]);
    this.send(points);
    this.draw(points, 'You', true);
  }

  // A mark from someone else watching: { points, from: { display_name } }.
  received(detail) {
    this.lastReceived = { at: Date.now(), points: detail.points, from: detail.from };
    this.draw(detail.points, detail.from?.display_name || detail.from?.user || '', false);
  }

  draw(points, who, own) {
    this.fit();
    const mark = document.createElement('div');
    mark.className = own ? 'mark own' : 'mark';
    mark.dataset.x = String(points[0][0]);
    mark.dataset.y = String(points[0][1]);
    if (points.length === 1) {
      const dot = document.createElement('div');
      dot.className = 'mark-tap';
      dot.style.left = `${points[0][0] * 100}%`;
      dot.style.top = `${points[0][1] * 100}%`;
      mark.append(dot);
    } else {
      const svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('viewBox', '0 0 1 1');
      svg.setAttribute('preserveAspectRatio', 'none');
      const line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points.map(([x, y]) => `${x},${y}`).join(' '));
      svg.append(line);
      mark.append(svg);
    }
    const label = document.createElement('span');
    label.className = 'mark-label';
    label.textContent = who;  // a directory name: text, never markup
    label.style.left = `${points[0][0] * 100}%`;
    label.style.top = `${points[0][1] * 100}%`;
    mark.append(label);
    this.layer.append(mark);
    setTimeout(() => mark.remove(), FADE_MS);
  }
}
