// The benchmark's one table: joins the `bench-result {json}` lines that the native CLI, PyTorch,
// the browser bench and the page benches printed (read from the files given, or stdin) with the
// wasm packages' sizes, and prints Markdown. Where a figure was measured in several runs, the
// median of their medians is shown.
//   node tests/bench/table.mjs results.log
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { root } from '../support/browser.mjs';

const text = process.argv.length > 2 ? process.argv.slice(2).map((f) => readFileSync(f, 'utf8')).join('\n') : readFileSync(0, 'utf8');
const results = text.split('\n').flatMap((line) => {
  const at = line.indexOf('bench-result ');
  return at < 0 ? [] : [JSON.parse(line.slice(at + 'bench-result '.length))];
});

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const find = (filter) => results.filter((r) => Object.entries(filter).every(([k, v]) => r[k] === v));
const number = (value, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const field = (filter, key) => {
  const found = find(filter).map((r) => r[key]).filter((v) => Number.isFinite(v));
  return found.length ? median(found) : null;
};

// The single-thread wasm SIMD matmul peak (1024³) every browser CPU figure is compared with.
const peak = field({ kind: 'matmul', shape: '1024x1024x1024' }, 'median');

function training(filter) {
  const rate = field({ kind: 'train', ...filter }, 'median');
  if (rate == null) return '-';
  const flops = field({ kind: 'train', ...filter }, 'flops');
  if (!flops) return number(rate);
  const gflops = (rate * flops) / 1e9;
  const share = filter.where === 'browser' && filter.backend === 'flex' && peak ? `, ${number((100 * gflops) / peak)}% of peak` : '';
  return `${number(rate)} (${number(gflops, 1)} GFLOP/s${share})`;
}

const ms = (filter, key = 'median') => {
  const value = field(filter, key);
  return value == null ? '-' : `${number(value, value < 100 ? 1 : 0)} ms`;
};

/** GFLOP/s of the wasm SIMD matmul at `shape`. */
function matmul(shape) {
  const value = field({ kind: 'matmul', shape }, 'median');
  return value == null ? '-' : number(value, 1);
}

function size(pkg) {
  const path = `${root}/www/${pkg}/aestudio_bg.wasm`;
  if (!existsSync(path)) return '-';
  const wasm = readFileSync(path);
  return `${number(wasm.length / 1e6, 2)} MB raw, **${number(gzipSync(wasm, { level: 6 }).length / 1e6, 2)} MB gzip'd**`;
}

// TensorFlow.js against the page, measured in the same rounds (tfjs.mjs): the best backend's rate
// and the ratio of the page's best to it, each per round, then their medians.
const peerRounds = find({ kind: 'peer' });
const tfjsBest = (round) => Math.max(...Object.entries(round.rates).filter(([key]) => key.startsWith('tfjs-')).map(([, rate]) => rate));
const peerRate = peerRounds.length ? number(median(peerRounds.map(tfjsBest))) : '-';
/** The median of per-round ratios, with their range and count. */
const ratioCell = (ratios) => (ratios.length
  ? `**${number(median(ratios), 2)}x** (${number(Math.min(...ratios), 2)}-${number(Math.max(...ratios), 2)}x, ${ratios.length} rounds)`
  : '-');
const peerRatio = ratioCell(peerRounds.map((round) => round.ratio));
const webgpu = results.find((r) => r.kind === 'train' && r.backend?.startsWith('webgpu'))?.backend ?? 'webgpu';
const torch = find({ backend: 'pytorch' }).length > 0;

// burn against PyTorch natively: `./build.sh bench native` alternates the two, so the i-th result of
// each is round i. `better` turns a pair into "how many times faster burn was" (a rate over a
// rate, or a time over a time); the cell gives the median and range of the per-round ratios.
function nativeRatio(kind, model, better) {
  const ours = find({ where: 'native', kind, backend: 'flex', model }).map((r) => r.median);
  const theirs = find({ where: 'native', kind, backend: 'pytorch', model }).map((r) => r.median);
  return ratioCell(ours.slice(0, theirs.length).map((value, round) => better(value, theirs[round])));
}
const faster = (rate, peerRate) => rate / peerRate;
const sooner = (time, peerTime) => peerTime / time;
const rows = [
  ['**Training**, samples/s, batch 128', 'VAE 784-400-20-400-784', 'conv DAE'],
  ['native CPU, burn `flex`, 1 thread', training({ where: 'native', backend: 'flex', model: 'vae' }), training({ where: 'native', backend: 'flex', model: 'conv-dae' })],
  ...(torch ? [['native CPU, PyTorch, 1 thread (same run)', training({ where: 'native', backend: 'pytorch', model: 'vae' }), training({ where: 'native', backend: 'pytorch', model: 'conv-dae' })],
    ['burn / PyTorch natively, per round, alternating', nativeRatio('train', 'vae', faster), nativeRatio('train', 'conv-dae', faster)]] : []),
  ['browser, CPU (wasm SIMD, `flex`)', training({ where: 'browser', backend: 'flex', model: 'vae' }), training({ where: 'browser', backend: 'flex', model: 'conv-dae' })],
  [`browser, ${webgpu}`, training({ where: 'browser', backend: webgpu, model: 'vae' }), training({ where: 'browser', backend: webgpu, model: 'conv-dae' })],
  ['the page, CPU, 1 worker (status line: readbacks, refreshes, snapshots included)', training({ where: 'page', model: 'vae', workers: 1 }), '-'],
  ['the page, CPU, 2 workers (data-parallel)', training({ where: 'page', model: 'vae', workers: 2 }), '-'],
  ['TensorFlow.js 4.22, its best backend in this browser (same rounds as the next row)', peerRate, '-'],
  ['the page\'s best / TensorFlow.js\'s best, per round, alternating', peerRatio, '-'],
  ['**Evaluation**, 10,000 test images', 'VAE', 'DAE 784-256-32 / conv DAE'],
  ['native CPU, burn `flex`', ms({ where: 'native', kind: 'evaluate', backend: 'flex', model: 'vae' }), ms({ where: 'native', kind: 'evaluate', backend: 'flex', model: 'conv-dae' })],
  ...(torch ? [['native CPU, PyTorch', ms({ where: 'native', kind: 'evaluate', backend: 'pytorch', model: 'vae' }), ms({ where: 'native', kind: 'evaluate', backend: 'pytorch', model: 'conv-dae' })],
    ['PyTorch\'s time / burn\'s, per round, alternating', nativeRatio('evaluate', 'vae', sooner), nativeRatio('evaluate', 'conv-dae', sooner)]] : []),
  ['browser, CPU', '-', `${ms({ where: 'browser', kind: 'evaluate', model: 'dae' })} (dense DAE)`],
  ['**Live denoise**, one 28x28 digit', 'median', 'p95'],
  ['browser worker: noise + forward pass', ms({ kind: 'denoise' }), ms({ kind: 'denoise' }, 'p95')],
  ['page: pointer event to painted output, idle', ms({ kind: 'latency', scenario: 'idle' }), ms({ kind: 'latency', scenario: 'idle' }, 'p95')],
  ['page: the same while the VAE trains (drawing has priority)', ms({ kind: 'latency', scenario: 'training' }), ms({ kind: 'latency', scenario: 'training' }, 'p95')],
  ['page: the same without that priority (same run)', ms({ kind: 'latency', scenario: 'training-no-priority' }), ms({ kind: 'latency', scenario: 'training-no-priority' }, 'p95')],
  ['**Page load** to the first denoised digit', 'empty cache', 'reload'],
  ['localhost, `python3 -m http.server`', ms({ kind: 'load', scenario: 'empty cache' }), ms({ kind: 'load', scenario: 'reload' })],
  ['**wasm**', 'downloaded by every visitor (`www/pkg`)', 'only for a real GPU (`www/pkg-gpu`)'],
  ['size', size('pkg'), size('pkg-gpu')],
  ['**Single-thread wasm SIMD matmul** (`flex`/`gemm`), GFLOP/s', '1024x1024x1024 (the peak)', '128x784x400 (the VAE\'s largest layer)'],
  ['browser', matmul('1024x1024x1024'), matmul('128x784x400')],
];

console.log(`| ${rows[0].join(' | ')} |`);
console.log(`|${rows[0].map(() => '---').join('|')}|`);
for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
