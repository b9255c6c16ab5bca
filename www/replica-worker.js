// A replica of a data-parallel run on the CPU: the training worker starts one per extra core. It
// holds the same training set and weights as the training worker, computes the gradient of its
// share of every network update, and applies the sum the training worker sends back.
// Protocol (protocol.js): commands load, start, share, apply or complete, one at a time.
import init, { Replica } from './pkg/aestudio.js';
import { fetchGunzipped, MOVIELENS, TRAIN_FILES } from './data.js';
import { serve, transferring } from './protocol.js';

let replica = null;
// The buffer the last sum came in: the next share goes back in it.
let spare = null;

serve({
  async load({ dataset, images }) {
    await init();
    replica = new Replica();
    if (images) {
      replica.loadImages(images.side, images.colour, images.pixels, images.labels);
      return;
    }
    if (dataset === MOVIELENS) {
      replica.loadRatings(await fetchGunzipped(MOVIELENS, 'ratings.dat'));
      return;
    }
    const files = await Promise.all(TRAIN_FILES.map((file) => fetchGunzipped(dataset, file)));
    replica.loadTrainSet(dataset, ...files);
  },
  start({ weights, training, step, part, parts }) {
    replica.start(weights, training, step, part, parts);
  },
  async share() {
    const gradient = await replica.share(spare);
    spare = null;
    return transferring(gradient, [gradient.buffer]);
  },
  apply({ sum }) {
    replica.apply(sum);
    spare = sum;
  },
  // The leader's own share: this replica adds the share it computed last, as the leader adds it.
  complete({ own }) {
    replica.complete(own);
    spare = own;
  },
}, { serial: true });
