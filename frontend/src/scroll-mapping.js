// Lanes that scroll together: the character at the top of one lane, and where the same
// character sits in another. A lane's text is laid out in segments (the seed, then its chunks,
// views/lane-text.js), each {start, end, top, bottom}: the characters [start, end) (the seed's
// are negative) between two heights. Within a segment, characters are taken as spread evenly
// over its lines, which is exact to a line or so.

// The last segment whose `field` is at most `value` (the first if none is).
function lastAtMost(segments, field, value) {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (segments[middle][field] <= value) low = middle;
    else high = middle - 1;
  }
  return segments[low];
}

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

// The character position (fractional) at height `offset`; 0 for no text.
export function charAtOffset(segments, offset) {
  if (!segments.length) return 0;
  const { start, end, top, bottom } = lastAtMost(segments, 'top', offset);
  const fraction = bottom > top ? clamp((offset - top) / (bottom - top), 0, 1) : 0;
  return start + fraction * (end - start);
}

// The height of character position `position`; 0 for no text.
export function offsetOfChar(segments, position) {
  if (!segments.length) return 0;
  const { start, end, top, bottom } = lastAtMost(segments, 'start', position);
  const fraction = end > start ? clamp((position - start) / (end - start), 0, 1) : 0;
  return top + fraction * (bottom - top);
}

// Where a lane scrolls to follow another: the other's character at its top at this lane's top.
// leader, follower: {segments, scrollTop, maxScrollTop}; a leader scrolled to its end takes the
// follower to its end too (during a run, both then follow the new text).
export function followingScrollTop(leader, follower) {
  if (leader.scrollTop >= leader.maxScrollTop - 1 && leader.maxScrollTop > 0) return follower.maxScrollTop;
  const position = charAtOffset(leader.segments, leader.scrollTop);
  return Math.round(clamp(offsetOfChar(follower.segments, position), 0, follower.maxScrollTop));
}
