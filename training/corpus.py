"""Loading a training text, with a one-line answer for every way a file can be wrong.

The text is decoded a piece at a time and kept only as ids, one byte a character for up
to 256 distinct characters: a whole str would hold 1 to 4 bytes a character, and its line
ending normalisation and lowercasing would each copy it.
"""

import hashlib
import os
import stat
import tempfile
import urllib.request
from dataclasses import dataclass, replace

import numpy as np

from tempera.atomic import atomic_path
from tempera.errors import TemperaError
from tempera.vocab import show_char

NIETZSCHE_URL = "https://s3.amazonaws.com/text-datasets/nietzsche.txt"
PIECE_BYTES = 1 << 22  # bytes decoded at a time: transient memory, not a limit on lines
CODE_POINTS = 0x110000
# Training keeps about ten bytes per corpus byte at its peak (BENCHMARKS.md): 1 GiB of text
# fits a 24 GiB machine, and is far more than a character model of this size can use.
MAX_CORPUS_BYTES = 2**30


@dataclass(frozen=True)
class Corpus:
    name: str
    chars: list  # the distinct characters of the text (after case folding), in code point order
    ids: np.ndarray  # the text as indices into chars, in the dtype of id_dtype(len(chars))
    lowercase: bool
    source: str  # the path the text was read from
    sha256: str = ""  # of the file's bytes: which text a model learned, checkable later

    def reindexed(self, chars) -> "Corpus":
        """The same text as indices into `chars`, which must hold all of self.chars."""
        chars = list(chars)
        if chars == self.chars:
            return self
        index = {c: i for i, c in enumerate(chars)}
        table = np.array([index[c] for c in self.chars], dtype=id_dtype(len(chars)))
        return replace(self, chars=chars, ids=table[self.ids])


def id_dtype(vocab_size: int) -> np.dtype:
    """Training batches cast ids to int32; in memory they need only this."""
    for dtype in (np.uint8, np.uint16):
        if vocab_size <= np.iinfo(dtype).max + 1:
            return np.dtype(dtype)
    return np.dtype(np.int32)


def fetch_nietzsche() -> str:
    """The notebook's corpus: Keras's cached copy (~/.keras/datasets, where the notebook's
    get_file puts it), else downloaded there, without loading TensorFlow."""
    home = os.path.join(os.path.expanduser("~"), ".keras")
    if not os.access(home, os.W_OK) and not os.access(os.path.dirname(home), os.W_OK):
        home = os.path.join(tempfile.gettempdir(), ".keras")  # as Keras falls back
    path = os.path.join(home, "datasets", "nietzsche.txt")
    if os.path.isfile(path):
        return path
    try:
        with urllib.request.urlopen(NIETZSCHE_URL, timeout=60) as reply:
            data = reply.read(MAX_CORPUS_BYTES + 1)
    except (OSError, ValueError) as error:  # URLError, a timeout, a refused proxy
        reason = getattr(error, "reason", None) or type(error).__name__
        raise TemperaError(f"could not download the Nietzsche corpus ({reason}); "
                           "pass the path of a text file instead: --corpus PATH") from None
    try:
        write_bytes(path, data)
    except OSError as error:
        raise TemperaError(f"cannot keep the downloaded Nietzsche corpus in {path}: "
                           f"{error.strerror}; pass the path of a text file instead: "
                           "--corpus PATH") from None
    return path


