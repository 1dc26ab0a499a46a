// What the page tells the user in words: the status line, errors, the notes on a run (its
// seed and length) and the notes on values of the address it could not use.
export class MessagesView {
  constructor(doc = document) {
    this.doc = doc;
    this.status = doc.getElementById('status');
    this.error = doc.getElementById('error');
    this.runNote = doc.getElementById('seed-note');
    this.urlNotes = doc.getElementById('url-notes');
  }

  setStatus(text) {
    this.status.textContent = text;
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
