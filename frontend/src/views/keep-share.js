// Keeping and sharing what the page wrote: copying to the clipboard (with a fallback where the
// asynchronous clipboard is missing or refused), downloading a file, and the confirmation a
// person sees on the button and a screen reader hears.
const DONE_MS = 2000; // how long a button shows that it did its job

// Writes `text` to the clipboard; resolves to whether it worked.
export async function copyText(text, doc = document) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // an insecure page, or a browser that refuses: the older way
  }
  const focused = doc.activeElement;
  const area = doc.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.setAttribute('aria-hidden', 'true');
  area.className = 'clipboard-copy';
  doc.body.append(area);
  area.select();
  let copied = false;
  try {
    copied = doc.execCommand('copy');
  } catch {
    copied = false;
  }
  area.remove();
  focused?.focus?.({ preventScroll: true });
  return copied;
}

// Offers `text` as a file named `name` of type `type`.
export function download(text, name, type, doc = document) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = doc.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

// A button whose label gives way, for a while after it worked, to a second one ("Copied") in
// the same place: both share one grid cell, so the button keeps its width, and its name is
// the label shown.
export function keepButton(button, doneLabel) {
  const label = button.ownerDocument.createElement('span');
  label.className = 'keep-label';
  label.append(...button.childNodes);
  const done = button.ownerDocument.createElement('span');
  done.className = 'keep-done';
  done.textContent = doneLabel;
  button.replaceChildren(label, done);
  button.classList.add('keep-button');
  return button;
}

// Says what happened: on the button for a while, and in the live region `announcer`.
export function confirm(button, announcer, sentence, worked = true) {
  announcer.textContent = '';
  // a fresh text node each time, so that the same sentence twice is heard twice
  announcer.append(sentence);
  if (!button) return;
  button.classList.toggle('done', worked);
  clearTimeout(button.doneTimer);
  button.doneTimer = setTimeout(() => button.classList.remove('done'), DONE_MS);
}
