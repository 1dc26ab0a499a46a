"""One version of a file: opened once, described by the open descriptor, read from it.

A reply's bytes and its validators (ETag, Last-Modified, Content-Length) come from one
`FileVersion`, never from a second look at the path: a file renamed or replaced meanwhile (as
`export --force` swaps a folder aside) cannot pair one version's bytes with another's ETag.
"""

import hashlib
import os
import stat as stat_module

# A link is never followed at the last step (the path was resolved already: a link appearing
# there since is a swap), and a FIFO swapped in cannot block the open.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def version_key(info: os.stat_result) -> tuple:
    """What changes whenever the file's bytes may have: a new file (device, inode), its size, and
    both times. `cp -p` and `rsync -a` restore the modification time, but no program can set the
    change time, which any write or utime moves."""
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns


class FileVersion:
    """An open regular file and the fstat of that very descriptor."""

    def __init__(self, descriptor: int, info: os.stat_result):
        self.descriptor = descriptor
        self.stat = info
        self.key = version_key(info)

    @property
    def size(self) -> int:
        return self.stat.st_size

    @property
    def etag(self) -> str:
        return hashlib.blake2b(repr(self.key).encode(), digest_size=10).hexdigest()

    def file(self):
        """A file object over the same descriptor, for the server to send from."""
        return os.fdopen(self.descriptor, "rb")

    def read_all(self) -> bytes | None:
        """The whole file, or None when it changed while being read (written in place)."""
        chunks, offset = [], 0
        while offset < self.size:
            chunk = os.pread(self.descriptor, min(self.size - offset, 1 << 20), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
        if offset != self.size or version_key(os.fstat(self.descriptor)) != self.key:
            return None
        return b"".join(chunks)

    def close(self) -> None:
        os.close(self.descriptor)


def open_version(path: str) -> FileVersion | None:
    """The regular file at `path` as it is now, or None: missing, a link, a folder, a FIFO..."""
    try:
        descriptor = os.open(path, OPEN_FLAGS)
    except (OSError, ValueError):  # ValueError: a NUL byte in the name
        return None
    try:
        info = os.fstat(descriptor)
    except OSError:
        os.close(descriptor)
        return None
    if not stat_module.S_ISREG(info.st_mode):
        os.close(descriptor)
        return None
    return FileVersion(descriptor, info)
