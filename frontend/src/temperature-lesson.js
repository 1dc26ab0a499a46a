// What a temperature does to one distribution, for the first-step chart's slider: the shares
// softmax(log p / T) (the sampling contract's temperature step, without a lane's filters) and
// one plain sentence about them. Pure: no page, no model.
import { laneDistribution } from './likelihood.js';

export const SLIDER = { min: 0, max: 2, step: 0.05, start: 1 };
const TOP = 10; // "the rarer characters": those outside the model's ten first choices

// The shares at temperature t (t = 0: all on the model's first choice).
export function sharesAt(p, t) {
  return laneDistribution(p, t);
}

// Indices of p, most likely first (ties: the lower index first, as ranks go).
export function byLikelihood(p) {
  return Array.from(p.keys()).sort((a, b) => p[b] - p[a] || a - b);
}

// 0.4123 -> '41 %', small shares kept readable: '0.4 %', '< 0.1 %'.
export function roundShare(share) {
  const pct = share * 100;
  if (pct === 0) return '0 %';
  if (pct < 0.1) return '< 0.1 %';
  if (pct < 9.95) return `${pct.toFixed(1).replace(/\.0$/, '')} %`;
  if (pct > 99 && pct < 100) return `${Math.min(99.9, Math.floor(pct * 10) / 10)} %`;
  return `${Math.round(pct)} %`;
}

// The temperature as the slider shows it: 0.7, 1, 1.25.
export function temperatureText(t) {
  return String(Math.round(t * 100) / 100);
}

// {first, firstModel, rare, rareModel}: the first choice's share at t and at T = 1, and the
// share of all characters outside the model's TOP first choices at t and at T = 1.
export function temperatureFacts(p, t) {
  const q = sharesAt(p, t);
  const model = sharesAt(p, 1);
  const order = byLikelihood(p);
  const rest = order.slice(TOP);
  const sum = (values) => rest.reduce((total, i) => total + values[i], 0);
  return { first: q[order[0]], firstModel: model[order[0]], rare: sum(q), rareModel: sum(model), firstIndex: order[0] };
}

// One sentence on what the temperature t does to p; name(i) is how character i is written.
export function temperatureSentence(p, t, name = (i) => String(i)) {
  const { first, firstModel, rare, rareModel, firstIndex } = temperatureFacts(p, t);
  const at = `At ${temperatureText(t)}`;
  const choice = `the first choice (${name(firstIndex)})`;
  if (t === 0) {
    return `${at} the text always takes ${choice}: no chance at all, the same text every time, often repeating itself.`;
  }
  if (Math.abs(t - 1) < 1e-9) {
    return `${at} each draw follows the model's own odds: ${choice} ${roundShare(first)}, ` +
      `the characters outside its top ${TOP} ${roundShare(rare)} together.`;
  }
  if (t < 1) {
    return `${at} ${choice} takes ${roundShare(first)} of the draws (the model gives it ${roundShare(firstModel)}): ` +
      `the text keeps to the likeliest characters, safer and more repetitive.`;
  }
  return `${at} ${choice} falls to ${roundShare(first)} (the model gives it ${roundShare(firstModel)}) ` +
    `and the characters outside its top ${TOP} get ${roundShare(rare)} together (${roundShare(rareModel)} at 1): ` +
    'rarer characters get a real chance, and the text grows more surprising, then garbled.';
}
