// The latest model in use, kept in IndexedDB so that a reload restores it.

const DB = 'aestudio';
const STORE = 'models';
const KEY = 'latest';

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction(mode, work) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** Keeps `{bytes, name, dataset, savedAt}` as the latest model. */
export const keepModel = (bytes, name, dataset) => transaction('readwrite', (store) => store.put({ bytes, name, dataset, savedAt: Date.now() }, KEY));

/** The latest model kept, or undefined. */
export const latestModel = () => transaction('readonly', (store) => store.get(KEY));
