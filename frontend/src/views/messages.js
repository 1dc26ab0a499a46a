// What the page tells the user in words: the status (one short sentence, its technical details
// a click away), errors, the notes on a run (its seed and length) and the notes on values of the
// address it could not use.
export class MessagesView {
  constructor(doc = document) {
    this.doc = doc;
    this.status = doc.getElementById('status');
    this.details = doc.getElementById('status-details');
    this.error = doc.getElementById('error');
    this.runNote = doc.getElementById('seed-note');
    this.urlNotes = doc.getElementById('url-notes');
    this.facts = new Map(); // topic -> its line in the details, kept until replaced
  }

  // `text`: the sentence; `details`: {topic: line} for the details ('' drops a topic's line).
  setStatus(text, details = {}) {
    this.status.textContent = text;
    Object.entries(details).forEach(([topic, line]) => {
      if (line) this.facts.set(topic, line);
      else this.facts.delete(topic);
    });
    if (this.details) this.details.textContent = [...this.facts.values()].join('\n');
  }

  // One message, or several lines (shown one under the other); '' hides it.
  showError(message) {
    const text = Array.isArray(message) ? message.filter(Boolean).join('\n') : message;
    this.error.textContent = text;
    this.error.hidden = !text;
  }

  showRunNotes(notes) {
    this.runNote.textContent = notes ? `Note: ${notes}.` : '';
    this.runNote.hidden = !notes;
  }

  // One item per note.
  showUrlNotes(notes) {
    this.urlNotes.replaceChildren(...notes.map((note) => {
      const item = this.doc.createElement('li');
      item.textContent = note;
      return item;
    }));
    this.urlNotes.hidden = notes.length === 0;
  }
}

// The backend in words for the status: where the arithmetic runs.
const BACKEND_WORDS = {
  wasm: 'this computer\'s processor (WebAssembly)',
  webgl: 'this computer\'s graphics card (WebGL)',
  webgpu: 'this computer\'s graphics card (WebGPU)',
  cpu: 'plain JavaScript (the slowest way)',
};

export function backendWords(name) {
  return BACKEND_WORDS[name] ?? `the ${name} backend`;
}

// "Done: 4 lanes, 400 characters each." / "Stopped: 1 lane, 57 characters."
export function runSentence({ stopped, lanes, chars }) {
  const count = chars.toLocaleString('en');
  const what = lanes === 1 ? `1 lane, ${count} character${chars === 1 ? '' : 's'}` : `${lanes} lanes, ${count} characters each`;
  return `${stopped ? 'Stopped' : 'Done'}: ${what}.`;
}
