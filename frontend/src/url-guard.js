// Makes the address safe before TensorFlow.js reads it. TensorFlow.js parses the query when its
// module is evaluated: it decodes every name and value with decodeURIComponent, which throws on
// malformed percent-encoding (?seed=100%) and leaves the page dead, and it takes ?tfjsflags= as
// its own settings (debug logging, precision, the WebGL version), which could change the text.
// main.js imports this module first, so it is evaluated before any module that imports
// TensorFlow.js. The query is rewritten well-formed and without tfjsflags; what changed is
// kept in `addressNotes` for the page to show.

const IGNORED = 'tfjsflags';

// How TensorFlow.js splits the query (tfjs-core environment.js, getQueryParams): a name ends at
// '=', '?' or '&', a value at '&', and both go through decodeURIComponent.
const TFJS_PARAM = /[?&]([^=?&]+)(?:=([^&]*))?/g;

function tfjsReadsSafely(search) {
  try {
    for (const [, name, value] of search.matchAll(TFJS_PARAM)) {
      if (decodeURIComponent(name) === IGNORED) return false;
      decodeURIComponent(value || '');
    }
    return true;
  } catch {
    return false;
  }
}

// decodeURIComponent as a form decoder uses it ('+' is a space); false where it would throw.
function wellFormed(raw) {
  try {
    decodeURIComponent(raw.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

export function quote(text, limit = 60) {
  const shown = JSON.stringify(text);
  return shown.length > limit ? `${shown.slice(0, limit - 2)}…"` : shown;
}

// The query's parameters as URLSearchParams decodes them (leniently: a stray '%' stays as it
// is), with a note for each one the page cannot take as written.
function readParameters(search) {
  const kept = [];
  const notes = [];
  for (const piece of search.replace(/^\?/, '').split('&')) {
    if (!piece) continue;
    const at = piece.indexOf('=');
    const rawName = at < 0 ? piece : piece.slice(0, at);
    const rawValue = at < 0 ? '' : piece.slice(at + 1);
    const [[name, value]] = [...new URLSearchParams(`${rawName}=${rawValue}`)];
    if (!wellFormed(rawName)) {
      notes.push(`the URL parameter name ${quote(rawName)} is not valid percent-encoding; ignored`);
    } else if (name === IGNORED) {
      notes.push(`${IGNORED} ${quote(value)} in the URL is ignored: the page sets TensorFlow.js's flags itself`);
    } else {
      if (!wellFormed(rawValue)) {
        notes.push(`${name} ${quote(rawValue)} in the URL is not valid percent-encoding; read as ${quote(value)}`);
      }
      kept.push([name, value]);
    }
  }
  return { kept, notes: briefly(notes) };
}

// The first few notes; a URL can hold thousands of bad parameters.
function briefly(notes, shown = 5) {
  const more = notes.length - shown;
  return more > 0 ? [...notes.slice(0, shown), `and ${more.toLocaleString('en')} more URL parameters like these`] : notes;
}

function sanitizeAddress() {
  const { search, pathname, hash } = window.location;
  if (tfjsReadsSafely(search)) return [];
  const { kept, notes } = readParameters(search);
  const query = new URLSearchParams(kept).toString(); // well-formed: '%' and '?' are escaped
  try {
    window.history.replaceState(window.history.state, '', `${pathname}${query ? `?${query}` : ''}${hash}`);
  } catch (error) {
    notes.push(`the address could not be rewritten (${error.message})`);
  }
  return notes;
}

export const addressNotes = sanitizeAddress();
