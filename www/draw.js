// A drawing pad for mouse, touch and pen (pointer events), with undo and clear. White ink on a
// transparent canvas, so the alpha channel is the drawing. A digit put in from elsewhere (a test
// image) shows under the strokes, so that one can draw over it; Clear takes it away too.

/** Ink width as a share of the pad's side: MNIST strokes are about a tenth of the digit's box. */
const INK_WIDTH = 0.075;

export class DrawingPad {
  /** `onChange(timeStamp)` runs after every repaint, with the time of the pointer event behind it. */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.context = canvas.getContext('2d', { willReadFrequently: true });
    this.onChange = onChange;
    this.strokes = [];
    this.active = null;
    this.base = null; // a 28x28 image under the strokes, as an upscaled canvas
    // Pointer events keep the page from scrolling (touch-action: none), but a touch that starts
    // on the pad must not start a pan either on browsers that still look at touch events.
    canvas.addEventListener('touchstart', (event) => event.preventDefault(), { passive: false });
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    // pointerrawupdate arrives as soon as the pointer moves; pointermove waits for the next
    // animation frame, which alone added a median 6 ms (p95 17 ms) to the live denoising.
    const moveEvent = 'onpointerrawupdate' in window ? 'pointerrawupdate' : 'pointermove';
    canvas.addEventListener(moveEvent, (event) => this.move(event));
    for (const type of ['pointerup', 'pointercancel']) canvas.addEventListener(type, () => { this.active = null; });
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect();
    const pressure = event.pointerType === 'pen' ? event.pressure : 0.5;
    return { x: ((event.clientX - box.left) * this.canvas.width) / box.width, y: ((event.clientY - box.top) * this.canvas.height) / box.height, pressure };
  }

  down(event) {
    if (event.button !== 0) return;
    this.canvas.setPointerCapture(event.pointerId);
    this.active = [this.point(event)];
    this.strokes.push(this.active);
    this.repaint(event.timeStamp);
  }

  move(event) {
    if (!this.active) return;
    // Coalesced events keep fast strokes smooth where the browser batches them into one frame.
    const events = event.getCoalescedEvents?.() ?? [];
    for (const each of events.length ? events : [event]) this.active.push(this.point(each));
    this.repaint(event.timeStamp);
  }

  undo() {
    this.strokes.pop();
    this.repaint(performance.now());
  }

  clear() {
    this.strokes = [];
    this.base = null;
    this.repaint(performance.now());
  }

  /** Shows `pixels` (784 values in [0, 1]) under the strokes, which it replaces, without an
   * `onChange`: the image is already the input. */
  setImage(pixels) {
    const small = new OffscreenCanvas(28, 28);
    const image = new ImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      image.data.fill(255, i * 4, i * 4 + 3);
      image.data[i * 4 + 3] = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
    }
    small.getContext('2d').putImageData(image, 0, 0);
    this.base = small;
    this.strokes = [];
    this.paint();
  }

  get isEmpty() {
    return this.strokes.length === 0 && !this.base;
  }

  repaint(timeStamp) {
    this.paint();
    this.onChange(timeStamp);
  }

  paint() {
    const { context: ctx, canvas } = this;
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (this.base) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.base, 0, 0, canvas.width, canvas.height);
    }
    ctx.strokeStyle = ctx.fillStyle = 'white';
    ctx.lineCap = ctx.lineJoin = 'round';
    const width = INK_WIDTH * canvas.width;
    for (const stroke of this.strokes) {
      for (let i = 0; i < stroke.length; i++) {
        const from = stroke[Math.max(0, i - 1)];
        const to = stroke[i];
        ctx.lineWidth = width * (0.6 + 0.8 * to.pressure);
        ctx.beginPath();
        ctx.moveTo(from.x, from.y);
        ctx.lineTo(to.x, to.y);
        ctx.stroke();
      }
    }
  }

  /** The drawing's alpha channel: width × height bytes, 255 where the ink is opaque. */
  alpha() {
    const { data } = this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
    const alpha = new Uint8Array(data.length / 4);
    for (let i = 0; i < alpha.length; i++) alpha[i] = data[i * 4 + 3];
    return alpha;
  }
}
