// The look of <tempera-lanes>, inside its shadow root: the page's palette (frontend/style.css),
// light and dark, with its own background so the contrast holds on any host page. A host page
// may set any of the custom properties on the element (tempera-lanes { --rank-1: … }).
export const LANES_STYLE = `
:host {
  display: block;
  color-scheme: light dark;
  --text: #1d1d1f; --background: #fafafa; --muted: #555; --surface: #fff; --border: #ccc;
  --error: #a00;
  --rank-1: #d6eaf8; --rank-2-3: #f7eda0; --rank-4-10: #f6c98a; --rank-over-10: #e7b7d4;
  --lane-height: 22em;
}
@media (prefers-color-scheme: dark) {
  :host {
    --text: #e8e8ea; --background: #151517; --muted: #b4b4b8; --surface: #1f1f22; --border: #444;
    --error: #ff9b9b;
    --rank-1: #16334a; --rank-2-3: #4a4312; --rank-4-10: #5e3a0c; --rank-over-10: #5a2346;
  }
}
:host([hidden]) { display: none; }
.root {
  box-sizing: border-box; height: 100%; display: flex; flex-direction: column; gap: 0.5rem;
  padding: 0.6rem; font-family: system-ui, sans-serif; color: var(--text); background: var(--background);
  border: 1px solid var(--border); border-radius: 6px;
}
.status { margin: 0; min-height: 1.2em; color: var(--muted); font-size: 0.9rem; }
.status[data-state=error] { color: var(--error); }
.lanes {
  flex: 1; min-height: 0; overflow: auto; display: grid; gap: 0.6rem;
  grid-template-columns: repeat(auto-fit, minmax(min(100%, 14rem), 1fr));
}
.lane {
  display: flex; flex-direction: column; min-width: 0; min-height: 0; background: var(--surface);
  border: 1px solid var(--border); border-radius: 6px; padding: 0.4rem 0.6rem;
}
.lane .title { margin: 0 0 0.3rem; font-size: 0.95rem; font-weight: 600; }
.lane .title .filters { font-weight: normal; color: var(--muted); }
.text {
  margin: 0; flex: 1; min-height: 4em; max-height: var(--lane-height); overflow: auto;
  white-space: pre-wrap; overflow-wrap: anywhere; font: 0.95rem/1.5 ui-monospace, monospace;
}
.text:focus-visible { outline: 2px solid var(--text); outline-offset: 2px; }
.seed { color: var(--muted); }
/* Colour and line together, so colour is not the only cue: a line under every pick below
   rank 1, heavier for rarer ones (as the page draws them where colours are replaced). */
.rank-1 { background: var(--rank-1); }
.rank-2-3 { background: var(--rank-2-3); text-decoration: underline dotted; }
.rank-4-10 { background: var(--rank-4-10); text-decoration: underline dashed; }
.rank-over-10 { background: var(--rank-over-10); text-decoration: underline double; }
.drawn span { text-underline-offset: 2px; }
.sr-only {
  position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: pre-wrap; border: 0;
}
.stats { display: flex; flex-wrap: wrap; gap: 0 0.9rem; margin: 0.4rem 0 0; font-size: 0.8rem; color: var(--muted); }
.stats div { display: flex; gap: 0.3rem; }
.stats dt, .stats dd { margin: 0; }
.legend { display: flex; flex-wrap: wrap; gap: 0.3rem 0.8rem; margin: 0; padding: 0; list-style: none; font-size: 0.85rem; }
.legend li span { padding: 0 0.3rem; border-radius: 3px; }
@media (forced-colors: active) {
  .root, .lane { border-color: CanvasText; }
}
`;
