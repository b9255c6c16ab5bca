// Painting 28x28 images (784 floats in [0, 1], white on black) onto canvases.

const staging = new OffscreenCanvas(28, 28);
const stagingContext = staging.getContext('2d');
const cell = new ImageData(28, 28);

function stage(pixels, offset) {
  for (let i = 0; i < 784; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, pixels[offset + i])));
    cell.data[i * 4] = cell.data[i * 4 + 1] = cell.data[i * 4 + 2] = v;
    cell.data[i * 4 + 3] = 255;
  }
  stagingContext.putImageData(cell, 0, 0);
  return staging;
}

/** Paints the images in `pixels` (784 each) on a grid of `columns`, each `size` px square. */
export function paintGrid(canvas, pixels, columns, size = canvas.width / columns) {
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.fillStyle = 'black';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let index = 0; index < pixels.length / 784; index++) {
    const x = (index % columns) * size;
    const y = Math.floor(index / columns) * size;
    ctx.drawImage(stage(pixels, index * 784), x, y, size, size);
  }
}

/** Paints one image over the whole canvas. */
export function paintDigit(canvas, pixels) {
  paintGrid(canvas, pixels, 1, canvas.width);
}
