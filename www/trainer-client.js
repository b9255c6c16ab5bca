// One client of a training worker (train-worker.js) for every panel that trains: the Train panel
// (its runs, the one-class run, the Uses panel's jobs in the idle trainer) and the Movies panel.
// It starts the worker, keeps the run's state as the worker's events say it, writes the run's
// progress into the panel's status line and bar (as often as the worker sends it: at most 4 times
// a second, since each repaint comes out of the cores the run trains on), and passes every event
// on to the panel.
import { WorkerClient } from './protocol.js';

const formatDuration = (seconds) => (!Number.isFinite(seconds) ? '…'
  : seconds >= 90 ? `${Math.round(seconds / 60)} min` : `${Math.max(0, Math.round(seconds))} s`);

export class TrainerClient {
  /**
   * @param {{status: HTMLElement, bar: HTMLProgressElement, onEvent?: (event: object) => void,
   *   onState?: (state: string) => void, onFailure?: (message: string) => void}} panel the panel's
   *   status line and bar; its handler of every event, of each change of state ('idle', 'running',
   *   'paused'), and of a failed worker or run.
   */
  constructor({ status, bar, onEvent = () => {}, onState = () => {}, onFailure = () => {} }) {
    Object.assign(this, { status, bar, onEvent, onState, onFailure });
    this.worker = null;
    this.state = 'idle';
    this.job = null; // a command of another panel in the idle trainer, `{onEvent}`
    this.lastHeard = 0;
  }

  /** A fresh worker (the previous one closed) that runs `command` to load its data; resolves
   * with the reply, or null when another `open` replaced it meanwhile. */
  async open(command, args) {
    this.worker?.terminate();
    this.job = null; // its call rejects: the worker is closed
    this.setState('idle');
    const worker = this.worker = new WorkerClient('./train-worker.js', {
      onEvent: (event) => this.#heard(event),
      onCrash: (message) => this.onFailure(message ?? 'the training worker crashed'),
    });
    const reply = await worker.call(command, args).catch((err) => {
      if (worker === this.worker) throw err;
    });
    return worker === this.worker ? reply : null;
  }

  /** Starts or resumes a run with `command`; resolves with the worker's reply. */
  async begin(command, args) {
    this.setState('running');
    return this.worker.call(command, args);
  }

  /** A command whose reply the panel waits for (the worker's error rejects it). */
  ask(command, args) {
    return this.worker.call(command, args);
  }

  /** A command that does not wait for the run or the job it touches; a crash is reported by
   * `onFailure`. */
  tell(command, args) {
    return this.worker?.call(command, args).catch(() => {});
  }

  pause() { this.tell('pause'); }

  resume() {
    this.tell('continue');
    this.setState('running');
  }

  stop() { this.tell('stop'); }

  /** Whether no run and no job has the trainer. */
  get idle() { return this.state === 'idle' && this.job == null; }

  /**
   * Runs `command` for another panel in the idle trainer (no run may start meanwhile); its events
   * go to `onEvent`. Rejects when a run or another job has the trainer, or when a restart of the
   * trainer cuts it short.
   */
  async runJob(command, args, onEvent) {
    if (!this.idle) throw new Error('The trainer is busy with a run: stop it first.');
    const worker = this.worker;
    this.job = { onEvent };
    this.setState('idle');
    try {
      return await worker.call(command, args);
    } catch (err) {
      throw worker === this.worker ? err : new Error('a restart of the trainer (a new dataset or backend) cut it short');
    } finally {
      if (worker === this.worker) {
        this.job = null;
        this.setState('idle');
      }
    }
  }

  setState(state) {
    this.state = state;
    this.onState(state);
  }

  /** Writes `text` into the status line. */
  say(text) {
    this.status.textContent = text;
  }

  /** A run's progress: `epoch e of n · step s/t · samples/s · time left`, then `extra`. */
  showProgress({ epoch, step, stepsPerEpoch, pace }, epochs, extra = '') {
    const total = stepsPerEpoch * epochs;
    Object.assign(this.bar, { max: total, value: step });
    this.say(`epoch ${Math.min(epoch + 1, epochs)} of ${epochs} · step ${step}/${total} · `
      + `${Math.round(pace.samplesPerSecond ?? 0).toLocaleString('en')} samples/s · ${formatDuration(pace.secondsLeft ?? Infinity)} left${extra}`);
  }

  #heard(event) {
    this.lastHeard = performance.now();
    const ended = { paused: 'paused', done: 'finished', stopped: 'stopped' }[event.event];
    if (event.event === 'loading') this.say(event.message);
    if (ended) this.say(`${this.status.textContent} · ${ended}`);
    if (event.event === 'error') this.onFailure(event.message);
    else if (event.event === 'clustering') this.job?.onEvent?.(event);
    else this.onEvent(event);
    if (ended) this.setState(ended === 'paused' ? 'paused' : 'idle');
  }
}
