"""tempera: character-level LSTM text generation, trained in Python, run in the browser.

From Python (NumPy only; TensorFlow is needed to train, not for this):

    import tempera
    model = tempera.load("nietzsche")   # a shipped model's name, or a bundle folder
    model.sample("the meaning of life is ", temperatures=(0.2, 1.2), length=200, rng_seed=7)

load() gives a Model with sample(), stream() and score(); their results print as
`tempera sample` and `tempera score` do, show as the page does in Jupyter, and their to_json()
is what those commands print with --json.
"""

__version__ = "0.1.0"

from .api import (MODES, NOTEBOOK_TEMPERATURES, Model, Sample, ScoredText, Step,  # noqa: E402
                  Stream, load, shipped_models)
from .errors import TemperaError  # noqa: E402

__all__ = ["load", "shipped_models", "Model", "Sample", "Stream", "Step", "ScoredText",
           "TemperaError", "NOTEBOOK_TEMPERATURES", "MODES", "__version__"]
