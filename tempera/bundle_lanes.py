"""Lanes across bundles: the epochs (or models) of a run side by side at one temperature.

Lane k is lane 0 of a one-lane run of bundle k, with the same seed text, temperature and RNG
seed: every lane draws the same uniforms, so where the texts differ, the models differ.
"""

from dataclasses import dataclass

from .errors import TemperaError
from .generate import Generator, Lane
from .sampling import NO_FILTERS, Filters
from .vocab import SeedEncoding, show_chars


@dataclass
class BundleLane:
    name: str  # the bundle as the user named it
    encoding: SeedEncoding  # the seed as this bundle reads it
    lane: Lane


def read_seed_alike(named_bundles: list, seed_text: str) -> list:
    """Each bundle's reading of the seed; an error naming the bundle that cannot read it, or
    that drops characters another bundle keeps (the lanes would not continue the same text)."""
    encodings = []
    for name, bundle in named_bundles:
        try:
            encodings.append(bundle.vocab.encode_seed(seed_text))
        except TemperaError as error:
            raise TemperaError(f"bundle {name}: {error}") from None
    kept_somewhere = set().union(*(set(e.text.lower()) for e in encodings))
    for (name, _), encoding in zip(named_bundles, encodings):
        missing = [c for c in encoding.dropped if c.lower() in kept_somewhere]
        if missing:
            raise TemperaError(f"bundle {name} does not know {show_chars(missing)} of the seed "
                               "text, which another bundle reads: lanes across bundles need a "
                               "seed every bundle reads alike; leave those characters out")
    return encodings


def generate_across(named_bundles: list, seed_text: str, temperature: float, length: int,
                    rng_seed: int, mode: str, records: bool = True,
                    filters: Filters = NO_FILTERS) -> list:
    """One BundleLane per (name, Bundle), in order."""
    encodings = read_seed_alike(named_bundles, seed_text)
    lanes = []
    for (name, bundle), encoding in zip(named_bundles, encodings):
        generator = Generator(bundle.model, bundle.vocab, bundle.maxlen)
        lane = generator.generate(encoding.ids, [temperature], length, rng_seed, mode,
                                  records=records, filters=[filters])[0]
        lanes.append(BundleLane(name, encoding, lane))
    return lanes
