"""Which files of a bundle folder the server sends: the bundle's own, as `build-site` publishes
them (model.json, tempera.json and the weight shards model.json names), and nothing else a
folder may hold: notes, stray copies, links."""

import json
import threading

from .file_version import open_version

BUNDLE_FILES = frozenset({"model.json", "tempera.json"})


def shard_names(model_json: bytes) -> set:
    """The plain file names of model.json's weight shards; none where it cannot be read (the
    page then reports the broken model.json itself)."""
    try:
        manifest = json.loads(model_json).get("weightsManifest")
        paths = [path for group in manifest for path in group["paths"]]
    except (ValueError, TypeError, AttributeError, KeyError):
        return set()
    return {p for p in paths if isinstance(p, str) and p and "/" not in p and p not in (".", "..")}


class BundleFileNames:
    """The names in each bundle, read from one version of its model.json and kept while that
    version stays (the same inode, size and times)."""

    def __init__(self):
        self.entries = {}  # model.json path -> (version key, names)
        self.lock = threading.Lock()

    def names(self, model_json_path: str) -> frozenset:
        version = open_version(model_json_path)
        if version is None:
            return BUNDLE_FILES
        try:
            known = self.entries.get(model_json_path)
            if known and known[0] == version.key:
                return known[1]
            data = version.read_all()
        finally:
            version.close()
        if data is None:  # written while read: its shards are not known yet
            return BUNDLE_FILES
        names = BUNDLE_FILES | shard_names(data)
        with self.lock:
            self.entries[model_json_path] = (version.key, names)
        return names
