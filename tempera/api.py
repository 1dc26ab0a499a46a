"""tempera from Python: load a model, sample lanes, stream them, score a text.

    import tempera
    model = tempera.load("nietzsche")          # a shipped model's name, or a bundle folder
    model.sample("the meaning of life is ", temperatures=(0.5, 1.2), length=200, rng_seed=7)

This is the implementation `tempera sample` and `tempera score` run: a result's to_json() is
what they print with --json for the same arguments, and the same RNG seed gives the same text as
the command line and the page. Everything is NumPy; TensorFlow is never imported.
"""

import os
import secrets
from dataclasses import dataclass

from . import finite_json
from .bundle import BundleError, load_bundle
from .catalog import DEFAULT_MODELS_DIR
from .errors import TemperaError
from .generate import (MODES, Generator, Lane, Score, check_length, check_mode, length_note,
                       prime_note)
from .likelihood import bits_per_char
from .sampling import NOTEBOOK_TEMPERATURES, check_rng_seed, check_temperature, lane_filters
from .vocab import SeedEncoding

__all__ = ["load", "Model", "Sample", "Stream", "Step", "ScoredText", "TemperaError",
           "NOTEBOOK_TEMPERATURES", "MODES"]


def shipped_models() -> list:
    """The names of the models that come with tempera (`tempera.load(name)` takes them)."""
    if not os.path.isdir(DEFAULT_MODELS_DIR):
        return []
    return sorted(name for name in os.listdir(DEFAULT_MODELS_DIR)
                  if os.path.isfile(os.path.join(DEFAULT_MODELS_DIR, name, "tempera.json")))


def resolve_bundle(name: str) -> str:
    """A bundle folder, or the name of a shipped model (`tempera sample nietzsche`).

    A plain name that is neither is refused naming the shipped models, so a typo reads as one.
    """
    shipped = os.path.join(DEFAULT_MODELS_DIR, name)
    if os.path.exists(name) or os.sep in name or (os.altsep and os.altsep in name):
        return name
    if os.path.isdir(shipped):
        return shipped
    raise BundleError(f"bundle folder not found: {name} (nor is it a shipped model: "
                      f"{', '.join(shipped_models()) or 'none are installed'})")


def load(name_or_path) -> "Model":
    """The model of a bundle folder (model.json + tempera.json), or of a shipped model by name.

    A missing or broken bundle raises TemperaError with the words `tempera sample` prints.
    """
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TemperaError("give a bundle folder or the name of a shipped model "
                           f"({', '.join(shipped_models()) or 'none shipped'}), got {name_or_path!r}")
    name = os.fspath(name_or_path)
    return Model(load_bundle(resolve_bundle(name)), name)


def _temperatures(temperatures) -> list:
    """One lane per temperature; a single number is one lane."""
    if isinstance(temperatures, (str, bytes)) or not hasattr(temperatures, "__iter__"):
        temperatures = [temperatures]
    checked = [check_temperature(t) for t in temperatures]
    if not checked:
        raise TemperaError("give at least one temperature")
    return checked


def _text(value, what: str) -> str:
    if not isinstance(value, str):
        raise TemperaError(f"the {what} must be a string, got {type(value).__name__}")
    return value


class SampleRun:
    """One sample's arguments, checked, and what to tell the user before it runs."""

    def __init__(self, model: "Model", seed_text, temperatures, length, rng_seed, top_k, top_p,
                 min_p, mode):
        check_mode(mode)
        self.model = model
        self.temperatures = _temperatures(temperatures)
        self.filters = lane_filters(len(self.temperatures), top_k, top_p, min_p)
        self.length = check_length(length)
        self.rng_seed = secrets.randbits(32) if rng_seed is None else check_rng_seed(rng_seed)
        self.mode = mode
        self.encoding: SeedEncoding = model.bundle.vocab.encode_seed(_text(seed_text, "seed text"))
        self.notes = [note for note in (self.encoding.report(), length_note(self.length),
                                        prime_note(len(self.encoding.ids), mode)) if note]

    def steps(self, records: bool = True):
        """Generator.steps for these arguments: (step, ids, records) as drawn; returns the lanes."""
        return self.model.generator.steps(self.encoding.ids, self.temperatures, self.length,
                                          self.rng_seed, self.mode, records=records,
                                          filters=self.filters)

    def result(self, lanes: list) -> "Sample":
        return Sample(self.model.name, self.encoding.text, self.rng_seed, self.mode, lanes,
                      self.notes)

    def run(self, records: bool = True) -> "Sample":
        lanes = self.model.generator.generate(self.encoding.ids, self.temperatures, self.length,
                                              self.rng_seed, self.mode, records=records,
                                              filters=self.filters)
        return self.result(lanes)


