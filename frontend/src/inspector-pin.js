// Which character the inspector keeps. Pointing at a character shows it; a clicked or
// key-chosen one stays in the inspector, marked in its text, until Escape or a second click.
export class InspectorPin {
  constructor(inspector) {
    this.inspector = inspector;
    this.pinned = false; // the inspector keeps a clicked or key-chosen character until Escape
    this.marked = null; // the LaneText whose character the inspector marks
    inspector.onClose?.(() => this.forget({ unmark: true })); // its × closes it: nothing pinned
  }

  // A character of source.text was pointed at (how: 'hover'), clicked ('pin'), focused, reached
  // by keys, or Escape was pressed ('unpin').
  inspect(source, step, how) {
    const { text } = source;
    const again = how === 'pin' && this.pinned && this.marked === text && text.active === step;
    if (how === 'unpin' || again) {
      this.unpin();
      return;
    }
    if (how === 'hover' && this.pinned) return;
    if (how !== 'hover') {
      if (this.marked && this.marked !== text) this.marked.mark(null);
      this.marked = text;
      text.mark(step, { scroll: how === 'key' });
      if (how !== 'focus') this.pinned = true;
    }
    this.inspector.show(source, step, { announce: how !== 'hover' });
  }

  unpin() {
    if (!this.pinned && !this.marked) return;
    this.pinned = false;
    this.marked?.mark(null);
    this.marked = null;
    this.inspector.release?.();
    this.inspector.say('Unpinned: pointing at a character shows it again.');
  }

  // New texts replace the ones shown: nothing is pinned or marked, and the inspector is empty.
  // unmark: take the mark off the marked text too (it stays on the page).
  forget({ unmark = false } = {}) {
    this.inspector.clear();
    if (unmark) this.marked?.mark(null);
    this.pinned = false;
    this.marked = null;
  }
}
