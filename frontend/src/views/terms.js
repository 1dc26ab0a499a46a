// Terms explained on demand: a term is a button (class "term", data-term naming its glossary
// entry) that opens one small definition beside it, the plain sentence first and the exact one
// under it. It opens and closes by click, Enter or Space, and Escape, a click elsewhere or Tab
// away closes it. The definition floats over the page, so opening it moves nothing; one listener
// on the document serves every term, including those the views add later.
import { termOf } from './glossary.js';

const POPOVER_ID = 'term-definition';

// A term button for glossary entry `key`, showing `text` (the entry's name by default).
export function termButton(doc, key, text = termOf(key).name) {
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = 'term';
  button.dataset.term = key;
  button.dataset.testid = 'term';
  button.setAttribute('aria-expanded', 'false');
  button.textContent = text;
  return button;
}

// A line of plain words for `key`, for where the term first appears.
export function plainLine(doc, key, className = 'plain') {
  const line = doc.createElement('p');
  line.className = className;
  line.textContent = termOf(key).plain;
  return line;
}

export class Terms {
  constructor(doc = document) {
    this.doc = doc;
    this.open = null; // the button whose definition shows
    this.popover = doc.createElement('span'); // a span: a term may sit in a label or a table heading
    this.popover.id = POPOVER_ID;
    this.popover.className = 'term-popover';
    this.popover.dataset.testid = 'term-definition';
    this.popover.setAttribute('role', 'note');
    this.popover.hidden = true;
    this.heading = doc.createElement('strong');
    this.plain = doc.createElement('span');
    this.exact = doc.createElement('span');
    this.exact.className = 'term-exact';
    this.popover.append(this.heading, ' ', this.plain, this.exact);
    doc.addEventListener('click', (event) => this.clicked(event));
    doc.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.open) {
        const button = this.open;
        this.close();
        button.focus();
      }
    });
    doc.addEventListener('focusin', (event) => {
      if (this.open && !this.open.contains(event.target) && !this.popover.contains(event.target)) this.close();
    });
    const follow = () => this.place();
    doc.defaultView?.addEventListener('scroll', follow, { passive: true, capture: true });
    doc.defaultView?.addEventListener('resize', follow, { passive: true });
  }

  clicked(event) {
    const button = event.target.closest?.('button.term');
    if (button) {
      event.preventDefault(); // a term inside a <label> or <summary> explains, it does not toggle
      if (this.open === button) this.close();
      else this.show(button);
    } else if (this.open && !this.popover.contains(event.target)) {
      this.close();
    }
  }

  show(button) {
    this.close();
    const { name, plain, exact } = termOf(button.dataset.term);
    const shown = button.textContent.trim();
    this.heading.textContent = `${shown.toLowerCase() === name.toLowerCase() ? name : `${shown} (${name})`}:`;
    this.plain.textContent = plain;
    this.exact.textContent = `Precisely: ${exact}`;
    // Right after its button, so that a screen reader reads it next.
    button.after(this.popover);
    button.setAttribute('aria-controls', POPOVER_ID);
    button.setAttribute('aria-expanded', 'true');
    this.popover.hidden = false;
    this.open = button;
    this.place();
  }

  close() {
    if (!this.open) return;
    this.open.setAttribute('aria-expanded', 'false');
    this.open.removeAttribute('aria-controls');
    this.popover.hidden = true;
    this.open = null;
  }

  // Below the button (above it when there is no room), kept inside the window.
  place() {
    if (!this.open) return;
    const view = this.doc.defaultView;
    const at = this.open.getBoundingClientRect();
    const width = Math.min(360, view.innerWidth - 16);
    this.popover.style.width = `${width}px`;
    const left = Math.max(8, Math.min(at.left, view.innerWidth - width - 8));
    const height = this.popover.offsetHeight;
    const below = at.bottom + 6;
    const top = below + height > view.innerHeight && at.top - height - 6 > 0 ? at.top - height - 6 : below;
    this.popover.style.left = `${left}px`;
    this.popover.style.top = `${top}px`;
  }
}
