"""Loading a training text, with a one-line answer for every way a file can be wrong."""

import os
from dataclasses import dataclass

from tempera.errors import TemperaError

NIETZSCHE_URL = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"


@dataclass(frozen=True)
class Corpus:
    name: str
    text: str  # after case folding, when lowercase
    lowercase: bool
    source: str  # the path the text was read from


def fetch_nietzsche() -> str:
    """Download (or reuse Keras's cached copy of) the notebook's corpus."""
    from tf_keras.utils import get_file

    try:
        return get_file("nietzsche.txt", origin=NIETZSCHE_URL)
    except Exception as error:  # get_file raises several types for network failures
        raise TemperaError(f"could not download the Nietzsche corpus ({type(error).__name__}); "
                           "pass the path of a text file instead: --corpus PATH") from None


def read_text(path: str) -> str:
    """Read a UTF-8 text file or raise a TemperaError that names the problem."""
    if not os.path.exists(path):
        raise TemperaError(f"corpus file not found: {path}")
    if os.path.isdir(path):
        raise TemperaError(f"corpus is a directory, not a text file: {path}")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise TemperaError(f"cannot read corpus {path}: {error.strerror}") from None
    if not data:
        raise TemperaError(f"corpus is empty: {path}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TemperaError(f"corpus looks binary (NUL byte at offset {nul}): {path}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise TemperaError(f"corpus is not valid UTF-8: byte {error.start} (line {line}) "
                           f"is 0x{data[error.start]:02x}: {path}") from None
    text = text.removeprefix("\ufeff")  # a byte-order mark is not part of the text
    return text.replace("\r\n", "\n")


def load_corpus(spec: str, lowercase: bool, min_chars: int) -> Corpus:
    """`spec` is a path, or 'nietzsche' for the notebook's download."""
    path = fetch_nietzsche() if spec == "nietzsche" and not os.path.exists(spec) else spec
    text = read_text(path)
    if lowercase:
        text = text.lower()
    if len(text) < min_chars:
        raise TemperaError(f"corpus has {len(text)} characters, fewer than the {min_chars} "
                           f"needed for training and held-out windows: {path}")
    name = "nietzsche" if spec == "nietzsche" else os.path.splitext(os.path.basename(path))[0]
    return Corpus(name=name, text=text, lowercase=lowercase, source=os.path.abspath(path))
