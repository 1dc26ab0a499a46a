"""The rank buckets that colour the text: one table in likelihood.js, read by the lane text."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
MODULE = "file://" + os.path.join(ROOT, "frontend", "src", "likelihood.js")


def buckets_and_ranks():
    code = (f"import {{ RANK_BUCKETS, rankBucket }} from {json.dumps(MODULE)};\n"
            "const ranks = Array.from({ length: 40 }, (_, i) => i + 1);\n"
            "console.log(JSON.stringify({ buckets: RANK_BUCKETS.map((b) => ({ ...b, upTo: String(b.upTo) })),\n"
            "  ranks: ranks.map((rank) => [rank, rankBucket(rank)]) }));")
    result = subprocess.run([NODE, "--input-type=module", "-e", code], capture_output=True,
                            text=True, check=True, timeout=60)
    return json.loads(result.stdout)


def test_each_rank_falls_in_the_first_bucket_that_reaches_it():
    table = buckets_and_ranks()
    assert [b["upTo"] for b in table["buckets"]] == ["1", "3", "10", "Infinity"]
    expected = {1: 0, 2: 1, 3: 1, **{r: 2 for r in range(4, 11)}, **{r: 3 for r in range(11, 41)}}
    assert dict(table["ranks"]) == expected


def test_every_bucket_has_its_tint_in_the_style_sheet_and_the_legend():
    classes = [b["className"] for b in buckets_and_ranks()["buckets"]]
    assert classes == ["rank-1", "rank-2-3", "rank-4-10", "rank-over-10"]
    with open(os.path.join(ROOT, "frontend", "style.css"), encoding="utf-8") as handle:
        css = handle.read()
    with open(os.path.join(ROOT, "frontend", "index.html"), encoding="utf-8") as handle:
        legend = handle.read()
    for name in classes:
        assert f".{name} {{" in css and f"::highlight({name})" in css, name
        assert f'class="swatch {name}"' in legend, name
