"""JSON with finite numbers only: what tempera writes and serves, and what it accepts.

JSON has no NaN or Infinity. Python's json module writes them anyway (as bare NaN, which no
browser parses) and reads them, and reads 1e999 as infinity; so every document is checked
here, and the place of the first bad number is named.
"""

import json
import math

from .errors import TemperaError


def shown_number(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def first_non_finite(data) -> tuple | None:
    """(where, shown value) of the first NaN or infinite number in a document, else None;
    `where` is a path such as held_out.loss_nats_per_char or weightsManifest[0].paths."""
    pending = [("", data)]
    while pending:  # a stack, not recursion: a document may nest as deep as json allows
        where, value = pending.pop()
        if isinstance(value, float) and not math.isfinite(value):
            return where or "the document", shown_number(value)
        if isinstance(value, dict):
            items = [(f"{where}.{key}" if where else str(key), item) for key, item in value.items()]
        elif isinstance(value, (list, tuple)):
            items = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        else:
            continue
        pending.extend(reversed(items))
    return None


def dumps(data, what: str = "the JSON output", **options) -> str:
    """json.dumps refusing NaN and infinities with a TemperaError that names `what` and where."""
    found = first_non_finite(data)
    if found:
        raise TemperaError(f"{what} cannot be written: {found[0]} is {found[1]}, and JSON "
                           "numbers must be finite")
    return json.dumps(data, allow_nan=False, **options)
