// The page's address handling under Node: for each query on stdin, url-guard.js makes the
// address safe (as it does before TensorFlow.js reads it) and url-state.js reads the run from
// it; an item {write: run} is written to an empty address by writeUrl first, then read back.
// Prints [{addressNotes, notes, state, search}] as JSON, one per item.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { readInput } from '../harness/node-tfjs.mjs';

const SRC = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'frontend', 'src');

// What the modules read of window: the address, and history.replaceState to rewrite it.
function fakeWindow(search) {
  const location = { search, pathname: '/', hash: '', href: `http://localhost/${search}` };
  return {
    location,
    history: {
      state: null,
      replaceState(state, title, url) {
        const query = new URL(url, location.href).search;
        location.search = query;
        location.href = `http://localhost/${query}`;
      },
    },
  };
}

const queries = await readInput();
const results = [];
for (const [index, item] of queries.entries()) {
  globalThis.window = fakeWindow(typeof item === 'string' ? item : '');
  // A fresh copy of url-guard per address: it reads the address when it is evaluated.
  const guard = await import(`${pathToFileURL(path.join(SRC, 'url-guard.js')).href}?case=${index}`);
  const { readUrl, writeUrl } = await import(pathToFileURL(path.join(SRC, 'url-state.js')).href);
  if (typeof item !== 'string') writeUrl(item.write);
  const { state, notes } = readUrl(window.location);
  results.push({ addressNotes: guard.addressNotes, notes, state, search: window.location.search });
}
console.log(JSON.stringify(results));
