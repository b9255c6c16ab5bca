// The one message protocol of the page's workers (live, training and replica):
//   request  {id, command, args}       page → worker (or training worker → replica)
//   reply    {id, result} | {id, error} worker → caller, exactly one per request, same id
//   event    {event, ...fields}         worker → caller, at any time, no id (progress, snapshots…)
// A command's result or an event may name buffers to transfer rather than copy.

const TRANSFER = Symbol('transfer');

/** Marks a result whose `transfer` buffers move to the other side instead of being copied. */
export function transferring(value, transfer) {
  return { [TRANSFER]: true, value, transfer };
}

/** The caller's side of a worker: `call` a command and await its reply; events go to `onEvent`. */
export class WorkerClient {
  /**
   * @param {string} url module worker script
   * @param {{onEvent?: (event: object) => void, onCrash?: (message: string) => void}} handlers
   */
  constructor(url, { onEvent = () => {}, onCrash = () => {} } = {}) {
    this.worker = new Worker(url, { type: 'module' });
    this.pending = new Map();
    this.nextId = 1;
    this.failure = null; // set once the worker has crashed: every later call fails at once
    this.worker.onmessage = ({ data }) => {
      if (data.event != null) { onEvent(data); return; }
      const call = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error != null) call?.reject(new Error(data.error));
      else call?.resolve(data.result);
    };
    this.worker.onerror = (event) => {
      const message = event.message ?? 'the worker failed to load';
      this.failure = new Error(message);
      for (const call of this.pending.values()) call.reject(this.failure);
      this.pending.clear();
      onCrash(message);
    };
  }

  /** Runs `command` in the worker; resolves with its result, rejects with its error. */
  call(command, args = {}, transfer = []) {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, command, args }, transfer);
    });
  }

  /** How many calls await their reply. */
  get waiting() { return this.pending.size; }

  terminate() {
    this.worker.terminate();
    for (const call of this.pending.values()) call.reject(new Error('the worker was closed'));
    this.pending.clear();
  }
}

/**
 * The worker's side: answers each request with `commands[command](args)` (a value, a promise, or
 * `transferring(value, buffers)`). With `serial`, one command runs at a time (a model must not be
 * replaced while an async call still reads it); otherwise a command may arrive while another
 * awaits (a pause while a run goes on).
 */
export function serve(commands, { serial = false } = {}) {
  let queue = Promise.resolve();
  const handle = async ({ id, command, args }) => {
    try {
      if (!commands[command]) throw new Error(`unknown command ${command}`);
      const result = await commands[command](args ?? {});
      if (result?.[TRANSFER]) self.postMessage({ id, result: result.value }, result.transfer);
      else self.postMessage({ id, result });
    } catch (err) {
      self.postMessage({ id, error: err?.message ?? String(err) });
    }
  };
  self.onmessage = ({ data }) => {
    if (serial) queue = queue.then(() => handle(data));
    else handle(data);
  };
}

/** Sends an event (no reply) to the caller, moving `transfer` buffers. */
export function emit(event, fields = {}, transfer = []) {
  self.postMessage({ event, ...fields }, transfer);
}
