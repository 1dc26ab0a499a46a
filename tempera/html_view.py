"""Samples and scored texts as the page shows them: HTML for Jupyter, plain text for a terminal.

The HTML is self-contained (one <style>, no script): lanes side by side, each character tinted
by its rank with the page's own classes and colours (frontend/src/likelihood.js RANK_BUCKETS,
frontend/style.css; tests/test_python_api.py holds them together), and the lane statistics as
the page words them.
"""

import html
import itertools
import math
import uuid

from .sampling import js_number

# (class, the highest rank it holds, what the page's legend says), in rank order.
RANK_BUCKETS = (("rank-1", 1, "the model's first choice"),
                ("rank-2-3", 3, "2nd or 3rd"),
                ("rank-4-10", 10, "4th to 10th"),
                ("rank-over-10", math.inf, "further down (underlined)"))
# The page's tints (style.css --rank-*), light and dark.
RANK_COLOURS = {"rank-1": ("#d6eaf8", "#16334a"), "rank-2-3": ("#f7eda0", "#4a4312"),
                "rank-4-10": ("#f6c98a", "#5e3a0c"), "rank-over-10": ("#e7b7d4", "#5a2346")}
# Where the notebook says its theme, it wins over the system's: JupyterLab's and VS Code's.
DARK_THEMES = ('[data-jp-theme-light="false"]', "body.vscode-dark")
LIGHT_THEMES = ('[data-jp-theme-light="true"]', "body.vscode-light")
# The page's palette, light and dark (style.css :root). The view paints its own background, so
# that it reads the same in a notebook whose theme is not the system's.
LIGHT_LINES = ("--tempera-text: #1d1d1f; --tempera-background: #fafafa; --tempera-surface: #fff; "
               "--tempera-border: #ccc; --tempera-faint: #5c5c5c;")
DARK_LINES = ("--tempera-text: #e8e8ea; --tempera-background: #151517; --tempera-surface: #1f1f22; "
              "--tempera-border: #444; --tempera-faint: #a8a8ad;")
# Above this many characters a text is tinted in runs of one bucket, without a hover per
# character, and above SHOWN_CHARS only its beginning is shown: a notebook stays light.
HOVER_CHARS = 2_000
SHOWN_CHARS = 20_000
# The page's statistics (frontend/src/views/lane-stats.js): key, label, how a value reads, and
# what it means.
STATISTICS = (
    ("chars", "chars", lambda v: f"{v:,}", "characters generated in this lane"),
    ("bits_per_char", "bits/char", lambda v: f"{v:.2f}",
     "mean −log₂ p of the drawn characters under the model at T = 1: how surprising the text is "
     "to the model"),
    ("entropy_bits", "entropy", lambda v: f"{v:.2f} bits",
     "mean entropy of the distributions this lane drew from: how open each choice was"),
    ("top1_share", "top-1", lambda v: f"{math.floor(v * 100 + 0.5)} %",
     "share of characters that were the model's most likely pick"),
    ("distinct4", "distinct 4-grams", lambda v: f"{v:.2f}",
     "distinct 4-character substrings / all of them: 1 never repeats, low values loop"),
)


def rank_class(rank: int) -> str:
    """The page's class for a rank: the first bucket that reaches it."""
    return next(name for name, up_to, _ in RANK_BUCKETS if rank <= up_to)


def kind_of(temperature: float) -> str:
    """The page's word for what a temperature does."""
    if temperature == 0:
        return "greedy"
    if temperature < 0.4:
        return "cautious"
    return "balanced" if temperature <= 1 else "adventurous"


def lane_heading(lane) -> str:
    """`tempera sample`'s line above a lane."""
    label = "greedy" if lane.temperature == 0 else lane.temperature
    active = lane.filters.label() if lane.temperature != 0 else ""
    return f"------ temperature: {label}" + (f" · {active}" if active else "")


def stats_line(stats: dict) -> str:
    return " · ".join(f"{label} {'–' if stats[key] is None else shown(stats[key])}"
                      for key, label, shown, _ in STATISTICS)


# ---- plain text -------------------------------------------------------------------------------
def sample_text(sample) -> str:
    """What `tempera sample` prints for the lanes."""
    return "\n".join(f"{lane_heading(lane)}\n{sample.seed_text}{lane.text}" for lane in sample.lanes)


