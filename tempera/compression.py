"""Compressed copies of the page's files, and the choice of one for a request.

`npm run build` writes `name.br` and `name.gz` beside each text and WebAssembly file of the
page; `tempera serve` sends one of them where the browser accepts it, and compresses bundle
files (model.json, the weight shards) once, in memory. Static hosts that read such siblings
(nginx `gzip_static`/`brotli_static`, Caddy `precompressed`) get them from `build-site`.
"""

import gzip
import os
import stat
import threading

# Suffix of each sibling, in the order the server prefers them.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
WORTH_IT = 0.9  # a compressed copy must save at least a tenth, or the file goes as it is


def is_usable_copy(source: os.stat_result, copy: os.stat_result) -> bool:
    """May `copy` (its lstat, or the fstat of a copy opened without following links) stand in
    for `source`? Only a regular file, never a link, and no older than its source: a copy
    older than its source is from before an edit and would send the old text."""
    return stat.S_ISREG(copy.st_mode) and copy.st_mtime_ns >= source.st_mtime_ns


def accepted_copies(accept_encodings) -> list:
    """(encoding, suffix) of the stored copies the request accepts, best first;
    accept_encodings is werkzeug's parsed Accept-Encoding header."""
    return [(encoding, suffix) for encoding, suffix in ENCODINGS if accept_encodings[encoding] > 0]


class GzipCache:
    """gzip bytes of files, made on first request and kept while the file is the same version:
    the key is that version's (device, inode, size, modification and change times)."""

    def __init__(self, limit_bytes: int = 64 * 2**20):
        self.limit = limit_bytes
        self.entries = {}  # path -> (version key, gzip bytes or None when not worth it)
        self.lock = threading.Lock()  # the server's threads share one cache

    def lookup(self, path: str, key: tuple) -> tuple | None:
        """(found, gzip bytes or None) for this version of `path`; None when not known."""
        entry = self.entries.get(path)
        return (True, entry[1]) if entry and entry[0] == key else None

    def store(self, path: str, key: tuple, data: bytes) -> bytes | None:
        """Compresses `data`, the bytes of version `key` of `path`; the gzip bytes, or None
        where gzip does not pay."""
        packed = gzip.compress(data, compresslevel=6, mtime=0)
        packed = packed if len(packed) <= WORTH_IT * len(data) else None
        with self.lock:
            if sum(len(e[1] or b"") for e in self.entries.values()) + len(packed or b"") > self.limit:
                self.entries.clear()
            self.entries[path] = (key, packed)
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
