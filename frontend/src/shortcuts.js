// The page's keyboard shortcuts: Ctrl+Enter (⌘ Enter on a Mac) generates, from anywhere on the
// page, the seed's text box included; Escape stops a run.

// For aria-keyshortcuts.
export const SHORTCUT_KEYS = Object.freeze({ generate: 'Control+Enter Meta+Enter', stop: 'Escape' });

// 'generate', 'stop', or null: what a keydown (or anything with its key and modifier fields)
// asks of the page. A key another part of the page has handled (defaultPrevented) or one that
// composes a character (an input method) is left alone.
export function shortcutOf({ key, ctrlKey = false, metaKey = false, altKey = false, shiftKey = false,
  defaultPrevented = false, isComposing = false }) {
  if (defaultPrevented || isComposing || altKey || shiftKey) return null;
  if (key === 'Enter' && (ctrlKey || metaKey)) return 'generate';
  if (key === 'Escape' && !ctrlKey && !metaKey) return 'stop';
  return null;
}

// The hint beside the buttons, in the keys of the person's system.
export function shortcutHint(platform = '') {
  return /mac|iphone|ipad/i.test(platform) ? '⌘ Enter generates · Esc stops' : 'Ctrl+Enter generates · Esc stops';
}
