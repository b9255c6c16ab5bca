// The page's line charts (uPlot): a run's losses, the critic's game, a recommender's objective and
// RMSE, IDEC's scores. Each keeps its series as plain arrays, which the tests read.
import uPlot from './vendor/uPlot.esm.js';

const COLOURS = ['#2f6fed', '#e8590c'];

export class SeriesChart {
  /**
   * `x`: the x axis's name; `y`: the left axis's `{label, range}` (both optional); `lines`:
   * `{name: {label, colour, points, right}}` in order, where `points` marks each value (for series
   * of few points) and `right` puts the line on a 0-1 scale at the right, labelled `label`.
   */
  constructor(element, { x, y = {}, lines, height = 200 }) {
    this.element = element;
    this.height = height;
    this.series = Object.fromEntries([x, ...Object.keys(lines)].map((name) => [name, []]));
    const entries = Object.values(lines);
    const right = entries.find((line) => line.right);
    this.options = {
      height,
      scales: { x: { time: false }, y: y.range ? { range: y.range } : {}, right: { range: [0, 1] } },
      axes: [{ label: x }, { label: y.label, size: y.label ? 60 : 44 }, ...(right ? [{ label: right.label, scale: 'right', side: 1, size: 50 }] : [])],
      series: [{ label: x }, ...entries.map(({ label, colour, points, right: onRight }, index) => ({
        label, stroke: colour ?? COLOURS[index], width: 2, spanGaps: true, scale: onRight ? 'right' : 'y',
        ...(points ? { points: { show: true, size: 6 } } : {}),
      }))],
    };
    this.plot = null; // made when first drawn, so that it measures its shown container
  }

  /** Appends one point: the x value, then each line's value (null for none). */
  add(...values) {
    Object.values(this.series).forEach((column, index) => column.push(values[index] ?? null));
    this.draw();
  }

  /** Empties the chart (the arrays stay the same objects). */
  clear() {
    for (const values of Object.values(this.series)) values.length = 0;
    this.plot?.setData(Object.values(this.series));
  }

  draw() {
    this.plot ??= new uPlot({ ...this.options, width: Math.max(300, this.element.clientWidth) }, [], this.element);
    this.plot.setData(Object.values(this.series));
  }
}
