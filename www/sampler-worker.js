// The PixelVAE's worker: draws samples pixel by pixel (784 network passes each) in a wasm `Lab`
// of its own, so that the live worker's views never wait behind it. Protocol (protocol.js): the
// commands below, one at a time, each with one reply.
import init, { Lab } from './pkg/aestudio.js';
import { serve } from './protocol.js';

let lab = null;

const commands = {
  /** Loads the PixelVAE's weight file; returns its description. */
  async load({ bytes }) {
    if (!lab) {
      await init();
      lab = new Lab();
    }
    return lab.loadSampler(bytes);
  },
  begin: ({ count, seed }) => lab.startSamples(count, seed),
  /** The next `count` pixels of every sample: `{images, drawn}`. */
  pixels: ({ count }) => lab.drawPixels(count),
};

serve(commands, { serial: true });
