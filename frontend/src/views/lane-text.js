// A text with one element per character, coloured by how likely the model found it, for a lane
// or a scored text. A long text would be hundreds of thousands of elements, so the text is kept
// in chunks: a chunk on screen (or near it) holds one <span data-step> per character, any other
// chunk one plain text node. The characters themselves stay in an array, for the inspector.
// After the first, each chunk is a block that starts just after a line break (or a space, in a
// text without them), which looks the same as one flowing text but lets the browser lay out
// only the chunk that grows, not the whole lane, as characters arrive.
// While a run streams, an element per character would cost more than the model's step, so the
// text on screen is plain and tinted through the CSS Custom Highlight API (ranges, no elements);
// the chunks on screen get their elements when the run ends, and any chunk as soon as a person
// points at it or moves into it by keyboard.
import { RANK_BUCKETS, rankBucket } from '../likelihood.js';

const CHUNK = 128; // a chunk ends at the first line break after this many characters,
const CHUNK_AT_SPACE = 256; // else at the first space after this many,
const CHUNK_MOST = 512; // and at this many regardless
const NEAR_SCREEN = '300px'; // how far off screen a chunk keeps its elements
const BUCKET_CLASSES = RANK_BUCKETS.map((bucket) => bucket.className);

// One Highlight per bucket, shared by every text on the page; false where the browser has none.
let tints = null;

function bucketTints() {
  if (tints === null) {
    const supported = typeof CSS !== 'undefined' && CSS.highlights && typeof Highlight === 'function';
    tints = supported ? BUCKET_CLASSES.map((name) => {
      const highlight = new Highlight();
      CSS.highlights.set(name, highlight);
      return highlight;
    }) : false;
  }
  return tints;
}

export class LaneText {
  // scroller: the element that scrolls (and takes the keyboard); target: where the characters
  // go; prefix: the element that shows the text before the first step (the seed).
  constructor({ scroller, target, prefix }) {
    this.scroller = scroller;
    this.target = target;
    this.prefix = prefix;
    this.observer = new IntersectionObserver((entries) => this.onVisibility(entries), {
      root: scroller,
      rootMargin: NEAR_SCREEN,
    });
    this.reset('', null);
  }

  // Starts a new text after `prefixText`; records (StepRecords) colour it, or null for plain text.
  // streaming: characters will arrive during a run (see settle()).
  reset(prefixText, records, { streaming = false } = {}) {
    this.observer.disconnect();
    this.chunks?.forEach((chunk) => this.untint(chunk));
    this.streaming = streaming && records !== null && Boolean(bucketTints());
    this.prefix.textContent = prefixText;
    this.target.replaceChildren();
    this.prefixText = prefixText;
    this.records = records;
    this.chars = [];
    this.chunks = []; // {element, start, end, hydrated}, in text order
    this.chunkOf = new Map(); // element -> chunk
    this.shown = 0; // characters in the DOM
    this.active = null; // the step marked for the inspector
  }

  // Adds one character; it reaches the screen on the next write().
  push(char) {
    this.chars.push(char);
  }

  // Adds a whole text at once (a scored text).
  pushAll(chars) {
    for (const c of chars) this.chars.push(c);
    this.write();
  }

