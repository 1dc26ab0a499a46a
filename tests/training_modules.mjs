// The Training view's pure modules under Node: for each {call, args} on stdin, the named
// function's result (a Lockstep replays a list of [lane, char] and returns the steps it hands
// on; readUrl/writeUrl read and write an address in a stand-in for window). Prints the results
// as JSON, in order.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';


const SRC = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'frontend', 'src');

// What url-guard.js and url-state.js read of window: the address, and replaceState.
function standInWindow(search) {
  const location = { search, pathname: '/', hash: '', href: `http://localhost/${search}` };
  return {
    location,
    history: {
      replaceState(state, title, url) {
        location.search = new URL(url, location.href).search;
        location.href = `http://localhost/${location.search}`;
      },
    },
  };
}
globalThis.window = standInWindow('');

const load = (name) => import(pathToFileURL(path.join(SRC, name)).href);
const chart = await load('runs-chart.js');
const runs = await load('runs.js');
const { Lockstep } = await load('lockstep.js');
const { tintedRuns } = await load('views/training-evolution.js');
// url-state.js brings TensorFlow.js with it (the backends' names): loaded only when asked for.
const urlState = () => load('url-state.js');

const CALLS = {
  lossChart: (history, baselines, size) => chart.lossChart(history, baselines, size ?? undefined),
  niceStep: chart.niceStep,
  spreadEpochs: runs.spreadEpochs,
  durationWords: runs.durationWords,
  runSummary: runs.runSummary,
  runFacts: runs.runFacts,
  tintedRuns,
  lockstep: (lanes, draws) => {
    const steps = [];
    const lockstep = new Lockstep(lanes, (chars, step) => steps.push([step, chars]));
    draws.forEach(([lane, char]) => lockstep.add(lane, char));
    return steps;
  },
  readUrl: async (search) => {
    window.location.search = search;
    const { state, notes, runLanes } = (await urlState()).readUrl(window.location);
    return { temperatures: state.temperatures, filters: state.filters.length, notes, runLanes };
  },
  writeUrl: async (run) => {
    window.location.search = '';
    (await urlState()).writeUrl(run);
    return window.location.search;
  },
};

// Not harness/node-tfjs.mjs's readInput: these modules need no TensorFlow.js, and loading it
// would cost each call a second.
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const results = [];
for (const { call, args } of JSON.parse(Buffer.concat(chunks).toString('utf8'))) results.push(await CALLS[call](...args));
console.log(JSON.stringify(results));
