// Where a panel goes beside a character on the screen, so that it is read where the eye is and
// never covers the character. Pure: rectangles in, a position out (viewport pixels, as
// getBoundingClientRect gives them).

const GAP = 6; // between the character and the panel
const MARGIN = 8; // between the panel and the edge of the screen

function clamp(value, low, high) {
  return Math.max(low, Math.min(value, high));
}

// target: the character's {left, top, right, bottom}; panel: its natural {width, height};
// viewport: {width, height}. Returns {side, left, top, width, maxHeight}: below or above the
// character's line when the panel fits there, else beside it on the roomier side, else in the
// taller of the spaces above and below with a height that fits (the panel then scrolls).
export function placeBeside(target, panel, viewport) {
  const width = Math.min(panel.width, viewport.width - 2 * MARGIN);
  const inWidth = (left) => clamp(left, MARGIN, viewport.width - MARGIN - width);
  const below = viewport.height - MARGIN - (target.bottom + GAP);
  const above = target.top - GAP - MARGIN;
  const left = inWidth(target.left - 2 * GAP);
  if (panel.height <= below) return { side: 'below', left, top: target.bottom + GAP, width, maxHeight: below };
  if (panel.height <= above) return { side: 'above', left, top: target.top - GAP - panel.height, width, maxHeight: above };
  const right = viewport.width - MARGIN - (target.right + GAP);
  const leftRoom = target.left - GAP - MARGIN;
  const tall = viewport.height - 2 * MARGIN;
  if (Math.max(right, leftRoom) >= width) {
    const height = Math.min(panel.height, tall);
    const top = clamp(target.top - height / 3, MARGIN, viewport.height - MARGIN - height);
    const x = right >= width ? target.right + GAP : target.left - GAP - width;
    return { side: right >= width ? 'right' : 'left', left: x, top, width, maxHeight: tall };
  }
  if (below >= above) return { side: 'below', left, top: target.bottom + GAP, width, maxHeight: Math.max(below, 0) };
  const height = Math.max(above, 0);
  return { side: 'above', left, top: target.top - GAP - height, width, maxHeight: height };
}

// How far to scroll the page (positive: down) so that the character sits in view above a sheet
// of `sheetHeight` at the bottom of a viewport `viewportHeight` tall; 0 when it already does.
export function scrollAboveSheet(target, sheetHeight, viewportHeight) {
  const lowest = viewportHeight - sheetHeight - MARGIN;
  if (target.bottom > lowest) return target.bottom - lowest;
  if (target.top < MARGIN) return target.top - MARGIN;
  return 0;
}

// Whether two rectangles share any area.
export function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}