  // Whether the text is scrolled to its end: then it follows new characters. A reader scrolled
  // back stays where they are. Read all lanes' before writing any, so layout runs once.
  atEnd() {
    const { scroller } = this;
    return scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 4;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  scrollToStart() {
    this.scroller.scrollTop = 0;
  }

  // The text's layout for scroll-mapping.js: the seed, then each chunk shown, with their heights
  // in the scrolled content.
  segments() {
    const { scroller } = this;
    const base = scroller.getBoundingClientRect().top + scroller.clientTop - scroller.scrollTop;
    const segment = (element, start, end) => {
      const { top, bottom } = element.getBoundingClientRect();
      return { start, end, top: top - base, bottom: bottom - base };
    };
    const seedLength = Array.from(this.prefixText).length;
    const segments = seedLength ? [segment(this.prefix, -seedLength, 0)] : [];
    this.chunks.forEach((chunk) => {
      if (chunk.end > chunk.start) segments.push(segment(chunk.element, chunk.start, chunk.end));
    });
    return segments;
  }

  // Puts the characters pushed since the last write into the page.
  write() {
    while (this.shown < this.chars.length) {
      let chunk = this.chunks[this.chunks.length - 1];
      if (!chunk || chunk.closed) chunk = this.newChunk(this.shown);
      const end = this.chunkEnd(chunk);
      if (chunk.hydrated) chunk.element.append(this.spans(this.shown, end));
      else {
        const node = document.createTextNode(this.chars.slice(this.shown, end).join(''));
        chunk.element.append(node);
        if (this.streaming && chunk.visible) this.tint(chunk, node, this.shown, end);
      }
      chunk.end = end;
      this.shown = end;
    }
  }

  // Where `chunk` ends among the characters not yet shown (closing it), or the text's end.
  chunkEnd(chunk) {
    for (let at = this.shown; at < this.chars.length; at++) {
      const size = at + 1 - chunk.start;
      const c = this.chars[at];
      if ((size >= CHUNK && c === '\n') || (size >= CHUNK_AT_SPACE && c === ' ') || size >= CHUNK_MOST) {
        chunk.closed = true;
        return at + 1;
      }
    }
    return this.chars.length;
  }

  newChunk(start) {
    const element = document.createElement('span');
    if (this.chunks.length) element.className = 'chunk-block';
    const chunk = {
      element, start, end: start, closed: false,
      hydrated: this.records !== null && !this.streaming,
      visible: true, // new text is written at the end, where the reader is
      tinted: [], // [bucket, Range] while streaming
    };
    this.chunks.push(chunk);
    this.chunkOf.set(element, chunk);
    this.target.append(element);
    this.observer.observe(element);
    return chunk;
  }

  // Elements for the characters of steps [from, to).
  spans(from, to) {
    const fragment = document.createDocumentFragment();
    const { rank } = this.records;
    for (let step = from; step < to; step++) {
      const span = document.createElement('span');
      span.className = BUCKET_CLASSES[rankBucket(rank[step])];
      span.setAttribute('data-step', step);
      span.append(this.chars[step]);
      fragment.append(span);
    }
    return fragment;
  }

  // Ranges over the text node `node` (steps from..to) for each stretch of one bucket.
  tint(chunk, node, from, to) {
    const highlights = bucketTints();
    const { rank } = this.records;
    let offset = 0;
    let runStart = 0;
    let bucket = rankBucket(rank[from]);
    for (let step = from; step <= to; step++) {
      const next = step < to ? rankBucket(rank[step]) : -1;
      if (next !== bucket) {
        const range = new Range();
        range.setStart(node, runStart);
        range.setEnd(node, offset);
        highlights[bucket].add(range);
        chunk.tinted.push([bucket, range]);
        runStart = offset;
        bucket = next;
      }
      if (step < to) offset += this.chars[step].length; // UTF-16 units, as ranges count
    }
  }

  untint(chunk) {
    if (!chunk.tinted.length) return;
    const highlights = bucketTints();
    chunk.tinted.forEach(([bucket, range]) => highlights[bucket].delete(range));
    chunk.tinted = [];
  }

  onVisibility(entries) {
    for (const entry of entries) {
      const chunk = this.chunkOf.get(entry.target);
      if (!chunk) continue;
      chunk.visible = entry.isIntersecting;
      if (!entry.isIntersecting) this.dehydrate(chunk);
      else if (!this.streaming) this.hydrate(chunk);
      else if (!chunk.hydrated && !chunk.tinted.length) this.retint(chunk);
    }
  }

  // A chunk scrolled back into view while the run streams: tinted again, as one text node.
  retint(chunk) {
    const node = document.createTextNode(this.chars.slice(chunk.start, chunk.end).join(''));
    chunk.element.replaceChildren(node);
    if (chunk.end > chunk.start) this.tint(chunk, node, chunk.start, chunk.end);
  }

  // The run has ended: the chunks on screen get their elements.
  settle() {
    this.streaming = false;
    this.chunks.forEach((chunk) => {
      if (chunk.visible) this.hydrate(chunk);
    });
  }

  // The chunk `element` gets its elements (a person points at it during a run).
  hydrateElement(element) {
    const chunk = this.chunkOf.get(element);
    if (chunk) this.hydrate(chunk);
  }

  hydrate(chunk) {
    if (chunk.hydrated || this.records === null) return;
    this.untint(chunk);
    chunk.element.replaceChildren(this.spans(chunk.start, chunk.end));
    chunk.hydrated = true;
    const { active } = this;
    if (active !== null && active >= chunk.start && active < chunk.end) {
      chunk.element.children[active - chunk.start].classList.add('active');
    }
  }

  dehydrate(chunk) {
    this.untint(chunk);
    if (!chunk.hydrated || chunk === this.chunks[this.chunks.length - 1]) return;
    chunk.element.replaceChildren(this.chars.slice(chunk.start, chunk.end).join(''));
    chunk.hydrated = false;
  }

  // The element of `step`, made if its chunk holds plain text; null if not shown yet.
  elementOf(step) {
    if (step >= this.shown) return null;
    const chunk = this.chunkAt(step);
    this.hydrate(chunk);
    return chunk.hydrated ? chunk.element.children[step - chunk.start] : null;
  }

  // The chunk that holds `step` (shown), by bisection.
  chunkAt(step) {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.chunks[middle].start <= step) low = middle;
      else high = middle - 1;
    }
    return this.chunks[low];
  }

  // Marks the step the inspector shows (null: none), and scrolls it into view if asked.
  mark(step, { scroll = false } = {}) {
    this.target.querySelector('.active')?.classList.remove('active');
    this.active = step;
    if (step === null) return;
    const element = this.elementOf(step);
    if (!element) return;
    element.classList.add('active');
    if (scroll) element.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  get length() {
    return this.chars.length;
  }

  // The `count` characters before `step`, the prefix included.
  textBefore(step, count) {
    const own = this.chars.slice(Math.max(0, step - count), step).join('');
    const fromPrefix = Math.max(0, count - step);
    return (fromPrefix ? Array.from(this.prefixText).slice(-fromPrefix).join('') : '') + own;
  }

  text() {
    return this.chars.join('');
  }
}
