// Lanes that scroll together: when a person scrolls one lane (wheel, touch, keys, scroll bar),
// the others follow to the same character (scroll-mapping.js). Only the lane the person last
// used leads, so the page's own scrolling (following new text, the others being aligned)
// never sets off more.
import { followingScrollTop } from '../scroll-mapping.js';

const INPUTS = ['wheel', 'touchstart', 'pointerdown', 'keydown'];

function geometry(text) {
  const { scroller } = text;
  return { segments: text.segments(), scrollTop: scroller.scrollTop,
    maxScrollTop: Math.max(0, scroller.scrollHeight - scroller.clientHeight) };
}

export class ScrollTogether {
  // checkbox: on when lanes scroll together; texts(): the LaneTexts of the lanes shown.
  constructor(checkbox, texts) {
    this.checkbox = checkbox;
    this.texts = texts;
    this.leader = null;
    this.frame = null;
    checkbox.addEventListener('change', () => this.schedule());
  }

  get on() {
    return this.checkbox.checked;
  }

  watch(text) {
    const lead = () => {
      this.leader = text;
    };
    INPUTS.forEach((type) => text.scroller.addEventListener(type, lead, { passive: true }));
    text.scroller.addEventListener('scroll', () => {
      if (this.leader === text) this.schedule();
    }, { passive: true });
  }

  schedule() {
    if (this.frame === null && this.on) this.frame = requestAnimationFrame(() => this.align());
  }

  // Every lane to the leader's character (the first lane's if none has led yet). All layouts
  // are read before any lane is scrolled.
  align() {
    this.frame = null;
    if (!this.on) return;
    const texts = this.texts();
    const leader = texts.includes(this.leader) ? this.leader : texts[0];
    if (!leader) return;
    const from = geometry(leader);
    const moves = texts.filter((text) => text !== leader)
      .map((text) => [text, followingScrollTop(from, geometry(text))]);
    moves.forEach(([text, top]) => {
      text.scroller.scrollTop = top;
    });
  }
}
