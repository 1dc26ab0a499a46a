"""One trainer at a time in a run folder.

The lock is the operating system's (flock) on a file in the folder: it is held while the
process lives and released when it ends, however it ends (even by SIGKILL), so a lock file
left behind by a killed run never blocks the next one.
"""

import errno
import fcntl
import os

from tempera.errors import TemperaError

LOCK_NAME = ".train-lock"


class RunLock:
    def __init__(self, folder: str):
        self.folder = folder
        self.path = os.path.join(folder, LOCK_NAME)
        self.descriptor = None

    def acquire(self) -> None:
        """Hold the lock, or a TemperaError naming the process that holds it."""
        while True:
            descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as error:
                holder = self._holder(descriptor)
                os.close(descriptor)
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise TemperaError(
                    f"run folder {self.folder} is being trained by another process{holder}; "
                    "wait for it to end (or stop it), or use another --run folder") from None
            if self._still_named(descriptor):
                break
            # Its holder removed the file between our open and our lock: lock the new one.
            os.close(descriptor)
        self.descriptor = descriptor
        try:
            os.ftruncate(descriptor, 0)
            os.write(descriptor, f"{os.getpid()}\n".encode())
        except OSError:
            pass  # the process id only makes the refusal more helpful; a full disk must not stop us

    def release(self) -> None:
        if self.descriptor is None:
            return
        try:
            os.remove(self.path)  # before unlocking: a waiting opener then sees a new file
        except FileNotFoundError:
            pass
        os.close(self.descriptor)
        self.descriptor = None

    def _still_named(self, descriptor: int) -> bool:
        try:
            named = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(descriptor)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    @staticmethod
    def _holder(descriptor: int) -> str:
        try:
            text = os.pread(descriptor, 32, 0).decode("ascii").strip()
        except (OSError, UnicodeDecodeError):
            return ""
        return f" (process {text})" if text.isdigit() else ""
