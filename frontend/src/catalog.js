// The list of model bundles, from models/index.json: [{id, name, label, unavailable}], in its
// order. `unavailable` is null for a bundle the page may load, else the reason it cannot: the
// server marks bundles whose problems it finds without loading weights, and the page marks the
// ones that fail to load. A bundle marked unavailable is listed, never fetched. `name` is shown
// in messages, `label` in the model menu: the bundle's folder, which tells every bundle apart,
// with the text it was trained on as detail where that says something more.

// Characters that reorder the text around them (bidirectional embeddings, overrides, isolates
// and marks): a name holding U+202E would show its own words, and those after it, backwards.
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// Text from a bundle (a name, a folder, a reason quoting its files) as it may be shown: each
// bidirectional control written out as its code point, so it is seen and has no effect.
export function displayText(text) {
  return String(text).replace(BIDI_CONTROLS, (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

function entryFrom(raw, index, seen) {
  const id = typeof raw?.id === 'string' && raw.id !== '' ? raw.id : null;
  const given = typeof raw?.name === 'string' && raw.name.trim() !== '' ? raw.name : id ?? `entry ${index + 1}`;
  const name = displayText(given);
  let unavailable = null;
  if (id === null) unavailable = `models/index.json gives entry ${index + 1} no "id"`;
  else if (seen.has(id)) unavailable = `models/index.json lists "${id}" twice`;
  else if (typeof raw.unavailable === 'string' && raw.unavailable !== '') unavailable = raw.unavailable;
  else if (raw.unavailable !== undefined && raw.unavailable !== null && raw.unavailable !== false) {
    unavailable = 'the server marks it unavailable';
  }
  seen.add(id);
  const corpus = raw?.meta?.corpus?.name;
  const trainedOn = displayText(typeof corpus === 'string' && corpus.trim() !== '' ? corpus : name);
  return { id, name, label: name, trainedOn, unavailable };
}

// How a name looks in a menu: spaces collapsed, composed characters as one.
function looks(name) {
  return name.trim().replace(/\s+/g, ' ').normalize('NFC');
}

// Each entry's menu label: its folder (unique in the list), and the text it was trained on
// (its corpus, else its name) where that is not the folder's name already. Two bundles trained
// on the same text read apart; an entry without a folder shows its name.
export function labelEntries(entries) {
  for (const entry of entries) {
    if (entry.id === null) continue;
    const folder = displayText(entry.id);
    entry.label = looks(entry.trainedOn) === looks(folder) ? folder : `${folder} (trained on ${looks(entry.trainedOn)})`;
  }
  return entries;
}

// The entries of a parsed models/index.json.
export function catalogEntries(index) {
  const models = index?.models;
  if (!Array.isArray(models)) throw new Error('the model list models/index.json has no "models" list');
  if (models.length === 0) throw new Error('no model bundle is available');
  const seen = new Set();
  return labelEntries(models.map((raw, i) => entryFrom(raw, i, seen)));
}

export async function fetchCatalog() {
  let response;
  try {
    response = await fetch('models/index.json');
  } catch (error) {
    throw new Error(`the model list models/index.json could not be fetched (${error.message})`);
  }
  if (!response.ok) throw new Error(`the model list models/index.json is missing (HTTP ${response.status})`);
  let index;
  try {
    index = JSON.parse(await response.text());
  } catch (error) {
    throw new Error(`the model list models/index.json is not valid JSON (${error.message})`);
  }
  return catalogEntries(index);
}

// A line naming the bundle and why it cannot be used.
export function unavailableLine(entry) {
  const folder = entry.id === null ? '' : ` (models/${displayText(entry.id)}/)`;
  return `model "${entry.name}"${folder} is unavailable: ${displayText(entry.unavailable)}`;
}

// What the page says about the bundles once it has started on `loaded` (null: on none);
// requestedId: the model the address asks for (null: none), requested: its entry, if listed.
export function startLines(catalog, requestedId, requested, loaded) {
  const lines = catalog.filter((entry) => entry.unavailable).map(unavailableLine);
  if (!loaded) return [...lines, 'no model bundle could be loaded'];
  if (requestedId !== null && !requested) {
    lines.unshift(`model "${displayText(requestedId)}" is not available; showing ${loaded.entry.name}`);
  } else if (lines.length) {
    lines.push(`showing ${loaded.entry.name}`);
  }
  return lines;
}

// The model menu's text for an entry: its label, and why it is unavailable if it is.
export function menuText(entry) {
  return entry.unavailable ? `${entry.label} (unavailable: ${displayText(entry.unavailable)})` : entry.label;
}
