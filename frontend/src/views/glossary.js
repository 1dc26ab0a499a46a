// Every term the page uses, twice: in plain words a newcomer can follow, and exactly. The plain
// sentence is shown where the term appears; the exact one is a click away (views/terms.js).

export const GLOSSARY = {
  temperature: {
    name: 'Temperature',
    plain: 'How daring the model is: low keeps to its likeliest guess, 1 writes as the model learned, high takes more chances.',
    exact: 'Each probability p is raised to the power 1/T and the results are scaled to sum to 1 again. T = 0 always takes the most likely character (greedy); T = 1 leaves the model\'s distribution as it is.',
  },
  seedText: {
    name: 'Seed text',
    plain: 'The words every lane starts from: the model reads them, then carries on writing.',
    exact: 'The characters fed to the model before the first draw; characters the model does not know are dropped, and a lowercase model reads it lowercased.',
  },
  length: {
    name: 'Length',
    plain: 'How many characters each lane writes after the seed text.',
    exact: 'The number of generation steps; each step draws one character per lane.',
  },
  randomDraw: {
    name: 'Random draw number',
    plain: 'A number that fixes the dice: the same number with the same settings writes the same text again.',
    exact: 'The seed of the random number generator (the address\'s rng parameter). Each lane draws its own stream of uniform numbers from it, so a run can be repeated exactly, here or with tempera sample.',
  },
  mode: {
    name: 'Mode',
    plain: 'How the model remembers what it has read: all of it so far, or only the last few dozen characters.',
    exact: 'stateful: the LSTM state is carried from each character to the next, so everything since the seed counts. window: before each step the model re-reads only the last maxlen characters from a fresh state, as the original Keras notebook did.',
  },
  backend: {
    name: 'Backend',
    plain: 'What does the arithmetic in your browser: the processor (WebAssembly), the graphics card (WebGL), or plain JavaScript.',
    exact: 'The TensorFlow.js backend: wasm, webgl or cpu. The page measures the ones available on this device and keeps the fastest; ?backend= in the address forces one.',
  },
  lstm: {
    name: 'LSTM',
    plain: 'The kind of neural network that writes here: it reads one character at a time and keeps a memory of what came before.',
    exact: 'A long short-term memory network: LSTM 256 + 256 means two stacked layers of 256 memory cells each, followed by a softmax over the model\'s characters.',
  },
  heldOut: {
    name: 'Held-out score',
    plain: 'How well the model guesses text it never trained on: lower is better.',
    exact: 'The mean cross-entropy on the held-out part of the training file (its last tenth by default), in nats per character; divided by ln 2 it is in bits per character.',
  },
  bitsPerChar: {
    name: 'Bits per character',
    plain: 'How surprised the model is by each character: 0 means it saw it coming, 1 bit is like a coin toss between two characters.',
    exact: 'The mean of −log₂ p over the characters, where p is the probability the model (at T = 1) gave the character that came. In nats, the natural logarithm is used instead: 1 nat = 1.44 bits.',
  },
  entropy: {
    name: 'Entropy',
    plain: 'How open the choice was: 0 when one character was certain, higher when many were possible.',
    exact: 'H = −Σ q log₂ q over the distribution q the lane drew from (after temperature and filters), in bits; averaged over the lane\'s steps.',
  },
  top1: {
    name: 'First picks',
    plain: 'How often the lane wrote the character the model thought most likely.',
    exact: 'The share of steps whose drawn character has rank 1 under the model at T = 1.',
  },
  distinct4: {
    name: 'Variety',
    plain: 'How little the text repeats itself: 1 never repeats, low values go round in loops.',
    exact: 'Distinct 4-grams: the number of different 4-character substrings divided by the number of all of them.',
  },
  chars: {
    name: 'Characters',
    plain: 'How many characters this lane has written.',
    exact: 'Generated characters, the seed text not counted.',
  },
  rank: {
    name: 'Rank',
    plain: 'Where the character stood among the model\'s guesses: 1 is its first choice.',
    exact: 'The position of the character when the model\'s distribution at T = 1 is sorted from most to least likely.',
  },
  probability: {
    name: 'Probability',
    plain: 'How likely the model thought this character was, out of 100 %.',
    exact: 'p: the softmax output of the model for this character at this step, at T = 1. The lane\'s own share is q, after its temperature and filters.',
  },
  uniform: {
    name: 'The random draw',
    plain: 'The dice roll that picked this character: a random number between 0 and 1.',
    exact: 'The uniform u in [0, 1) from the lane\'s generator; the character drawn is the first whose cumulative probability under the lane\'s distribution exceeds u.',
  },
  topK: {
    name: 'top-k',
    plain: 'Keep only the k likeliest characters and never write any other.',
    exact: 'All but the k most probable characters get probability 0 before the draw; 0 or empty is off.',
  },
  topP: {
    name: 'top-p',
    plain: 'Keep the likeliest characters until they cover this share of the chances; drop the long tail.',
    exact: 'Nucleus sampling: the smallest set of most probable characters whose probabilities sum to at least p is kept, the rest get 0; 1 or empty is off.',
  },
  minP: {
    name: 'min-p',
    plain: 'Drop every character much less likely than the favourite.',
    exact: 'Characters whose probability is below min-p times the largest probability get 0; 0 or empty is off.',
  },
};

// The glossary's entry for `key`; a key that is not there is a mistake in the page's code.
export function termOf(key) {
  const term = GLOSSARY[key];
  if (!term) throw new Error(`no glossary entry "${key}"`);
  return term;
}
