// The list of model bundles, from models/index.json: [{id, name, unavailable}], in its order.
// `unavailable` is null for a bundle the page may load, else the reason it cannot: the server
// marks bundles whose problems it finds without loading weights, and the page marks the ones
// that fail to load. A bundle marked unavailable is listed, never fetched.

function entryFrom(raw, index, seen) {
  const id = typeof raw?.id === 'string' && raw.id !== '' ? raw.id : null;
  const name = typeof raw?.name === 'string' && raw.name !== '' ? raw.name : id ?? `entry ${index + 1}`;
  let unavailable = null;
  if (id === null) unavailable = `models/index.json gives entry ${index + 1} no "id"`;
  else if (seen.has(id)) unavailable = `models/index.json lists "${id}" twice`;
  else if (typeof raw.unavailable === 'string' && raw.unavailable !== '') unavailable = raw.unavailable;
  else if (raw.unavailable !== undefined && raw.unavailable !== null && raw.unavailable !== false) {
    unavailable = 'the server marks it unavailable';
  }
  seen.add(id);
  return { id, name, unavailable };
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
  const models = index?.models;
  if (!Array.isArray(models)) throw new Error('the model list models/index.json has no "models" list');
  if (models.length === 0) throw new Error('no model bundle is available');
  const seen = new Set();
  return models.map((raw, i) => entryFrom(raw, i, seen));
}

// A line naming the bundle and why it cannot be used.
export function unavailableLine(entry) {
  const folder = entry.id === null ? '' : ` (models/${entry.id}/)`;
  return `model "${entry.name}"${folder} is unavailable: ${entry.unavailable}`;
}
