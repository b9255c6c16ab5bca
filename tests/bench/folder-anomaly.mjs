// How a folder's training settings were chosen (not a test): the CLI's `anomaly --images` on a
// folder of MNIST digits with Fashion-MNIST clothes among them, over a grid of batch sizes and
// trimmed shares and several seeds; the AUROC of the clothes against the digits from each
// ranking. By default the folder is made of *training* images (the validation folder), so that
// the e2e test's folder of test images stays out of the choice.
//   node tests/bench/folder-anomaly.mjs [split=train] [batches=16,32,64,128] [trims=0,0.1,0.2,0.3] [seeds=1,2,3]
// Needs `cargo build --release`. Prints a line per run and one `result` line per setting.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auroc, writeDigitsAndClothes } from '../support/folders.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const list = (text) => text.split(',').map(Number);
const [split = 'train', batches = '16,32,64,128', trims = '0,0.1,0.2,0.3', seeds = '1,2,3'] = process.argv.slice(2);

/** The ranking CSV the CLI writes, as `[{file, score, pca_score}]`. */
function readRanking(path) {
  const [header, ...rows] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header.split(',');
  return rows.map((row) => {
    const fields = row.split(',');
    const field = (name) => fields[columns.indexOf(name)];
    return { file: field('file').replace(/"/g, ''), score: Number(field('score')), pca_score: Number(field('pca_score')) };
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const { dir, folder } = writeDigitsAndClothes({ digits: 2000, clothes: 50, split });
try {
  for (const batch of list(batches)) {
    for (const trim of list(trims)) {
      const runs = list(seeds).map((seed) => {
        const csv = join(dir, 'ranking.csv');
        execFileSync(join(root, 'target/release/aestudio'), ['anomaly', '--images', folder, '--model', 'conv-dae', '--epochs', '10',
          '--batch-size', String(batch), '--trim', String(trim), '--seed', String(seed), '--top', '0', '--csv', csv], { stdio: 'ignore' });
        const ranking = readRanking(csv);
        const run = { seed, model: auroc(ranking, (image) => image.score), pca: auroc(ranking, (image) => image.pca_score) };
        console.log(`batch ${batch}, trim ${trim}, seed ${seed}: AUROC ${run.model.toFixed(3)} (PCA ${run.pca.toFixed(3)})`);
        return run;
      });
      const aurocs = runs.map((run) => run.model);
      console.log(`result ${JSON.stringify({ command: 'folder-anomaly', split, model: 'conv-dae', epochs: 10, batch_size: batch, trim,
        auroc: { median: median(aurocs), min: Math.min(...aurocs), max: Math.max(...aurocs) }, pca: runs[0].pca, runs })}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
