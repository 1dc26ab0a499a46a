// The page's keep-and-compare logic under Node, for tests/test_js_keep_and_compare.py: a run of
// the page's generator on the CPU backend (the page's own loader and steps) made into the
// download (run-document.js) with each lane's rank counts (rank-counts.js), and the pure
// functions of scrolling together and of the keyboard shortcuts on the cases sent.
//   stdin: {bundle, run: {seedText, temperatures, topK, topP, minP, length, rngSeed, mode},
//           scroll: [[leader, follower]], offsets: [[segments, offset]], keys: [event],
//           shares: [[count, total]], sentences: [counts]}
// Prints {json, text, fileNames, counts, api, words, scroll, offsets, keys, shares, sentences,
// nonFinite} as JSON.
import { Generator } from '../frontend/src/generator.js';
import { BUCKET_WORDS, countsSentence, rankCounts, sharePercent } from '../frontend/src/rank-counts.js';
import { laneDocument, runDocument, runFileName, runJson, runText } from '../frontend/src/run-document.js';
import { charAtOffset, followingScrollTop, offsetOfChar } from '../frontend/src/scroll-mapping.js';
import { shortcutOf } from '../frontend/src/shortcuts.js';
import { chooseStep } from '../frontend/src/steps/index.js';
import { loadBundleFolder, readInput, useBackend } from '../harness/node-tfjs.mjs';

const input = await readInput();
const { run } = input;
await useBackend('cpu');
const { meta, vocab, model } = await loadBundleFolder(input.bundle);
const { step, lookahead } = chooseStep(model, { backend: 'cpu' });
const generator = new Generator(step, vocab, meta.maxlen, { lookahead });
const encoding = vocab.encodeSeed(run.seedText);
const lanes = await generator.generate({
  seedIds: encoding.ids, temperatures: run.temperatures, length: run.length, rngSeed: run.rngSeed,
  mode: run.mode, filters: { topK: run.topK, topP: run.topP, minP: run.minP },
}, { records: true });
const document = runDocument({ seedText: encoding.text, rngSeed: run.rngSeed, mode: run.mode, lanes });
// NaN cannot reach the generator's lanes (nor come in as JSON): one made here, where it must be named.
let nonFinite = null;
try {
  runJson({ lanes: [{ p: NaN }] });
} catch (error) {
  nonFinite = error.message;
}
const out = {
  json: runJson(document),
  text: runText(document),
  fileNames: [runFileName({ model: 'nietzsche', rngSeed: run.rngSeed }, 'json'),
    runFileName({ model: '../my run/ä', rngSeed: 0 }, 'txt')],
  counts: lanes.map(({ records }) => rankCounts(records.rank, records.count)),
  api: lanes.map(laneDocument), // what window.tempera.generate gives as its lanes
  words: BUCKET_WORDS,
  scroll: input.scroll.map(([leader, follower]) => followingScrollTop(leader, follower)),
  offsets: input.offsets.map(([segments, offset]) => {
    const position = charAtOffset(segments, offset);
    return [position, offsetOfChar(segments, position)];
  }),
  keys: input.keys.map(shortcutOf),
  shares: input.shares.map(([count, total]) => sharePercent(count, total)),
  sentences: input.sentences.map(countsSentence),
  nonFinite,
};
step.dispose?.();
model.dispose();
// The generator's MessageChannel turns keep Node's event loop alive: leave once written.
process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(0));
