// Two WebGL programs that each replace a dozen small ops, the LSTM cell (steps/webgl.js) and the
// look-ahead's draw (steppers.js): on a GPU every op is a draw call with a fixed cost, which for
// an LSTM(256) step dwarfs the arithmetic.
import * as tf from '@tensorflow/tfjs';

const GLSL_ACTIVATIONS = `
  float sigmoidOf(float x) { return 1.0 / (1.0 + exp(-x)); }
  // tanh written so that exp never overflows for large |x|.
  float tanhOf(float x) { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
`;

function run(program, inputs, dtype = 'float32') {
  const backend = tf.backend();
  return tf.engine().makeTensorFromTensorInfo(backend.compileAndRun(program, inputs, dtype));
}

// The LSTM cell from the gate pre-activations z ([batch, 4 × units], Keras order i, f, c, o)
// and the previous cell state c ([batch, units]), with sigmoid gates and tanh. With `input`
// ({table, ids}), row ids[b] of the table is added to z's row b first, which saves a gather and
// an add per step. Returns {h, c}.
export function lstmCell(z, c, input = null) {
  const [batch, units] = c.shape;
  const names = input ? ['Z', 'C', 'Table', 'Ids'] : ['Z', 'C'];
  const gate = (k) => `getZ(b, j + ${k * units})` + (input ? ` + getTable(id, j + ${k * units})` : '');
  const cell = (body) => ({
    variableNames: names,
    outputShape: [batch, units],
    userCode: `${GLSL_ACTIVATIONS}
      void main() {
        ivec2 rc = getOutputCoords();
        int b = rc.x;
        int j = rc.y;
        ${input ? 'int id = int(getIds(b) + 0.5);' : ''}
        ${body}
      }`,
  });
  const extra = input ? [input.table, input.ids] : [];
  const newC = run(cell(`
    float i = sigmoidOf(${gate(0)});
    float f = sigmoidOf(${gate(1)});
    float g = tanhOf(${gate(2)});
    setOutput(f * getC(b, j) + i * g);`), [z, c, ...extra]);
  const h = run(cell(`setOutput(sigmoidOf(${gate(3)}) * tanhOf(getC(b, j)));`), [z, newC, ...extra]);
  return { h, c: newC };
}

// The contract's draw from logits ([lanes, size]) for every lane in one pass: settings is
// [lanes, 2] of (1 / temperature, or -1 for greedy; uniform u), or [lanes, 5] with the lane's
// top-k, top-p and min-p after those. Returns int32 ids [lanes].
export function proposeFromLogits(logits, settings) {
  const [lanes, size] = logits.shape;
  const filtered = settings.shape[1] === 5;
  const program = {
    variableNames: ['L', 'S'],
    outputShape: [lanes],
    userCode: `
      void main() {
        int b = getOutputCoords();
        float top = getL(b, 0);
        int best = 0;
        for (int i = 1; i < ${size}; i++) {
          float l = getL(b, i);
          if (l > top) { top = l; best = i; }
        }
        float inverseT = getS(b, 0);
        if (inverseT < 0.0) { setOutput(float(best)); return; }
        float w[${size}];
        for (int i = 0; i < ${size}; i++) w[i] = exp((getL(b, i) - top) * inverseT);
        ${filtered ? FILTERS_GLSL(size) : ''}
        float total = 0.0;
        for (int i = 0; i < ${size}; i++) total += w[i];
        float target = getS(b, 1) * total;
        float running = 0.0;
        int drawn = ${size - 1};
        for (int i = 0; i < ${size}; i++) {
          running += w[i];
          if (running > target) { drawn = i; break; }
        }
        setOutput(float(drawn));
      }`,
  };
  return run(program, [logits, settings], 'int32');
}

// The filters of docs/sampling.md on w[], in float32: j comes before i in the order when its
// weight is larger, or equal with a lower index. top-k keeps i when fewer than k come before it;
// top-p when the kept weights before it sum to less than p × (their total); min-p when
// w[i] ≥ m (the largest weight is 1). The order is counted per character, O(size²), which at
// a vocabulary of a few hundred is still one short pass for each lane.
const FILTERS_GLSL = (size) => `
        int k = int(getS(b, 2) + 0.5);
        float topP = getS(b, 3);
        float minP = getS(b, 4);
        bool kept[${size}];
        for (int i = 0; i < ${size}; i++) {
          int before = 0;
          for (int j = 0; j < ${size}; j++) {
            if (w[j] > w[i] || (w[j] == w[i] && j < i)) before++;
          }
          kept[i] = k == 0 || before < k;
        }
        if (topP < 1.0) {
          float kepttotal = 0.0;
          for (int i = 0; i < ${size}; i++) if (kept[i]) kepttotal += w[i];
          bool inNucleus[${size}];
          for (int i = 0; i < ${size}; i++) {
            float before = 0.0;
            for (int j = 0; j < ${size}; j++) {
              if (kept[j] && (w[j] > w[i] || (w[j] == w[i] && j < i))) before += w[j];
            }
            inNucleus[i] = before < topP * kepttotal;
          }
          for (int i = 0; i < ${size}; i++) kept[i] = kept[i] && inNucleus[i];
        }
        for (int i = 0; i < ${size}; i++) {
          if (!kept[i] || w[i] < minP) w[i] = 0.0;
        }`;
