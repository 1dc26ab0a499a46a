"""Any saved epoch of a run as a bundle, made on demand by `tempera export`'s own code.

The bundle goes through the export's self-check (the NumPy reader must predict what Keras
predicts) and is kept in a cache folder outside the run, one folder per run and epoch, with a
stamp of the checkpoint it was made from: a checkpoint written again (a resumed run) makes a
new bundle. A checkpoint that fails is refused with the export's reason, remembered until the
checkpoint changes. One export runs at a time.
"""

import hashlib
import os
import threading

from tempera import __version__
from tempera.atomic import write_text
from tempera.catalog import is_inside
from tempera.errors import TemperaError
from tempera.quiet import import_quietly
from tempera.training.run_folder import RunFolder

from .file_version import open_version
from .runs_samples import MissingTraining

STAMP = "source.txt"
TRAINING_MODULES = ("tensorflow", "tf_keras", "tensorflowjs")


class NoSuchEpoch(LookupError):
    """The run has no such epoch in its history."""


def default_cache_dir() -> str:
    """The user's cache folder (XDG), never a run folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "tempera", "epoch-bundles")


def exporter():
    """tempera's export module, or MissingTraining when TensorFlow or tensorflowjs is not there."""
    try:
        for name in TRAINING_MODULES:
            import_quietly(name)
        return import_quietly("tempera.export.bundle_export")
    except ImportError as error:
        raise MissingTraining(f"making a bundle of an epoch needs TensorFlow and tensorflowjs "
                              f"({error.name or 'a module'} is not installed)") from None


def epoch_row(run: RunFolder, epoch: int) -> dict:
    for row in run.history():
        if row["epoch"] == epoch:
            return row
    raise NoSuchEpoch(epoch)


def source_stamp(run: RunFolder, row: dict) -> str:
    """What the bundle is made from: the checkpoint's version, the epoch's history row (its
    held-out figure goes into tempera.json) and this tempera's version."""
    path = run.file(row["checkpoint"])
    version = open_version(path) if is_inside(path, run.path) else None
    key = None
    if version is not None:
        key = version.key
        version.close()
    made_of = repr((key, sorted((k, repr(v)) for k, v in row.items()), __version__))
    return hashlib.blake2b(made_of.encode(), digest_size=16).hexdigest()


class EpochBundles:
    def __init__(self, cache_dir: str):
        self.cache_dir = os.path.abspath(cache_dir)
        self.lock = threading.Lock()
        self.failures = {}  # (entry folder, stamp) -> the TemperaError of that export

    def entry(self, folder: str, epoch: int) -> str:
        name = hashlib.blake2b(f"{folder}\0{epoch}".encode(), digest_size=12).hexdigest()
        return os.path.join(self.cache_dir, name)

    def cached(self, entry: str, stamp: str) -> str | None:
        bundle = os.path.join(entry, "bundle")
        try:
            with open(os.path.join(entry, STAMP), encoding="ascii") as handle:
                recorded = handle.read().strip()
        except (OSError, UnicodeDecodeError):
            return None
        return bundle if recorded == stamp and os.path.isfile(os.path.join(bundle, "tempera.json")) else None

    def bundle(self, folder: str, epoch: int) -> str:
        """The bundle folder of epoch `epoch` of the run in `folder` (its real path), made now
        if need be; NoSuchEpoch, MissingTraining, or a TemperaError saying why it cannot be."""
        run = RunFolder(folder)
        row = epoch_row(run, epoch)
        entry = self.entry(folder, epoch)
        stamp = source_stamp(run, row)
        found = self.cached(entry, stamp)
        if found:
            return found
        if (entry, stamp) in self.failures:
            raise self.failures[(entry, stamp)]
        export = exporter()
        with self.lock:
            found = self.cached(entry, stamp)  # made by the request that held the lock before
            if found:
                return found
            try:
                export.export_run(folder, os.path.join(entry, "bundle"), epoch=epoch, force=True)
            except TemperaError as error:
                self.failures[(entry, stamp)] = error
                raise
            write_text(os.path.join(entry, STAMP), stamp + "\n")
        return os.path.join(entry, "bundle")