def write_bytes(path: str, data: bytes) -> None:
    with atomic_path(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(data)


def read_bytes(path: str) -> bytes:
    """The bytes of a text file, or a TemperaError that names what is wrong with it.

    Only a regular file is read: a FIFO or a device would block or never end. The file is
    opened without blocking and checked before a byte is read, and at most MAX_CORPUS_BYTES
    are read, so a file that grows meanwhile cannot exhaust memory either.
    """
    if not os.path.exists(path):
        raise TemperaError(f"corpus file not found: {path}")
    if os.path.isdir(path):
        raise TemperaError(f"corpus is a directory, not a text file: {path}")
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise TemperaError(f"cannot read corpus {path}: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise TemperaError(f"corpus is not a regular file (a pipe, device or socket): {path}")
        if info.st_size > MAX_CORPUS_BYTES:
            raise TemperaError(f"corpus is over the {MAX_CORPUS_BYTES // 2**30} GiB limit "
                               f"({info.st_size:,} bytes): {path}")
        try:
            data = handle.read(MAX_CORPUS_BYTES + 1)
        except OSError as error:
            raise TemperaError(f"cannot read corpus {path}: {error.strerror}") from None
    if len(data) > MAX_CORPUS_BYTES:  # it grew while being read
        raise TemperaError(f"corpus is over the {MAX_CORPUS_BYTES // 2**30} GiB limit: {path}")
    if not data:
        raise TemperaError(f"corpus is empty: {path}")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TemperaError(f"corpus looks binary (NUL byte at offset {nul}): {path}")
    return data


def text_pieces(data: bytes, path: str, lowercase: bool):
    """The text of `data` as training sees it, in pieces that each end after a newline.

    Cutting after a newline gives the same text as decoding, normalising and lowercasing
    it whole: no UTF-8 sequence, no "\\r\\n" and no context of a final sigma spans one.
    """
    view = memoryview(data)
    start = 0
    while start < len(data):
        end = data.rfind(b"\n", start, start + PIECE_BYTES) + 1
        if end <= start:  # no newline within reach: run on to the next one
            end = data.find(b"\n", start + PIECE_BYTES) + 1 or len(data)
        try:
            piece = str(view[start:end], "utf-8")
        except UnicodeDecodeError as error:
            at = start + error.start
            line = data.count(b"\n", 0, at) + 1
            raise TemperaError(f"corpus is not valid UTF-8: byte {at} (line {line}) "
                               f"is 0x{data[at]:02x}: {path}") from None
        if start == 0:
            piece = piece.removeprefix("\ufeff")  # a byte-order mark is not part of the text
        piece = piece.replace("\r\n", "\n")
        yield piece.lower() if lowercase else piece
        start = end


def code_points(data: bytes, path: str, lowercase: bool):
    """The text's code points, a piece at a time."""
    for piece in text_pieces(data, path, lowercase):
        yield np.frombuffer(piece.encode("utf-32-le"), dtype="<u4")


def load_corpus(spec: str, lowercase: bool, min_chars: int) -> Corpus:
    """`spec` is a path, or 'nietzsche' for the notebook's download."""
    path = fetch_nietzsche() if spec == "nietzsche" and not os.path.exists(spec) else spec
    data = read_bytes(path)
    seen = np.zeros(CODE_POINTS, dtype=bool)
    length = 0
    for points in code_points(data, path, lowercase):
        seen[points] = True
        length += len(points)
    if length < min_chars:
        raise TemperaError(f"corpus has {length} characters, fewer than the {min_chars} "
                           f"needed for training and held-out windows: {path}")
    distinct = np.flatnonzero(seen)
    if len(distinct) < 2:
        raise TemperaError(f"corpus has only one distinct character ({show_char(chr(distinct[0]))}): "
                           f"there is nothing to predict: {path}")
    table = np.zeros(CODE_POINTS, dtype=id_dtype(len(distinct)))
    table[distinct] = np.arange(len(distinct))
    ids = np.empty(length, dtype=table.dtype)
    at = 0
    for points in code_points(data, path, lowercase):  # again: an id is a rank among all chars
        ids[at:at + len(points)] = table[points]
        at += len(points)
    name = "nietzsche" if spec == "nietzsche" else os.path.splitext(os.path.basename(path))[0]
    return Corpus(name=name, chars=[chr(c) for c in distinct], ids=ids, lowercase=lowercase,
                  source=os.path.abspath(path), sha256=hashlib.sha256(data).hexdigest())
