// The Movies panel: a visitor rates movies and an AutoRec (in the live worker) recommends at once,
// the pretrained U-AutoRec or I-AutoRec or one trained here; a recommender trains in its own copy
// of the training worker (with replica workers on the CPU), charting its objective and test RMSE,
// and becomes the recommender when it ends.
import { fetchBytes } from '../data.js';
import { $, show } from '../dom.js';
import { ask, debug } from '../live.js';
import { SeriesChart } from '../series-chart.js';
import { TrainerClient } from '../trainer-client.js';

const PRETRAINED = { user: 'models/u-autorec.safetensors', item: 'models/i-autorec.safetensors' };
const RECOMMENDATIONS = 10;
// Predictions for rarely rated movies are noise: only movies with this many training ratings.
const MIN_RATINGS = 50;

const movies = new Map(); // id -> {id, title, genres}
const byTitle = new Map(); // title -> id
const rated = new Map(); // id -> stars, in the order rated
let loading = null;
let canRecommend = false;
let run = null; // {orientation, epochs, resumed}
let trained = null; // the weight file of the recommender trained here, once one ended
const chart = new SeriesChart($('movies-chart'), {
  x: 'epoch', y: { label: 'per rating' }, lines: { objective: { label: 'train objective' }, rmse: { label: 'test RMSE', points: true } },
});
const { series } = chart;

debug.movies = { recommendations: null, rmse: series.rmse, ready: false, get rated() { return [...rated.keys()]; } };

/** Titles and the pretrained U-AutoRec, fetched once the panel is first seen. */
function load() {
  loading ??= (async () => {
    $('movies-model').textContent = 'Loading the movie titles and the pretrained U-AutoRec…';
    for (const movie of await ask('movies')) {
      movies.set(movie.id, movie);
      byTitle.set(movie.title, movie.id);
    }
    $('movie-titles').replaceChildren(...[...movies.values()].map((movie) => new Option(movie.title)));
    await choose();
    $('movie-search').disabled = $('rate').disabled = $('movies-recommender').disabled = false;
    debug.movies.ready = true;
  })().catch((err) => show('movies-error', err.message));
  return loading;
}

/** Makes the recommender picked in the panel's list the one in use. */
async function choose() {
  const picked = $('movies-recommender').value;
  if (picked === 'trained') return useRecommender(trained, 'trained');
  return useRecommender(await fetchBytes(PRETRAINED[picked]), 'pretrained');
}

/** Makes an AutoRec file the recommender; says what it is and whether it can fold a visitor in. */
async function useRecommender(bytes, origin) {
  // The live worker takes its own copy: `trained` stays for when the visitor picks it again.
  const info = await ask('loadRecommender', { bytes: bytes.slice() });
  canRecommend = info.canRecommend;
  $('movies-model').textContent = `${origin === 'pretrained' ? 'Pretrained' : 'Trained here'}: ${info.description}; ${info.provenance}`;
  await recommend();
}

async function recommend() {
  const list = $('recommendations');
  if (rated.size === 0 || !canRecommend) {
    list.replaceChildren(note(canRecommend ? 'Rate a movie to see recommendations.'
      : 'This I-AutoRec carries no codes of its movies, so it cannot fold in a visitor.'));
    return;
  }
  try {
    const top = await ask('recommend', { movieIds: [...rated.keys()], stars: [...rated.values()], count: RECOMMENDATIONS, minRatings: MIN_RATINGS });
    debug.movies.recommendations = top;
    list.replaceChildren(...top.map(({ movieId, predicted }) => movieItem(movieId, `predicted ★ ${predicted.toFixed(2)}`)));
    show('movies-error', null);
  } catch (err) {
    show('movies-error', err.message);
  }
}

function note(text) {
  const item = document.createElement('li');
  item.className = 'muted';
  item.textContent = text;
  return item;
}

