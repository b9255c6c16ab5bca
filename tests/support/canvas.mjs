// Reading what the page drew: its canvases' pixels, as the tests compare images.

/** The 28x28 images on a canvas grid of `columns`, read back from its pixels (values in [0, 1]). */
export function readCanvasGrid(page, id, columns) {
  return page.evaluate(([id, columns]) => {
    const canvas = document.getElementById(id);
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const size = canvas.width / columns;
    const rows = Math.round(canvas.height / size);
    const images = [];
    for (let cell = 0; cell < rows * columns; cell++) {
      const [left, top] = [(cell % columns) * size, Math.floor(cell / columns) * size];
      const image = [];
      for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
        const px = Math.floor(left + (x + 0.5) * size / 28);
        const py = Math.floor(top + (y + 0.5) * size / 28);
        image.push(data[(py * canvas.width + px) * 4] / 255);
      }
      images.push(image);
    }
    return images;
  }, [id, columns]);
}

export const sum = (values) => values.reduce((s, v) => s + v, 0);
/** Mean squared difference of two images. */
export const mse = (a, b) => sum(a.map((v, i) => (v - b[i]) ** 2)) / a.length;
