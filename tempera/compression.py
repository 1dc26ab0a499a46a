"""Compressed copies of the page's files, and the choice of one for a request.

`npm run build` writes `name.br` and `name.gz` beside each text and WebAssembly file of the
page; `tempera serve` sends one of them where the browser accepts it, and compresses bundle
files (model.json, the weight shards) once, in memory. Static hosts that read such siblings
(nginx `gzip_static`/`brotli_static`, Caddy `precompressed`) get them from `build-site`.
"""

import gzip
import os

# Suffix of each sibling, in the order the server prefers them.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
WORTH_IT = 0.9  # a compressed copy must save at least a tenth, or the file goes as it is


def precompressed_sibling(path: str, accept_encodings) -> tuple[str, str] | None:
    """(sibling path, encoding) of the best stored copy of `path` the request accepts;
    accept_encodings is werkzeug's parsed Accept-Encoding header."""
    for encoding, suffix in ENCODINGS:
        sibling = path + suffix
        if accept_encodings[encoding] > 0 and os.path.isfile(sibling):
            return sibling, encoding
    return None


class GzipCache:
    """gzip bytes of files, made on first request and kept while the file is unchanged."""

    def __init__(self, limit_bytes: int = 64 * 2**20):
        self.limit = limit_bytes
        self.entries = {}  # path -> (mtime_ns, size, gzip bytes or None when not worth it)

    def get(self, path: str) -> bytes | None:
        stat = os.stat(path)
        entry = self.entries.get(path)
        if entry and entry[:2] == (stat.st_mtime_ns, stat.st_size):
            return entry[2]
        with open(path, "rb") as handle:
            data = handle.read()
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        packed = packed if len(packed) <= WORTH_IT * len(data) else None
        if sum(len(e[2] or b"") for e in self.entries.values()) + len(packed or b"") > self.limit:
            self.entries.clear()
        self.entries[path] = (stat.st_mtime_ns, stat.st_size, packed)
        return packed


def write_gzip_siblings(folder: str, suffixes: tuple) -> list:
    """Writes `name.gz` beside each file under `folder` whose name ends with one of `suffixes`
    and that compresses by a tenth or more; returns the paths written."""
    written = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if not name.endswith(suffixes):
                continue
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                data = handle.read()
            packed = gzip.compress(data, compresslevel=9, mtime=0)
            if len(packed) <= WORTH_IT * len(data):
                with open(path + ".gz", "wb") as handle:
                    handle.write(packed)
                written.append(path + ".gz")
    return written