function movieItem(id, detail, remove) {
  const movie = movies.get(id) ?? { title: `movie ${id}`, genres: [] };
  const item = document.createElement('li');
  const title = document.createElement('strong');
  title.textContent = movie.title;
  item.append(title, ` · ${movie.genres.join(', ')} · ${detail}`);
  if (remove) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'remove';
    button.setAttribute('aria-label', `remove ${movie.title}`);
    button.addEventListener('click', remove);
    item.append(' ', button);
  }
  return item;
}

function showRated() {
  $('rated').replaceChildren(...[...rated].map(([id, stars]) => movieItem(id, `your ★ ${stars}`, () => { rated.delete(id); showRated(); recommend(); })));
}

function rate(event) {
  event.preventDefault();
  const title = $('movie-search').value.trim();
  const id = byTitle.get(title);
  if (id == null) {
    show('movies-error', title ? `No movie is titled “${title}”: pick one from the list as you type.` : 'Type a title first.');
    return;
  }
  rated.set(id, Number($('movie-stars').value));
  $('movie-search').value = '';
  showRated();
  recommend();
}

// ---- training a recommender ----

const trainingEvents = {
  progress({ progress }) {
    trainer.showProgress(progress, run.epochs, series.rmse.length ? ` · test RMSE ${series.rmse.at(-1).toFixed(4)}` : '');
    if (progress.epochObjective != null) run.objective = progress.epochObjective;
  },
  evaluation({ epoch, evaluation }) {
    chart.add(epoch, epoch === 0 ? null : run.objective, evaluation.rmse);
  },
  async snapshot({ bytes }) {
    trained = bytes;
    const option = $('movies-recommender').querySelector('option[value=trained]');
    option.disabled = false;
    option.textContent = `${run.orientation === 'user' ? 'U' : 'I'}-AutoRec trained here`;
    $('movies-recommender').value = 'trained';
    await useRecommender(bytes, 'trained');
  },
};

// This panel's own training worker (with replica workers on the CPU), started on the first run.
const trainer = new TrainerClient({
  status: $('movies-status'), bar: $('movies-progress'),
  onEvent: (event) => trainingEvents[event.event]?.(event),
  onState(state) {
    $('movies-train').disabled = state !== 'idle';
    $('movies-stop').disabled = state === 'idle';
  },
  onFailure(message) {
    trainerStarted = false; // the next run starts a fresh worker
    show('movies-error', message);
    trainer.say(`${$('movies-status').textContent} · failed`);
    trainer.setState('idle');
  },
});
let trainerStarted = false;

async function train(event) {
  event.preventDefault();
  const form = new FormData($('movies-train-form'));
  const number = (name) => Number(form.get(name));
  const model = { orientation: form.get('orientation'), hidden: number('hidden') };
  const training = {
    learning_rate: number('learning_rate'), learning_rate_decay: number('learning_rate_decay'),
    batch_size: number('batch_size'), epochs: number('epochs'), lambda: number('lambda'), seed: 1,
  };
  show('movies-error', null);
  try {
    if (!trainerStarted) await trainer.open('start', { backend: $('backend-choice').value, dataset: 'movielens' });
    trainerStarted = true;
    chart.clear();
    run = { orientation: model.orientation, epochs: training.epochs, objective: null };
    const { description, workers } = await trainer.begin('train', { model, training, workers: Number($('workers').value) });
    trainer.say(`${description}${workers > 1 ? `, each batch shared by ${workers} CPU workers` : ''}: starting…`);
  } catch (err) {
    trainer.onFailure(err.message);
  }
}

export function initMovies() {
  $('rate-form').addEventListener('submit', rate);
  $('movies-recommender').addEventListener('change', () => choose().catch((err) => show('movies-error', err.message)));
  $('movies-train-form').addEventListener('submit', train);
  $('movies-stop').addEventListener('click', () => trainer.stop());
  // Nothing is fetched until the panel is near the screen: the first minute belongs to the digits.
  new IntersectionObserver((entries, observer) => {
    if (entries.some((entry) => entry.isIntersecting)) { observer.disconnect(); load(); }
  }, { rootMargin: '200px' }).observe($('movies-panel'));
  debug.movies.load = load;
}
