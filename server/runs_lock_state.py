"""Is a run being trained? Its `.train-lock` is held by a live process (training/run_lock.py).

The lock is looked at, never taken: even a shared lock taken for an instant would make a
`tempera train` starting at that instant refuse to run. On Linux the kernel's table of locks
(/proc/locks) says whether the file is locked; where that table does not name the file (some
file systems report other inode numbers there) or does not exist, the process whose id the
lock file holds must be alive and, where /proc shows it, have the file open.
"""

import os

PROC_LOCKS = "/proc/locks"


def locked_files() -> set | None:
    """(major, minor, inode) of every file with an flock lock, or None without /proc/locks."""
    try:
        with open(PROC_LOCKS, encoding="ascii", errors="replace") as handle:
            lines = handle.readlines()
    except OSError:
        return None
    found = set()
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a process waiting for a lock, not holding one
            continue
        if len(fields) < 6 or fields[1] != "FLOCK":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            found.add((int(major, 16), int(minor, 16), int(inode)))
        except ValueError:
            continue
    return found


def holder_pid(path: str) -> int | None:
    try:
        with open(path, "rb") as handle:
            text = handle.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True


def has_open(pid: int, path: str) -> bool | None:
    """Does process `pid` hold `path` open? None where /proc does not show it."""
    folder = f"/proc/{pid}/fd"
    try:
        descriptors = os.listdir(folder)
    except OSError:
        return None
    target = os.path.realpath(path)
    for descriptor in descriptors:
        try:
            if os.readlink(os.path.join(folder, descriptor)) == target:
                return True
        except OSError:
            continue
    return False


UNREAD = object()


def lock_is_held(path: str, listed=UNREAD) -> bool:
    """Is the run lock at `path` held by a live process? `listed`: locked_files(), when read
    already for several runs."""
    try:
        info = os.stat(path)
    except OSError:  # a trainer removes its lock file as it lets go
        return False
    listed = locked_files() if listed is UNREAD else listed
    if listed is not None and (os.major(info.st_dev), os.minor(info.st_dev), info.st_ino) in listed:
        return True
    pid = holder_pid(path)
    if pid is None:  # written a moment after the lock is taken
        return listed is None
    return is_alive(pid) and has_open(pid, path) is not False


def lock_started(path: str) -> float | None:
    """When the lock's holder took it (unix seconds): the lock file's modification time."""
    try:
        return os.stat(path).st_mtime
    except OSError:
        return None