def sample_summary(sample) -> str:
    """The terminal's view: what was asked, the notes, each lane with its statistics."""
    lengths = sorted({len(lane.text) for lane in sample.lanes})
    lines = [f"<tempera sample of {sample.model_name!r}: {len(sample.lanes)} lane(s) × "
             f"{'/'.join(map(str, lengths))} characters, rng seed {sample.rng_seed}, {sample.mode}>"]
    lines += [f"note: {note}" for note in sample.notes]
    for lane in sample.lanes:
        stats = f"  ({stats_line(lane.statistics())})" if lane.records is not None else ""
        lines += [lane_heading(lane) + stats, sample.seed_text + lane.text]
    return "\n".join(lines)


def score_line(scored) -> str:
    """What `tempera score` prints."""
    bits = scored.nats_per_char / math.log(2)
    return (f"{bits:.4f} bits/char ({scored.nats_per_char:.4f} nats/char) over "
            f"{scored.scored:,} characters scored ({scored.mode}; the first character is "
            f"context only), {scored.dropped:,} dropped")


def score_summary(scored) -> str:
    text = scored.text if len(scored.text) <= SHOWN_CHARS else scored.text[:SHOWN_CHARS] + "…"
    lines = [f"<tempera score under {scored.model_name!r}: {score_line(scored)}>"]
    lines += [f"note: {note}" for note in scored.notes]
    return "\n".join(lines + [text])


# ---- HTML ---------------------------------------------------------------------------------------
def _style(root: str) -> str:
    """The page's look for the lanes, scoped to one output (`root`)."""
    def tints(which: int, prefix: str = "") -> str:
        return " ".join(f"{prefix}{root} .{name} {{ background: {colours[which]}; }}"
                        for name, colours in RANK_COLOURS.items())

    themed = " ".join(f"{tints(1, f'{theme} ')} {theme} {root} {{ {DARK_LINES} }}" for theme in DARK_THEMES)
    themed += " " + " ".join(f"{tints(0, f'{theme} ')} {theme} {root} {{ {LIGHT_LINES} }}"
                             for theme in LIGHT_THEMES)
    return f"""<style>
{root} {{ font-family: system-ui, sans-serif; {LIGHT_LINES} color: var(--tempera-text); background: var(--tempera-background); padding: 0.5rem 0.7rem; border-radius: 6px; }}
{root} p {{ margin: 0.2rem 0; }}
{root} .lanes {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 0.8rem; }}
{root} .lane {{ background: var(--tempera-surface); color: var(--tempera-text); border: 1px solid var(--tempera-border); border-radius: 6px; padding: 0.5rem 0.7rem; min-width: 0; }}
{root} .lane header {{ display: flex; gap: 0.6rem; align-items: baseline; }}
{root} .kind, {root} .filters-label, {root} .notes {{ color: var(--tempera-faint); font-size: 0.85rem; }}
{root} pre.lane-scroll {{ color: inherit; white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; font: 0.9rem/1.4 ui-monospace, monospace; margin: 0.4rem 0 0; padding: 0; max-height: 22rem; overflow-y: auto; background: none; }}
{root} .seed-text {{ color: var(--tempera-faint); }}
{tints(0)}
{root} .rank-over-10 {{ text-decoration: underline; text-underline-offset: 2px; }}
{root} .lane-stats {{ display: flex; flex-wrap: wrap; gap: 0.1rem 0.9rem; margin: 0.4rem 0 0; font-size: 0.8rem; }}
{root} .lane-stats div {{ white-space: nowrap; }}
{root} .lane-stats dt, {root} .lane-stats dd {{ display: inline; margin: 0; }}
{root} .lane-stats dt::after {{ content: ':'; }}
{root} .lane-stats dd {{ margin-left: 0.25rem; font-variant-numeric: tabular-nums; }}
{root} .legend {{ display: flex; flex-wrap: wrap; gap: 0.3rem 1rem; list-style: none; padding: 0; margin: 0.3rem 0 0.6rem; font-size: 0.85rem; }}
{root} .swatch {{ display: inline-block; padding: 0 0.35rem; font-family: ui-monospace, monospace; border: 1px solid var(--tempera-border); }}
@media (prefers-color-scheme: dark) {{ {tints(1)} {root} {{ {DARK_LINES} }} }}
{themed}
@media (forced-colors: active) {{ {root} .rank-2-3 {{ text-decoration: underline dotted; }} {root} .rank-4-10 {{ text-decoration: underline dashed; }} {root} .rank-over-10 {{ text-decoration: underline double; }} }}
</style>"""


