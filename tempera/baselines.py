"""What a model's held-out loss means: two baselines measured on the same held-out characters.

- letter frequencies: each character's share of the training text (add-one smoothed, so a
  character the training part never shows still has a chance);
- a character n-gram (order 5 by default): interpolated Kneser-Ney with one absolute discount
  per order, D = n1 / (n1 + 2 n2), counted on the training text and backing off to a uniform
  choice over the vocabulary, so every character has a finite cost.

Both predict the last character of each held-out window of tempera.held_out (a window every few
characters of the held-out part), from the n-1 characters before it inside that window: the same
characters the model's held-out loss is the mean cost of. Counting is NumPy over integer codes of
the n-grams (no Python loop over the text); see bench/baselines.py for its speed.
"""

import math

import numpy as np

from tempera.held_out import held_out_step, split_held_out

NGRAM_ORDER = 5
# The n-gram counts read at most this many training characters (those just before the held-out
# part): beyond it a 5-gram gains little, and the counting's memory grows with the text.
MAX_NGRAM_TRAINING_CHARS = 20_000_000
# Dense code tables up to this many entries; beyond, n-gram codes are ranked by sorting.
DENSE_TABLE_LIMIT = 1 << 26


def held_out_targets(val_start: int, val_chars: int, maxlen: int) -> np.ndarray:
    """Positions in the whole text of the characters the held-out windows predict."""
    starts = np.arange(0, val_chars - maxlen, held_out_step(val_chars))
    return val_start + starts + maxlen


def measure_baselines(ids, vocab_size: int, val_fraction: float, maxlen: int,
                      order: int = NGRAM_ORDER) -> dict | None:
    """The baselines of a text split as training splits it, in nats per character; None when the
    held-out part is too short to hold one window."""
    ids = np.asarray(ids)
    train_ids, val_ids = split_held_out(ids, val_fraction)
    targets = held_out_targets(len(train_ids), len(val_ids), maxlen)
    if len(targets) == 0 or len(train_ids) == 0:
        return None
    order = max(1, min(order, maxlen + 1))  # the n-gram sees no more than the window holds
    return {
        "unigram_nats_per_char": round(unigram_loss(ids, len(train_ids), targets, vocab_size), 6),
        "ngram_nats_per_char": round(kneser_ney_loss(ids, len(train_ids), targets, vocab_size, order), 6),
        "ngram_order": order,
        "ngram_smoothing": "interpolated Kneser-Ney",
    }


def unigram_loss(ids, cut: int, targets, vocab_size: int) -> float:
    counts = np.bincount(np.asarray(ids[:cut], dtype=np.int64), minlength=vocab_size)
    p = (counts + 1.0) / (cut + vocab_size)
    return float(-np.log(p[np.asarray(ids)[targets]]).mean())


def rank_codes(pairs: np.ndarray, table_size: int) -> tuple:
    """Dense ranks 0..U-1 of the values of `pairs` (each below table_size), and U."""
    if table_size <= max(DENSE_TABLE_LIMIT, 2 * len(pairs)):
        present = np.zeros(table_size, dtype=bool)
        present[pairs] = True
        rank = np.cumsum(present, dtype=np.int32) - 1
        return rank[pairs], int(present.sum())
    values, inverse = np.unique(pairs, return_inverse=True)
    return inverse.astype(np.int32), len(values)


def ngram_codes(text: np.ndarray, vocab_size: int, order: int) -> tuple:
    """codes[k][j]: the code of the (k+1)-gram that starts at j, and sizes[k] the number of codes
    (int32: a text of at most MAX_NGRAM_TRAINING_CHARS has fewer distinct grams than that)."""
    codes, sizes = [text.astype(np.int32)], [vocab_size]
    for k in range(1, order):
        previous = codes[-1][:len(text) - k].astype(np.int64)
        ranked, size = rank_codes(previous * vocab_size + text[k:], sizes[-1] * vocab_size)
        codes.append(ranked)
        sizes.append(size)
    return codes, sizes


def discount(counts: np.ndarray) -> float:
    """Ney's absolute discount from the counts of counts, kept inside (0, 1)."""
    ones, twos = np.count_nonzero(counts == 1), np.count_nonzero(counts == 2)
    if ones + twos == 0:
        return 0.5
    return min(max(ones / (ones + 2 * twos), 0.05), 0.95)


def kneser_ney_loss(ids, cut: int, targets, vocab_size: int, order: int) -> float:
    """Mean −ln p of ids[targets] under an interpolated Kneser-Ney n-gram of ids[:cut]."""
    low = max(0, cut - MAX_NGRAM_TRAINING_CHARS)
    text = np.asarray(ids[low:], dtype=np.int64)
    cut, targets = cut - low, np.asarray(targets) - low
    codes, sizes = ngram_codes(text, vocab_size, order)

    p = np.full(len(targets), 1.0 / vocab_size)  # below the unigram level: uniform
    for k in range(order):  # k + 1 characters: the context is the first k
        gram = codes[k][:cut - k]  # the (k+1)-grams inside the training text
        if k == order - 1:
            counts = np.bincount(gram, minlength=sizes[k])
        else:  # continuation counts: how many distinct characters precede the gram
            longer = codes[k + 1][:cut - k - 1]
            seen = np.zeros(sizes[k + 1], dtype=bool)
            seen[longer] = True
            suffix = np.zeros(sizes[k + 1], dtype=np.int64)
            suffix[longer] = codes[k][1:cut - k]
            counts = np.bincount(suffix[seen], minlength=sizes[k])
        d = discount(counts[counts > 0])
        at = targets - k  # where the (k+1)-gram ending at each target starts
        if k == 0:
            total, types = float(counts.sum()), float(np.count_nonzero(counts))
            totals, kinds = np.full(len(targets), total), np.full(len(targets), types)
        else:
            prefix = np.zeros(sizes[k], dtype=np.int64)
            prefix[gram] = codes[k - 1][:cut - k]
            known = counts > 0
            totals_by_context = np.bincount(prefix[known], weights=counts[known], minlength=sizes[k - 1])
            kinds_by_context = np.bincount(prefix[known], minlength=sizes[k - 1])
            context = codes[k - 1][at]
            totals, kinds = totals_by_context[context], kinds_by_context[context]
        own = counts[codes[k][at]]
        seen_context = totals > 0
        safe = np.where(seen_context, totals, 1.0)
        interpolated = np.maximum(own - d, 0.0) / safe + d * kinds / safe * p
        p = np.where(seen_context, interpolated, p)
    return float(-np.log(p).mean())


