// Pointer and keyboard on a coloured text (views/lane-text.js): pointing at a character shows it
// in the inspector, a click or tap pins it there (a second one unpins), and with the text
// focused the arrow keys move character by character (Home and End jump to the ends, Escape
// unpins). onInspect(step, how) gets how = 'hover', 'pin', 'focus', 'key' or 'unpin'; the page
// decides what is pinned and marks the character.
export function inspectTextBy(laneText, onInspect) {
  const { scroller } = laneText;
  const stepOf = (event) => {
    const element = event.target.closest?.('[data-step]');
    return element && laneText.target.contains(element) ? Number(element.dataset.step) : null;
  };
  const go = (step, how) => {
    if (laneText.records === null || laneText.length === 0) return;
    onInspect(Math.max(0, Math.min(laneText.length - 1, step)), how);
  };
  scroller.addEventListener('mouseover', (event) => {
    const step = stepOf(event);
    if (step !== null) go(step, 'hover');
    else laneText.hydrateElement(event.target); // plain text while a run streams
  });
  scroller.addEventListener('click', (event) => {
    const step = stepOf(event);
    if (step !== null) go(step, 'pin');
  });
  scroller.addEventListener('focus', () => {
    if (laneText.records !== null && laneText.length) go(laneText.active ?? 0, 'focus');
  });
  scroller.addEventListener('keydown', (event) => {
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    const current = laneText.active ?? 0;
    let step = null;
    if (event.key in moves) step = current + moves[event.key];
    else if (event.key === 'Home') step = 0;
    else if (event.key === 'End') step = laneText.length - 1;
    else if (event.key === 'Escape') onInspect(null, 'unpin');
    if (step === null) return;
    event.preventDefault();
    go(step, 'key');
  });
}
