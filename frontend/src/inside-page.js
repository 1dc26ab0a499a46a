// "Inside the model", wired to the page: the cell view and its finder read the text in "Score
// any text" (a lane gets there by its Score button), and the inspector's "What did it look back
// at?" reads the lane or scored text it inspects. Both are worked out by inside-model.js only
// when the person asks, never while the page generates or scores.
import { activations, saliency } from './inside-model.js';
import { CellFinder } from './views/cell-finder.js';
import { CellView } from './views/cell-view.js';
import { SaliencyView } from './views/saliency-view.js';

// The cell view's text is cut here: its activations are 2 × units numbers a character, and
// every character is an element. Stateful activations of the first characters are the same
// whatever follows, so the cut changes none of them.
export const MOST_CHARS = 2000;

export class InsidePage {
  constructor(page, doc = document) {
    this.page = page;
    this.cells = new CellView(doc);
    this.finder = new CellFinder(this.cells, doc);
    this.button = doc.getElementById('cell-run');
    this.status = doc.getElementById('cell-status');
    this.working = null; // the AbortController of the activations on the way
    this.lanes = { mode: null, model: null }; // what the lanes shown were generated with
    this.scored = { mode: null }; // the mode the scored text was scored in
    this.button.addEventListener('click', () => this.lookInside());
    this.saliency = new SaliencyView({
      compute: (source, step, signal) => this.saliencyOf(source, step, signal),
      busy: () => this.busyReason(),
    }, doc);
    page.inspector.saliency = this.saliency;
  }

  // The page's run, or scoring, that the model is busy with ('' if none).
  busyReason() {
    const { running, scoring, loading } = this.page.controlState;
    if (running) return 'The lanes are being generated: ask again when they are done.';
    if (scoring) return 'A text is being scored: ask again when it is done.';
    if (loading) return 'A model is loading: ask again when it is ready.';
    return '';
  }

  enable({ ready, loading, running, scoring }) {
    this.button.disabled = !ready || loading || running || scoring || this.working !== null;
  }

  ranLanes(mode, model) {
    this.lanes = { mode, model };
  }

  scoredIn(mode) {
    this.scored = { mode };
  }

  // Another model: what the views show came from the one before.
  clear() {
    this.working?.abort();
    this.cells.clear();
    this.finder.reset();
    this.saliency.clear();
    this.status.textContent = '';
  }

  async lookInside() {
    const { session, scoreView } = this.page;
    const why = this.busyReason();
    if (why || this.working || !session.model) {
      this.status.textContent = why;
      return;
    }
    const chars = Array.from(scoreView.input.value);
    const mode = scoreView.mode.value;
    if (chars.length === 0) {
      this.status.textContent = 'Type or paste a text in "Text to score" above first (or press Score on a lane).';
      return;
    }
    const text = chars.slice(0, MOST_CHARS).join('');
    const controller = new AbortController();
    this.working = controller;
    this.enable(this.page.controlState);
    this.status.textContent = 'Reading the text through the model…';
    const started = performance.now();
    try {
      const data = await activations(session, text, mode, { signal: controller.signal });
      this.cells.show(data);
      this.finder.reset();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      this.status.textContent = `${data.chars.length.toLocaleString('en')} characters read (${mode}) in ${seconds} s` +
        `${chars.length > MOST_CHARS ? `: the first ${MOST_CHARS.toLocaleString('en')} of the text` : ''}.`;
    } catch (error) {
      if (!controller.signal.aborted) this.status.textContent = error.message;
    } finally {
      this.working = null;
      this.enable(this.page.controlState);
    }
  }

  // The saliency of an inspected step: the character at `step` of the lane or scored text,
  // predicted from everything before it (the seed, or the scored text's first character, too).
  saliencyOf(source, step, signal) {
    const { session } = this.page;
    const { text } = source;
    const mode = source.scoring ? this.scored.mode : this.lanes.mode;
    if (!source.scoring && this.lanes.model !== session.model) {
      throw new Error('These lanes came from another model than the one chosen (an epoch, or a model changed since): generate again to see what this one looked back at.');
    }
    const position = Array.from(text.prefixText).length + step;
    return saliency(session, text.prefixText + text.chars.join(''), position, { mode: mode ?? 'stateful', signal });
  }
}