VERDICT_SHORT = {
    "none": "no better than letter frequencies",
    "barely": "barely beyond letter frequencies",
    "below": "short of a {n}-gram model",
    "level": "about as good as a {n}-gram model",
    "better": "better than a {n}-gram model",
    "well": "well beyond a {n}-gram model",
}
ADVICE = "train longer or on more text"
LEVEL_MARGIN = 0.05  # nats/char: closer than this to the n-gram is "about as good"
WELL_MARGIN = 0.25  # nats/char below the n-gram: "well beyond"
BARELY_SHARE = 0.5  # less than half the way from letter frequencies to the n-gram: "barely"


def verdict_level(loss: float, baselines: dict) -> str:
    """Where a held-out loss stands between the two baselines: one of VERDICT_SHORT's keys."""
    unigram, ngram = baselines["unigram_nats_per_char"], baselines["ngram_nats_per_char"]
    if loss >= unigram:
        return "none"
    if loss > ngram + LEVEL_MARGIN:
        gained = (unigram - loss) / (unigram - ngram) if unigram > ngram else 1.0
        return "barely" if gained < BARELY_SHARE else "below"
    if loss > ngram - LEVEL_MARGIN:
        return "level"
    return "well" if loss <= ngram - WELL_MARGIN else "better"


def verdict(loss: float, baselines: dict) -> str:
    """A held-out loss in plain words, e.g. "better than a 5-gram model (1.31 nats/char against
    1.85; letter frequencies 3.05)"; a model not beyond the n-gram gets the advice to train on."""
    level = verdict_level(loss, baselines)
    n = baselines["ngram_order"]
    words = VERDICT_SHORT[level].format(n=n)
    figures = (f"held-out {loss:.2f} nats/char; {n}-gram {baselines['ngram_nats_per_char']:.2f}, "
               f"letter frequencies {baselines['unigram_nats_per_char']:.2f}")
    advice = f": {ADVICE}" if level in ("none", "barely", "below") else ""
    return f"{words}{advice} ({figures})"


def beats_ngram(loss: float, baselines: dict) -> bool:
    return loss < baselines["ngram_nats_per_char"]


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def read_baselines(meta: dict) -> dict | None:
    """The baselines recorded in a config.json or tempera.json, when whole and finite."""
    baselines = meta.get("baselines") if isinstance(meta, dict) else None
    if not isinstance(baselines, dict):
        return None
    values = [baselines.get(k) for k in ("unigram_nats_per_char", "ngram_nats_per_char")]
    order = baselines.get("ngram_order")
    if not all(is_number(v) and v > 0 for v in values):
        return None
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        return None
    return baselines


def corpus_baselines(config: dict, vocab: list, maxlen: int) -> dict | None:
    """The baselines of a run's corpus, read again from where config.json says it was; None when
    it is gone, has changed (its SHA-256) or holds characters the vocabulary lacks."""
    from tempera.errors import TemperaError
    from tempera.training.corpus import load_corpus

    try:
        corpus = load_corpus(config.get("corpus_path") or config["corpus"], config["lowercase"], 0)
    except (TemperaError, OSError, KeyError):
        return None
    if config.get("corpus_sha256") not in (None, corpus.sha256) or set(corpus.chars) - set(vocab):
        return None
    return measure_baselines(corpus.reindexed(vocab).ids, len(vocab), config["val_fraction"], maxlen)


def bundle_loss(meta: dict) -> float | None:
    """A bundle's held-out loss as it ships: its quantised weights' where measured."""
    held_out = meta.get("held_out") if isinstance(meta, dict) else None
    if not isinstance(held_out, dict):
        return None
    for key in ("quantized_loss_nats_per_char", "loss_nats_per_char"):
        value = held_out.get(key)
        if is_number(value):
            return float(value)
    return None


def bundle_quality(meta: dict) -> str | None:
    """The verdict on a bundle or run, or None when it records no baselines (older ones)."""
    recorded, loss = read_baselines(meta), bundle_loss(meta)
    return verdict(loss, recorded) if recorded and loss is not None else None


def ngram_warning(meta: dict) -> str | None:
    """A warning when the model predicts its held-out text no better than the n-gram does."""
    recorded, loss = read_baselines(meta), bundle_loss(meta)
    if not recorded or loss is None or beats_ngram(loss, recorded):
        return None
    n = recorded["ngram_order"]
    return (f"this model is no better than a {n}-gram model on its held-out text ({loss:.4f} "
            f"nats/char against {recorded['ngram_nats_per_char']:.4f}): {ADVICE}")
