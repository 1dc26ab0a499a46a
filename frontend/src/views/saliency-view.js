// "What did it look back at?" in the inspector: the characters before the inspected one,
// tinted by how much each moved the model's probability of it (inside-model.js's saliency). It
// is worked out only when the person asks (the button, or, once asked, each character they
// pin or reach by keys; never one a pointer passes over) and never while the page generates;
// inspecting another character meanwhile drops the answer on the way.
import { visibleChar } from './format.js';
import { influenceTint } from './tints.js';

function plural(count, word) {
  return `${count.toLocaleString('en')} ${word}${count === 1 ? '' : 's'}`;
}

export class SaliencyView {
  // compute(source, step, signal) -> the saliency dict for the inspected step, or throws;
  // busy() -> a sentence why it cannot run now (a run goes on), or ''.
  constructor({ compute, busy }, doc = document) {
    this.doc = doc;
    this.compute = compute;
    this.busy = busy;
    this.root = doc.getElementById('saliency-panel');
    this.root.innerHTML = `
      <button type="button" class="saliency-run" data-testid="saliency-run">What did it look back at?</button>
      <p class="saliency-status" role="status"></p>
      <div class="saliency-result" hidden>
        <p class="saliency-what"></p>
        <p class="saliency-text" data-testid="saliency" tabindex="0" role="group"></p>
        <p class="saliency-legend"><span class="saliency-scale" aria-hidden="true"></span>
          faint: little influence; full colour: the most in this context</p>
        <details class="help">
          <summary>Exactly what this shows</summary>
          <p>For each earlier character: the size (L2 norm) of the gradient of the log-probability of the
            inspected character with respect to that character's input, the one-hot vector the model reads
            for it. A gradient is exact and takes one backward pass through the model, where removing or
            replacing each character in turn would need a replacement character and a pass per character.
            Stateful mode: the last 100 characters get a value and the memory the model had before them is
            held fixed; window mode: the window of characters it was given, read from a blank memory.
            The colours are scaled to the largest value shown; point at a character for its value.</p>
        </details>
      </div>`;
    this.button = this.root.querySelector('.saliency-run');
    this.status = this.root.querySelector('.saliency-status');
    this.result = this.root.querySelector('.saliency-result');
    this.what = this.root.querySelector('.saliency-what');
    this.text = this.root.querySelector('.saliency-text');
    this.wanted = false; // the person asked once: pinned characters show theirs from then on
    this.inspected = null; // {source, step} shown in the inspector
    this.pending = null; // the AbortController of the work on the way
    this.button.addEventListener('click', () => {
      this.wanted = true;
      this.run();
    });
  }

  // The inspector shows `step` of `source`; pinned: clicked or reached by keys, not pointed at.
  inspect(source, step, { pinned }) {
    const same = this.inspected?.source.text === source.text && this.inspected?.step === step;
    if (same && (this.pending || !this.result.hidden)) return;
    this.cancel();
    this.inspected = { source, step };
    this.result.hidden = true;
    this.status.textContent = '';
    this.root.hidden = false;
    if (this.wanted && pinned) this.run();
  }

  clear() {
    this.cancel();
    this.inspected = null;
    this.result.hidden = true;
    this.status.textContent = '';
  }

  cancel() {
    this.pending?.abort();
    this.pending = null;
  }

  async run() {
    if (!this.inspected) return;
    const why = this.busy();
    if (why) {
      this.status.textContent = why;
      return;
    }
    this.cancel();
    const controller = new AbortController();
    this.pending = controller;
    const { source, step } = this.inspected;
    this.status.textContent = 'Working out what it looked back at…';
    this.result.hidden = true;
    try {
      const data = await this.compute(source, step, controller.signal);
      if (controller.signal.aborted) return; // another character is inspected now
      this.show(data);
      this.status.textContent = '';
    } catch (error) {
      if (!controller.signal.aborted) this.status.textContent = error.message;
    } finally {
      if (this.pending === controller) this.pending = null;
    }
  }

  show(data) {
    const { influence, target } = data;
    const largest = Math.max(0, ...influence.map((entry) => entry.influence));
    const top = [...influence].sort((a, b) => b.influence - a.influence).slice(0, 3);
    this.what.textContent = `How much each of the ${plural(influence.length, 'character')} before ` +
      `${visibleChar(target)} moved the model's chance of it (${(100 * Math.exp(data.log_probability)).toFixed(1)} %): ` +
      `the stronger the colour, the more a change there would have changed it. ${data.mode === 'window'
        ? 'Window mode: the characters the model was given.'
        : `The last ${plural(data.context, 'character')} at most, which keeps it quick; the memory from before them is held as it was.`}`;
    this.text.setAttribute('aria-label', `The context; the strongest: ${top.map((e) => `${visibleChar(e.char)} (character ${e.index + 1}) ${e.influence.toPrecision(2)}`).join(', ')}`);
    const spans = influence.map((entry) => {
      const span = this.doc.createElement('span');
      const { className, alpha } = influenceTint(entry.influence, largest);
      span.className = className;
      span.style.setProperty('--alpha', alpha);
      span.dataset.index = String(entry.index);
      span.dataset.influence = String(entry.influence);
      span.title = `${visibleChar(entry.char)}: ${entry.influence.toPrecision(3)}`;
      span.textContent = entry.char;
      return span;
    });
    const mark = this.doc.createElement('mark');
    mark.className = 'saliency-target';
    mark.textContent = target;
    this.text.replaceChildren(...spans, mark);
    this.result.hidden = false;
    this.root.dataset.position = String(data.position);
  }
}