def _legend() -> str:
    items = "".join(f'<li><span class="swatch {name}" aria-hidden="true">a</span> {html.escape(words)}</li>'
                    for name, _, words in RANK_BUCKETS)
    return ('<ul class="legend" aria-label="What the colours mean: the rank of each character '
            f"in the model's distribution at T = 1\">{items}</ul>")


def _notes(notes: list) -> str:
    return "".join(f'<p class="notes">note: {html.escape(note)}</p>' for note in notes)


def tinted(chars: str, records) -> str:
    """The characters as spans of the page's rank classes: one per character (its p and rank
    on hover) for a short text, one per run of a bucket for a long one."""
    ranks = records.rank.tolist()[:SHOWN_CHARS]
    chars = chars[:SHOWN_CHARS]
    if len(chars) <= HOVER_CHARS:
        ps = records.p.tolist()
        return "".join(f'<span class="{rank_class(rank)}" data-step="{step}" title="p {p:.3g} · '
                       f'rank {rank}">{html.escape(char)}</span>'
                       for step, (char, rank, p) in enumerate(zip(chars, ranks, ps)))
    classes = [rank_class(rank) for rank in ranks]
    spans, start = [], 0
    for name, run in itertools.groupby(classes):
        length = len(list(run))
        spans.append(f'<span class="{name}">{html.escape(chars[start:start + length])}</span>')
        start += length
    return "".join(spans)


def _shown_note(length: int) -> str:
    if length <= SHOWN_CHARS:
        return ""
    return (f'<p class="notes">the first {SHOWN_CHARS:,} of {length:,} characters are shown; '
            "to_json() holds them all</p>")


def _stats(stats: dict) -> str:
    groups = []
    for key, label, shown, explain in STATISTICS:
        value = stats.get(key)
        title = html.escape(explain, quote=True)
        groups.append(f'<div><dt title="{title}">{label}</dt><dd title="{title}" '
                      f'data-value="{"" if value is None else value}">'
                      f"{'–' if value is None else html.escape(shown(value))}</dd></div>")
    return f'<dl class="lane-stats" data-testid="lane-stats">{"".join(groups)}</dl>'


def _lane(seed_text: str, lane) -> str:
    temperature = js_number(lane.temperature)
    filters = lane.filters.label() if lane.temperature != 0 else ""
    header = (f"<header><strong>T = {temperature}</strong>"
              f'<span class="kind">{kind_of(lane.temperature)}</span>'
              + (f'<span class="filters-label">{html.escape(filters)}</span>' if filters else "")
              + "</header>")
    text = (tinted(lane.text, lane.records) if lane.records is not None
            else html.escape(lane.text[:SHOWN_CHARS]))
    return (f'<section class="lane" data-testid="lane" data-temperature="{lane.temperature}">'
            f"{header}<pre class=\"lane-scroll\" tabindex=\"0\">"
            f'<span class="seed-text">{html.escape(seed_text)}</span>'
            f'<span class="generated" data-testid="lane-text">{text}</span></pre>'
            f"{_shown_note(len(lane.text))}"
            f"{_stats(lane.statistics()) if lane.records is not None else ''}</section>")


def _root() -> tuple[str, str]:
    """A class for one output, so that its style reaches no other."""
    name = f"tempera-{uuid.uuid4().hex[:12]}"
    return name, f".tempera-view.{name}"


def sample_html(sample) -> str:
    name, root = _root()
    caption = (f"{html.escape(sample.model_name)} · rng seed {sample.rng_seed} · {sample.mode}")
    lanes = "".join(_lane(sample.seed_text, lane) for lane in sample.lanes)
    return (f'<div class="tempera-view {name}">{_style(root)}'
            f'<p class="notes">{caption}</p>{_notes(sample.notes)}{_legend()}'
            f'<div class="lanes">{lanes}</div></div>')


def score_html(scored) -> str:
    name, root = _root()
    text = scored.text
    body = (f'<span class="seed-text" title="context only">{html.escape(text[:1])}</span>'
            f'<span class="generated" data-testid="lane-text">{tinted(text[1:], scored.records)}</span>')
    return (f'<div class="tempera-view {name}">{_style(root)}'
            f"<p><strong>{html.escape(score_line(scored))}</strong></p>"
            f'<p class="notes">{html.escape(scored.model_name)}</p>{_notes(scored.notes)}{_legend()}'
            f'<section class="lane"><pre class="lane-scroll" tabindex="0">{body}</pre>'
            f"{_shown_note(len(text) - 1)}</section></div>")
