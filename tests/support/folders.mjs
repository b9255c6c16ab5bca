// Folders of PNG files for the tests of a person's own images: MNIST digits, one subfolder per
// class, with Fashion-MNIST clothes at the top as the odd ones out.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePng } from './png.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first `count` images and labels of a data set's `split` ('t10k' or 'train') in data/. */
export function idx(dataset, split, count) {
  const images = readFileSync(join(root, 'data', dataset, `${split}-images-idx3-ubyte`)).subarray(16);
  const labels = readFileSync(join(root, 'data', dataset, `${split}-labels-idx1-ubyte`)).subarray(8);
  return Array.from({ length: count }, (_, i) => ({ pixels: images.subarray(i * 784, (i + 1) * 784), label: labels[i] }));
}

/** A new folder `digits-and-clothes` in a temporary directory: the first `digits` MNIST images
 * of `split` as `<label>/digitNNNN.png`, the first `clothes` Fashion-MNIST images of the same
 * split as `clothesNN.png`. `{dir, folder}`; the caller removes `dir`. */
export function writeDigitsAndClothes({ digits, clothes, split = 't10k' }) {
  const dir = mkdtempSync(join(tmpdir(), 'aestudio-folder-'));
  const folder = join(dir, 'digits-and-clothes');
  idx('mnist', split, digits).forEach(({ pixels, label }, i) => {
    mkdirSync(join(folder, String(label)), { recursive: true });
    writeFileSync(join(folder, String(label), `digit${String(i).padStart(4, '0')}.png`), encodePng(28, 28, pixels));
  });
  idx('fashion-mnist', split, clothes).forEach(({ pixels }, i) => writeFileSync(join(folder, `clothes${String(i).padStart(2, '0')}.png`), encodePng(28, 28, pixels)));
  return { dir, folder, firstDigit: encodePng(28, 28, idx('mnist', split, 1)[0].pixels) };
}

/** The probability that a random clothes image outscores a random digit (ties count half). */
export function auroc(ranked, score) {
  const clothes = ranked.filter((image) => image.file.startsWith('clothes')).map(score);
  const digits = ranked.filter((image) => !image.file.startsWith('clothes')).map(score);
  let above = 0;
  for (const c of clothes) for (const d of digits) above += c > d ? 1 : c === d ? 0.5 : 0;
  return above / (clothes.length * digits.length);
}
