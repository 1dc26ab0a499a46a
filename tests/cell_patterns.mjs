// frontend/src/cell-patterns.js under Node, for tests/test_js_cell_patterns.py: reads a list of
// calls as JSON on stdin and prints, in order, what each returned (or {error} where it threw).
//   {op: 'pattern', id, text, marks}        -> the pattern's value at each code point of text
//   {op: 'pearson', x, y}                   -> the correlation
//   {op: 'series', layer, unit, kind}       -> the unit's activation at each character
//   {op: 'rank', layers, kind, values, top} -> the ranked units
//   {op: 'tint', value} / {op: 'influence', value, largest} -> views/tints.js's {className, alpha}
import { patternValues, pearson, rankUnits, unitSeries } from '../frontend/src/cell-patterns.js';
import { influenceTint, tintOf } from '../frontend/src/views/tints.js';

const calls = {
  pattern: ({ id, text, marks }) => patternValues(id, Array.from(text), marks),
  pearson: ({ x, y }) => pearson(x, y),
  series: ({ layer, unit, kind }) => unitSeries(layer, unit, kind),
  rank: ({ layers, kind, values, top }) => rankUnits(layers, kind, values, { top }),
  tint: ({ value }) => tintOf(value),
  influence: ({ value, largest }) => influenceTint(value, largest),
};
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const results = JSON.parse(Buffer.concat(chunks).toString('utf8')).map((call) => {
  try {
    return calls[call.op](call);
  } catch (error) {
    return { error: error.message };
  }
});
process.stdout.write(`${JSON.stringify(results)}\n`);
