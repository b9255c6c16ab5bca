// Small canvas charts of the "what the code is good for" panel: the anomaly-score histogram and
// the code units' mean activations.

const INK = '#1f2937';
const FLAG = '#b42318';
const BAR = '#4e79a7';

/** Bars of `histogram` ({upper, counts}), the flag `threshold` dashed, and `score` as a red line
 * (clamped to the right edge when it is off the scale). */
export function drawHistogram(canvas, histogram, threshold, score) {
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  const bottom = height - 18;
  ctx.clearRect(0, 0, width, height);
  const peak = Math.max(...histogram.counts, 1);
  const barWidth = width / histogram.counts.length;
  ctx.fillStyle = BAR;
  histogram.counts.forEach((count, i) => {
    const barHeight = (count / peak) * (bottom - 4);
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
  const ctx = canvas.getContext('2d');
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const top = Math.max(...means, rho ?? 0, 1e-6);
  const low = Math.min(0, ...means);
  const yOf = (value) => height - 14 - ((value - low) / (top - low)) * (height - 20);
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
