// Turns one benchmark part's log (one run of `./build.sh bench PART`) into one result record,
// appended to a JSON-lines file that `./build.sh report` renders docs/benchmarks.md from:
//   node tests/bench/record.mjs PART LOG RECORDS.jsonl
// The record has the same shape as the CLI's `--record` ones (src/record/mod.rs): the command,
// the commit, the date, the machine (with the browser's version for the browser and page parts)
// and `result`, the part's `bench-result` (or `result`) lines folded into one tree by what each
// line measured: `kind`, then `backend`, `model`, `workers`, `scenario`, `shape`, `value`, `how`.
// A figure measured several times in the run (once per round) becomes the list of its values.
// Ratios are taken here only between figures of the same round of this run.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { gzipSync } from 'node:zlib';
import { root } from '../support/browser.mjs';

const [part, logFile, recordsFile] = process.argv.slice(2);
if (!part || !logFile || !recordsFile) {
  console.error('usage: node tests/bench/record.mjs PART LOG RECORDS.jsonl');
  process.exit(2);
}

const IDENTITY = ['kind', 'backend', 'model', 'workers', 'scenario', 'shape', 'image', 'value', 'how'];

/** The figures of every `bench-result {json}` or `result {json}` line of the log. */
function lines(text) {
  return text.split('\n').flatMap((line) => {
    const marked = line.indexOf('bench-result ');
    const json = marked >= 0 ? line.slice(marked + 'bench-result '.length) : line.startsWith('result ') ? line.slice('result '.length) : null;
    return json == null ? [] : [JSON.parse(json)];
  });
}

/** Appends `value` at `field` of `node`: numbers and strings gather in lists, objects recurse. */
function gather(node, field, value) {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    node[field] ??= {};
    for (const [key, inner] of Object.entries(value)) gather(node[field], key, inner);
  } else {
    (node[field] ??= []).push(value);
  }
}

/** The part's lines as one tree: `train/flex/vae/median` is the list of that figure's rounds. */
function fold(figures) {
  const tree = {};
  for (const original of figures) {
    const figure = { ...original };
    // "webgpu (swiftshader)": the adapter varies by machine, the row that shows it does not.
    const adapter = /^webgpu \((.*)\)$/.exec(figure.backend ?? '');
    if (adapter) Object.assign(figure, { backend: 'webgpu', adapter: adapter[1] });
    // Work per second, for the GFLOP/s next to a training rate (src/cost.rs counts the FLOPs).
    if (figure.kind === 'train' && figure.flops) figure.gflops = (figure.median * figure.flops) / 1e9;
    let node = tree;
    for (const key of IDENTITY.filter((k) => figure[k] !== undefined)) {
      const name = key === 'workers' ? `workers-${figure[key]}` : String(figure[key]);
      node = node[name] ??= {};
    }
    for (const [field, value] of Object.entries(figure)) {
      if (!IDENTITY.includes(field) && field !== 'where' && field !== 'command') gather(node, field, value);
    }
  }
  return tree;
}

/** burn against PyTorch in each round: `./build.sh bench native` runs them in turn, so the i-th
 *  figure of each is round i. Training: burn's rate over PyTorch's; evaluation: PyTorch's time
 *  over burn's. Both read "how many times as fast burn was". */
function nativeRounds(tree) {
  const ratios = {};
  for (const [kind, faster] of [['train', (ours, theirs) => ours / theirs], ['evaluate', (ours, theirs) => theirs / ours]]) {
    for (const model of Object.keys(tree[kind]?.flex ?? {})) {
      const ours = tree[kind].flex[model].median;
      const theirs = tree[kind].pytorch?.[model]?.median;
      if (theirs) (ratios[kind] ??= {})[model] = theirs.slice(0, ours.length).map((value, round) => faster(ours[round], value));
    }
  }
  return ratios;
}

