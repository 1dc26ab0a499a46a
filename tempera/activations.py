"""Every LSTM layer's h and c after each character of a text: what the cells track.

Two modes, as generation reads a text (docs/sampling.md):
- stateful: one pass over the whole text from a zero state; row t is the state after text[t];
- window:   row t is the state after reading only the last `maxlen` characters ending at t,
            from a zero state (what window-mode generation holds before predicting t + 1).

The text is read as `tempera score` reads it (lowercased for a lowercase model), except that a
character the model does not know is refused rather than dropped: each row belongs to one
character of the text the person gave, so none may silently disappear.
"""

import os

import numpy as np

from .bundle import Bundle, load_bundle
from .errors import TemperaError
from .generate import check_mode
from .vocab import show_chars

ACTIVATION_NOTE = ("h: the layer's output after reading the character; c: the raw cell state "
                   "after it (the page shows it through tanh(c), in -1..1)")
WINDOW_CHUNK = 256  # windows run together: each layer's (windows, maxlen, units) h stays small
DECIMALS = 6


def bundle_of(model_bundle) -> Bundle:
    """A loaded Bundle, a bundle folder, or the name of a shipped model."""
    if isinstance(model_bundle, Bundle):
        return model_bundle
    if not isinstance(model_bundle, (str, os.PathLike)):
        raise TemperaError(f"give a bundle folder or a shipped model's name, got {model_bundle!r}")
    from .api import resolve_bundle

    return load_bundle(resolve_bundle(os.fspath(model_bundle)))


def read_text(bundle: Bundle, text) -> tuple[str, np.ndarray]:
    """The text as the model reads it and its ids; unknown characters are refused."""
    if not isinstance(text, str):
        raise TemperaError(f"the text must be a string, got {type(text).__name__}")
    encoding = bundle.vocab.encode_seed(text, what="text")
    if encoding.dropped:
        count = encoding.dropped_count
        raise TemperaError(f"the text has {count} character{'s' if count != 1 else ''} the model "
                           f"does not know: {show_chars(encoding.dropped)} (every character gets "
                           "its own row, so none is dropped)")
    return encoding.text, encoding.ids


def trace(model, ids: np.ndarray) -> list:
    """Rows of ids (batch, time) through the stack from a zero state: for each layer, its h
    and c after every step, each (batch, time, units)."""
    x = model.layers[0].kernel[ids]  # one-hot input: x @ kernel is a row gather
    traced = []
    for index, layer in enumerate(model.layers):
        if index:
            x = x @ layer.kernel
        h = np.zeros((ids.shape[0], layer.units))
        c = np.zeros_like(h)
        hs, cs = np.empty(ids.shape + (layer.units,)), np.empty(ids.shape + (layer.units,))
        for t in range(ids.shape[1]):
            h, c = layer.step(x[:, t], h, c)
            hs[:, t], cs[:, t] = h, c
        traced.append((hs, cs))
        x = hs
    return traced


def window_rows(model, ids: np.ndarray, maxlen: int) -> list:
    """Per layer, (h, c) of shape (time, units): row t after the window ending at t."""
    # Until the window is full, the window ending at t is the whole prefix: one stateful pass.
    rows = [(h[0], c[0]) for h, c in trace(model, ids[None, :maxlen])]
    for start in range(maxlen, ids.size, WINDOW_CHUNK):
        ends = np.arange(start, min(start + WINDOW_CHUNK, ids.size))
        windows = ids[ends[:, None] - maxlen + 1 + np.arange(maxlen)[None, :]]
        last = [(h[:, -1], c[:, -1]) for h, c in trace(model, windows)]
        rows = [(np.concatenate([h, h_new]), np.concatenate([c, c_new]))
                for (h, c), (h_new, c_new) in zip(rows, last)]
    return rows


def activations(model_bundle, text, mode: str = "stateful") -> dict:
    """What `tempera activations --json` prints: every layer's h and c per character."""
    check_mode(mode)
    bundle = bundle_of(model_bundle)
    read, ids = read_text(bundle, text)
    if mode == "stateful":
        rows = [(h[0], c[0]) for h, c in trace(bundle.model, ids[None, :])]
    else:
        rows = window_rows(bundle.model, ids, bundle.maxlen)
    return {"mode": mode, "text": read, "chars": list(read), "activation_note": ACTIVATION_NOTE,
            "layers": [{"units": int(h.shape[1]), "h": np.round(h, DECIMALS).tolist(),
                        "c": np.round(c, DECIMALS).tolist()} for h, c in rows]}


def most_active(document: dict, count: int = 5) -> list:
    """Per layer, the `count` units with the largest mean |h| over the text, as (unit, mean)."""
    ranked = []
    for layer in document["layers"]:
        mean = np.abs(np.asarray(layer["h"])).mean(axis=0)
        ranked.append([(int(u), float(mean[u])) for u in np.argsort(-mean, kind="stable")[:count]])
    return ranked


def summary(document: dict) -> str:
    """The readable form `tempera activations` prints without --json."""
    lines = [f"{len(document['chars'])} characters read ({document['mode']}): "
             f"{document['text'][:60]!r}{'…' if len(document['text']) > 60 else ''}"]
    for number, (layer, top) in enumerate(zip(document["layers"], most_active(document)), 1):
        units = ", ".join(f"unit {u} ({mean:.3f})" for u, mean in top)
        lines.append(f"layer {number} ({layer['units']} units), most active by mean |h|: {units}")
    lines.append("(--json prints every layer's h and c for every character)")
    return "\n".join(lines)
