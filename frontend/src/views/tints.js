// How strongly a character is tinted: the share of the full colour (0..1, as a CSS number),
// and which colour. Activations lie in -1..1 and get the diverging pair (style.css:
// --tint-below, --tint-above); influences are 0 or more and get one colour, full at the
// context's largest. The strength follows the value linearly, so equal steps look equal.

// value in -1..1 -> {className, alpha}
export function tintOf(value) {
  const alpha = Math.min(1, Math.abs(value)).toFixed(3);
  return { className: value < 0 ? 'tint-below' : 'tint-above', alpha };
}

// influence >= 0 against the largest of its context -> {className, alpha}
export function influenceTint(influence, largest) {
  const alpha = largest > 0 ? Math.min(1, influence / largest).toFixed(3) : '0.000';
  return { className: 'tint-above', alpha };
}
