"""tempera: character-level LSTM text generation, trained in Python, run in the browser."""

__version__ = "0.1.0"