/** In each round of the peer run: TensorFlow.js's best backend, and the page with one worker
 *  over it (one thread against TensorFlow.js's wasm, which reports one thread here). */
function peerRounds(peer) {
  const tfjs = Object.entries(peer.rates ?? {}).filter(([key]) => key.startsWith('tfjs-')).map(([, values]) => values);
  const best = tfjs.length ? tfjs[0].map((_, round) => Math.max(...tfjs.map((values) => values[round]))) : [];
  const oneWorker = peer.rates?.['page-1'] ?? [];
  return { tfjs_best: best, one_worker_ratio: best.map((rate, round) => oneWorker[round] / rate) };
}

/** A figure measured once is a number, not a list of one (parts without rounds). */
function unwrap(node) {
  for (const [key, value] of Object.entries(node)) {
    if (Array.isArray(value) && value.length === 1) node[key] = value[0];
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) unwrap(value);
  }
  return node;
}

/** Both wasm packages' sizes as a visitor downloads them, raw and gzip'd. */
function wasmSizes() {
  const sizes = {};
  for (const pkg of ['pkg', 'pkg-gpu']) {
    const path = `${root}/www/${pkg}/aestudio_bg.wasm`;
    if (!existsSync(path)) continue;
    const wasm = readFileSync(path);
    sizes[pkg] = { raw_mb: wasm.length / 1e6, gzip_mb: gzipSync(wasm, { level: 6 }).length / 1e6 };
  }
  return sizes;
}

const run = (command, args) => {
  try { return execFileSync(command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return null; }
};

function commit() {
  const hash = run('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const changed = run('git', ['status', '--porcelain', '--', 'src', 'www', 'tests/bench', 'tests/web_bench.rs', 'Cargo.toml', 'Cargo.lock']);
  return changed ? `${hash}+dirty` : hash;
}

function machine() {
  const parts = [`${cpus()[0]?.model.trim() ?? process.arch}, ${cpus().length} cores`];
  if (part === 'native') {
    const torch = run(process.env.PYTHON ?? 'python3', ['-c', 'import torch; print(torch.__version__)']);
    if (torch) parts.push(`PyTorch ${torch.replace(/\+.*$/, '')}`);
  } else {
    parts.push((run('/usr/bin/chromium', ['--version']) ?? 'Chromium').replace(/ built on.*$/, '').replace(/^Chromium/, 'headless Chromium'));
  }
  const tfjs = `${root}/tests/bench/node_modules/@tensorflow/tfjs/package.json`;
  if (part === 'peer' && existsSync(tfjs)) parts.push(`TensorFlow.js ${JSON.parse(readFileSync(tfjs, 'utf8')).version}`);
  return parts.join(', ');
}

const figures = lines(readFileSync(logFile, 'utf8'));
if (figures.length === 0) {
  console.error(`${logFile}: no bench-result lines, so no record of the ${part} part`);
  process.exit(1);
}
const result = { command: 'bench', part, ...fold(figures) };
if (part === 'native') {
  result.burn_over_pytorch = nativeRounds(result);
  result.rounds = Object.values(result.train?.flex ?? {})[0]?.median.length ?? 0;
} else if (part === 'peer') {
  Object.assign(result.peer, peerRounds(result.peer));
  result.rounds = result.peer.ratio.length;
} else {
  unwrap(result);
}
if (part === 'load') result.wasm = wasmSizes();

// The settings a part reads: the rounds (native, peer) and PyTorch's Python (native).
const READS = { native: ['ROUNDS', 'PYTHON'], peer: ['ROUNDS'] };
const settings = (READS[part] ?? []).filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]}`);
const record = {
  command: [...settings, `./build.sh bench ${part}`].join(' '),
  commit: commit(),
  date: new Date().toISOString().slice(0, 10),
  machine: machine(),
  result,
};
appendFileSync(recordsFile, `${JSON.stringify(record)}\n`);
console.log(`recorded the ${part} part (${figures.length} figures) in ${recordsFile}`);