class Model:
    """A loaded bundle: sample lanes from it, stream them, score texts. Made by tempera.load()."""

    def __init__(self, bundle, name: str):
        self.bundle = bundle
        self.name = bundle.meta.get("name", name)
        self.generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)

    @property
    def path(self) -> str:
        return self.bundle.path

    @property
    def meta(self) -> dict:
        """The bundle's tempera.json: vocabulary, training facts, held-out loss, baselines."""
        return self.bundle.meta

    @property
    def vocabulary(self) -> list:
        """The characters the model knows, in index order."""
        return list(self.bundle.vocab.chars)

    def __repr__(self) -> str:
        return (f"<tempera model {self.name!r} from {self.path}: {len(self.bundle.vocab)} "
                f"characters{', lowercase' if self.bundle.vocab.lowercase else ''}, "
                f"maxlen {self.bundle.maxlen}>")

    def sample_run(self, seed_text, temperatures=NOTEBOOK_TEMPERATURES, length=400, rng_seed=None,
                   top_k=None, top_p=None, min_p=None, mode="stateful") -> SampleRun:
        """sample()'s arguments checked, and its notes, before any character is drawn."""
        return SampleRun(self, seed_text, temperatures, length, rng_seed, top_k, top_p, min_p, mode)

    def sample(self, seed_text, temperatures=NOTEBOOK_TEMPERATURES, length=400, rng_seed=None,
               top_k=None, top_p=None, min_p=None, mode="stateful") -> "Sample":
        """Continue `seed_text` in one lane per temperature, all lanes advancing together.

        temperatures: one number or several (0 is greedy). length: characters per lane (capped
        at 100,000). rng_seed: 0 to 2**32 - 1; None draws one (kept in the result), and the
        same seed gives the same text here, in `tempera sample` and on the page. top_k, top_p,
        min_p: one value for every lane or one per temperature (None: off); see
        docs/sampling.md. mode: "stateful" (prime once, then one character a step) or "window"
        (re-read the last maxlen characters every step, as the course notebook does).

        Characters the model does not know are dropped from the seed, and the seed is
        lowercased for a lowercase model; the result's notes say so. Bad arguments raise
        TemperaError with the words `tempera sample` prints.
        """
        return self.sample_run(seed_text, temperatures, length, rng_seed, top_k, top_p, min_p,
                               mode).run()

    def stream(self, seed_text, temperatures=NOTEBOOK_TEMPERATURES, length=400, rng_seed=None,
               top_k=None, top_p=None, min_p=None, mode="stateful") -> "Stream":
        """sample(), one Step at a time as the characters are drawn (same arguments, same text).

        The arguments are checked at once; iterate the Stream for the steps, and read its
        `result` (the Sample) once it is exhausted.
        """
        return Stream(self.sample_run(seed_text, temperatures, length, rng_seed, top_k, top_p,
                                      min_p, mode))

    def score_run(self, text, mode="stateful") -> "ScoreRun":
        """score()'s text as the model reads it, and the notes about it, before scoring."""
        return ScoreRun(self, text, mode)

    def score(self, text, mode="stateful", progress=None) -> "ScoredText":
        """How likely `text` is: each character after the first under the model's distribution
        after the ones before it, as `tempera score` reports it.

        The text is read as a seed is (lowercased for a lowercase model, unknown characters
        dropped and counted). mode: "stateful" (one pass over the text) or "window" (each
        character from the maxlen characters before it). progress(scored, total), if given,
        is called as blocks of characters are scored. Bad arguments raise TemperaError with
        the words `tempera score` prints.
        """
        return self.score_run(text, mode).run(progress)

    def activations(self, text, mode="stateful") -> dict:
        """Every LSTM layer's h and c after each character: what `tempera activations --json`
        prints (a character the model does not know is refused, not dropped)."""
        from .activations import activations

        return activations(self.bundle, text, mode)

    def saliency(self, text, position, context=100, mode="stateful") -> dict:
        """How much each earlier character moved the probability of text[position]: what
        `tempera saliency --json` prints."""
        from .saliency import saliency

        return saliency(self.bundle, text, position, context, mode)


class ScoreRun:
    """One score's text, read by the model, and what to tell the user before it runs."""

    def __init__(self, model: Model, text, mode):
        check_mode(mode)
        self.model = model
        self.mode = mode
        self.encoding = model.bundle.vocab.encode_seed(_text(text, "text"), what="text")
        self.notes = [self.encoding.report()] if self.encoding.report() else []

    def run(self, progress=None) -> "ScoredText":
        score = self.model.generator.score(self.encoding.ids, self.mode, progress=progress)
        return ScoredText(self.model.name, self.mode, score, self.encoding, self.notes)


