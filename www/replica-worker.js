// A replica of a data-parallel run on the CPU: the training worker starts one per extra core. It
// holds the same training set and weights as the training worker, computes the gradient of its
// share of every batch, and applies the sum the training worker sends back.
// Protocol: {command} in (load, start, share, apply); {status} out (ready, started, share, error).
import init, { Replica } from './pkg/aestudio.js';
import { fetchGunzipped, TRAIN_FILES } from './data.js';

let replica = null;
// The buffer the last sum came in: the next share goes back in it.
let spare = null;

const commands = {
  async load({ dataset }) {
    await init();
    replica = new Replica();
    const files = await Promise.all(TRAIN_FILES.map((file) => fetchGunzipped(dataset, file)));
    replica.loadTrainSet(dataset, ...files);
    return { status: 'ready' };
  },
  start({ weights, training, step, part, parts }) {
    replica.start(weights, training, step, part, parts);
    return { status: 'started' };
  },
  async share() {
    const gradient = await replica.share(spare);
    spare = null;
    return [{ status: 'share', gradient }, [gradient.buffer]];
  },
  apply({ sum }) {
    replica.apply(sum);
    spare = sum;
    return null; // the next share request is the acknowledgement
  },
};

self.onmessage = async ({ data }) => {
  try {
    const reply = await commands[data.command](data);
    if (Array.isArray(reply)) self.postMessage(...reply);
    else if (reply) self.postMessage(reply);
  } catch (err) {
    self.postMessage({ status: 'error', message: err?.message ?? String(err) });
  }
};
