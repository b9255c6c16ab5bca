// Small canvas charts of the "what the code is good for" panel: the anomaly-score histogram and
// the code units' mean activations.

const INK = '#1f2937';
const FLAG = '#b42318';
const BAR = '#4e79a7';
/** Room above the bars for a label, so that no label is drawn over a bar. */
const LABEL_ROOM = 14;

/** The canvas's 2-D context drawing in CSS pixels on a backing store of the screen's pixel density,
 * so that lines and labels are sharp on a HiDPI screen. The logical size is the canvas's `width`
 * and `height` attributes as written in the page; returns `{ ctx, width, height }` in CSS pixels. */
function chartContext(canvas) {
  canvas.dataset.width ??= canvas.width;
  canvas.dataset.height ??= canvas.height;
  const width = Number(canvas.dataset.width);
  const height = Number(canvas.dataset.height);
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio)) {
    canvas.style.width = `${width}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return { ctx, width, height };
}

/** Bars of `histogram` ({upper, counts}), the flag `threshold` dashed, and `score` as a red line
 * (clamped to the right edge when it is off the scale). */
export function drawHistogram(canvas, histogram, threshold, score) {
  const { ctx, width, height } = chartContext(canvas);
  const bottom = height - 18;
  const peak = Math.max(...histogram.counts, 1);
  const barWidth = width / histogram.counts.length;
  ctx.fillStyle = BAR;
  histogram.counts.forEach((count, i) => {
    const barHeight = (count / peak) * (bottom - LABEL_ROOM);
    ctx.fillRect(i * barWidth + 0.5, bottom - barHeight, Math.max(1, barWidth - 1), barHeight);
  });
  const xOf = (value) => Math.min(width - 2, (value / histogram.upper) * width);
  ctx.setLineDash([4, 3]);
  ctx.strokeStyle = INK;
  ctx.beginPath();
  ctx.moveTo(xOf(threshold), 0);
  ctx.lineTo(xOf(threshold), bottom);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = INK;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('0', 0, height - 4);
  ctx.fillText(histogram.upper.toFixed(3), width - 36, height - 4);
  ctx.fillText('99th pct', Math.max(0, xOf(threshold) - 48), 12);
  if (score != null) {
    ctx.strokeStyle = FLAG;
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.moveTo(xOf(score), 0);
    ctx.lineTo(xOf(score), bottom);
    ctx.stroke();
    ctx.lineWidth = 1;
  }
}

/** One bar per code unit's mean activation, on a scale from 0 (or the lowest mean) to the
 * highest; `rho`, if given, as a dashed target line. */
export function drawActivations(canvas, means, rho) {
  const { ctx, width, height } = chartContext(canvas);
  const top = Math.max(...means, rho ?? 0, 1e-6);
  const low = Math.min(0, ...means);
  const bottom = height - 14;
  const yOf = (value) => bottom - ((value - low) / (top - low)) * (bottom - LABEL_ROOM);
  const barWidth = width / means.length;
  ctx.fillStyle = BAR;
  means.forEach((mean, i) => {
    const y = yOf(mean);
    const zero = yOf(0);
    ctx.fillRect(i * barWidth + 0.5, Math.min(y, zero), Math.max(1, barWidth - 1), Math.max(1, Math.abs(zero - y)));
  });
  ctx.fillStyle = INK;
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`max ${top.toFixed(3)}`, 2, 10);
  ctx.fillText(`${means.length} units`, width - 50, height - 2);
  if (rho != null) {
    ctx.setLineDash([4, 3]);
    ctx.strokeStyle = FLAG;
    ctx.beginPath();
    ctx.moveTo(0, yOf(rho));
    ctx.lineTo(width, yOf(rho));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = FLAG;
    ctx.fillText(`rho ${rho}`, width - 60, yOf(rho) - 3);
  }
}
