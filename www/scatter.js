// The latent-space map: test-set codes as a scatter coloured by label. Hovering finds the nearest
// point; clicking reports the point in code coordinates; a marker shows the current input.

/** Tableau's ten colours, one per digit. */
export const LABEL_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export class LatentScatter {
  /** `onHover(index | null, event)`, `onPick(x, y)` in code coordinates. */
  constructor(canvas, { onHover, onPick }) {
    this.canvas = canvas;
    this.points = null;
    this.labels = null;
    this.marker = null;
    this.pick = null;
    canvas.addEventListener('pointermove', (event) => this.points && onHover(this.nearest(event), event));
    canvas.addEventListener('pointerleave', (event) => onHover(null, event));
    canvas.addEventListener('click', (event) => {
      if (!this.points) return;
      const [x, y] = this.toData(event);
      this.pick = [x, y];
      this.draw();
      onPick(x, y);
    });
  }

  /** Forgets the points (the view is empty until the next `setData`). */
  clear() {
    this.points = this.labels = this.layer = this.marker = this.pick = null;
    this.draw();
  }

  /** `points`: x0, y0, x1, y1…; `labels`: one class per point, coloured in turn when there are
   * `classes` of them (labels from `classes` on are grey); `bounds`: the ranges shown,
   * `[[x0, x1], [y0, y1]]`, as the core chose them (`explore::view_bounds`). */
  setData(points, labels, bounds, classes = LABEL_COLOURS.length) {
    this.points = points;
    this.labels = Array.from(labels, (label) => (label < classes ? label : -1));
    this.pick = null;
    this.bounds = bounds;
    this.layer = null;
    this.draw();
  }

  setMarker(point) {
    this.marker = point;
    this.draw();
  }

  toPixel(x, y) {
    const [[x0, x1], [y0, y1]] = this.bounds;
    return [((x - x0) / (x1 - x0)) * this.canvas.width, (1 - (y - y0) / (y1 - y0)) * this.canvas.height];
  }

  toData(event) {
    const box = this.canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * this.canvas.width;
    const py = ((event.clientY - box.top) / box.height) * this.canvas.height;
    const [[x0, x1], [y0, y1]] = this.bounds;
    return [x0 + (px / this.canvas.width) * (x1 - x0), y0 + (1 - py / this.canvas.height) * (y1 - y0)];
  }

  nearest(event) {
    const box = this.canvas.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * this.canvas.width;
    const py = ((event.clientY - box.top) / box.height) * this.canvas.height;
    let best = null;
    let bestDistance = 8 * 8; // within 8 px
    for (let i = 0; i < this.labels.length; i++) {
      const [x, y] = this.toPixel(this.points[2 * i], this.points[2 * i + 1]);
      const distance = (x - px) ** 2 + (y - py) ** 2;
      if (distance < bestDistance) [best, bestDistance] = [i, distance];
    }
    return best;
  }

  /** Paints the 10,000 points once into a layer; markers are drawn over a copy of it. */
  paintPoints() {
    this.layer = new OffscreenCanvas(this.canvas.width, this.canvas.height);
    const ctx = this.layer.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.points) return;
    ctx.globalAlpha = 0.7;
    for (let i = 0; i < this.labels.length; i++) {
      const [x, y] = this.toPixel(this.points[2 * i], this.points[2 * i + 1]);
      // -1: an unlabelled image (at a folder's top level), grey.
      ctx.fillStyle = this.labels[i] < 0 ? '#999' : LABEL_COLOURS[this.labels[i] % LABEL_COLOURS.length];
      ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
    }
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    if (!this.layer) this.paintPoints();
    ctx.drawImage(this.layer, 0, 0);
    if (!this.points) return;
    const ring = (point, colour) => {
      if (!point) return;
      const [x, y] = this.toPixel(...point);
      ctx.strokeStyle = colour;
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, 2 * Math.PI);
      ctx.stroke();
    };
    ring(this.pick, '#444');
    ring(this.marker, '#000');
    if (this.marker) {
      const [x, y] = this.toPixel(...this.marker);
      ctx.fillStyle = '#000';
      ctx.fillRect(x - 3, y - 3, 6, 6);
    }
  }
}
