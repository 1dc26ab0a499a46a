"""Recording the SHA-256 of a bundle's weight shards in its tempera.json.

Export and quantize record them as they write a bundle; the readers (tempera/bundle.py, the
page's bundle.js) refuse a shard that does not match. A bundle exported before digests existed
can be given them with `python -m tempera.shard_digests BUNDLE`, which vouches for the shards
as they are now.
"""

import hashlib
import json
import os
import sys

from .atomic import write_json
from .bundle import DIGESTS_KEY, check_manifest
from .errors import TemperaError

CHUNK_BYTES = 2**20


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def shard_digests(folder: str) -> dict:
    """{shard file name: SHA-256} for every shard model.json's weights manifest names."""
    with open(os.path.join(folder, "model.json"), encoding="utf-8") as handle:
        manifest = json.load(handle).get("weightsManifest")
    check_manifest(manifest, folder)
    return {shard: file_sha256(os.path.join(folder, shard))
            for group in manifest for shard in group["paths"]}


def record_shard_digests(folder: str) -> dict:
    """Write the shards' digests into the bundle's tempera.json; returns the new metadata."""
    path = os.path.join(folder, "tempera.json")
    with open(path, encoding="utf-8") as handle:
        meta = json.load(handle)
    meta[DIGESTS_KEY] = shard_digests(folder)
    write_json(path, meta)
    return meta


def main(argv: list) -> int:
    if len(argv) != 1:
        print("usage: python -m tempera.shard_digests BUNDLE", file=sys.stderr)
        return 2
    try:
        meta = record_shard_digests(argv[0])
    except (TemperaError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"recorded the SHA-256 of {len(meta[DIGESTS_KEY])} weight shard(s) in "
          f"{os.path.join(argv[0], 'tempera.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