@dataclass(frozen=True)
class Step:
    """The characters one step drew, one per lane, and how likely each was.

    records[lane] is that lane's entry of `steps` in `tempera sample --json`: char, p (under
    the model at T = 1), rank (1: the most likely), entropy_bits (of what the lane drew from)
    and u (the uniform that drew it).
    """

    index: int
    chars: tuple
    records: tuple

    def to_json(self) -> dict:
        return {"step": self.index, "chars": list(self.chars), "lanes": list(self.records)}


class Stream:
    """Iterates the Steps of a sample as they are drawn; `result` is the Sample once done."""

    def __init__(self, run: SampleRun):
        self.run = run
        self.seed_text = run.encoding.text
        self.rng_seed = run.rng_seed
        self.notes = run.notes
        self.temperatures = run.temperatures
        self.result: Sample | None = None
        self._steps = run.steps(records=True)

    def __iter__(self):
        return self

    def __next__(self) -> Step:
        try:
            index, chosen, records = next(self._steps)
        except StopIteration as finished:
            if self.result is None:
                self.result = self.run.result(finished.value)
            raise StopIteration from None
        chars = tuple(self.run.model.bundle.vocab.chars[int(i)] for i in chosen)
        keys = ("p", "rank", "entropy_bits", "u")
        entries = tuple({"char": char, **{key: getattr(lane, key)[index].item() for key in keys}}
                        for char, lane in zip(chars, records))
        return Step(index, chars, entries)

    def __repr__(self) -> str:
        state = "done" if self.result is not None else "running"
        return (f"<tempera stream of {len(self.temperatures)} lane(s), rng seed {self.rng_seed}: "
                f"{state}>")


class JsonDocument:
    """A result whose to_json() is what a command prints with --json."""

    @property
    def json(self) -> dict:
        return self.to_json()

    def to_json_text(self) -> str:
        """to_json() as the one line the command prints (valid JSON, UTF-8 kept)."""
        return finite_json.dumps(self.to_json(), ensure_ascii=False)


class Sample(JsonDocument):
    """The lanes of one sample: each lane's text, how likely each character was, its statistics.

    to_json() (also .json) is what `tempera sample --json` prints for the same arguments;
    str() is what `tempera sample` prints. In Jupyter it shows as the page shows lanes.
    """

    def __init__(self, model_name: str, seed_text: str, rng_seed: int, mode: str, lanes: list,
                 notes: list):
        self.model_name = model_name
        self.seed_text = seed_text  # as the model read it: folded, unknown characters dropped
        self.rng_seed = rng_seed
        self.mode = mode
        self.lanes: list[Lane] = lanes
        self.notes = list(notes)

    @property
    def texts(self) -> list:
        """Each lane's generated text (without the seed)."""
        return [lane.text for lane in self.lanes]

    def to_json(self) -> dict:
        """The document `tempera sample --json` prints (lists, numbers and strings only)."""
        return {"seed_text": self.seed_text, "rng_seed": self.rng_seed, "mode": self.mode,
                "lanes": [lane.as_json() for lane in self.lanes]}

    def __str__(self) -> str:
        from .html_view import sample_text

        return sample_text(self)

    def __repr__(self) -> str:
        from .html_view import sample_summary

        return sample_summary(self)

    def _repr_html_(self) -> str:
        from .html_view import sample_html

        return sample_html(self)


class ScoredText(JsonDocument):
    """A text scored by a model. to_json() (also .json) is what `tempera score --json` prints;
    str() is its one-line summary; in Jupyter the text shows coloured by rank."""

    def __init__(self, model_name: str, mode: str, score: Score, encoding: SeedEncoding,
                 notes: list):
        self.model_name = model_name
        self.mode = mode
        self.score = score
        self.encoding = encoding
        self.notes = list(notes)

    @property
    def text(self) -> str:
        """The text as the model read it (folded, unknown characters dropped)."""
        return self.score.text

    @property
    def records(self):
        """StepRecords of each scored character: text[1:] (the first is context only)."""
        return self.score.records

    @property
    def scored(self) -> int:
        return len(self.score.records.p)

    @property
    def dropped(self) -> int:
        return self.encoding.dropped_count

    @property
    def nats_per_char(self) -> float:
        return self.score.nats_per_char

    @property
    def bits_per_char(self) -> float:
        return bits_per_char(self.score.records.p)

    def to_json(self) -> dict:
        """The document `tempera score --json` prints."""
        return {"mode": self.mode,
                **self.score.as_json(self.encoding.dropped, self.encoding.dropped_count)}

    def __str__(self) -> str:
        from .html_view import score_line

        return score_line(self)

    def __repr__(self) -> str:
        from .html_view import score_summary

        return score_summary(self)

    def _repr_html_(self) -> str:
        from .html_view import score_html

        return score_html(self)
