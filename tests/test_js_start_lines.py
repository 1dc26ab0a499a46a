"""What the page says about its models once it starts (frontend/src/catalog.js), under Node.

The address's ?model= is echoed in these lines; a bidirectional control in it is written out as
its code point, as in the model menu, so it cannot turn the rest of the line around.
"""

import json
import os
import shutil
import subprocess

import pytest

from helpers import ROOT

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
MODULE = "file://" + os.path.join(ROOT, "frontend", "src", "catalog.js")


def start_lines(index, requested_id, loaded_id):
    code = (f"import * as catalog from {json.dumps(MODULE)};\n"
            "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n"
            "const entries = catalog.catalogEntries(input.index);\n"
            "const requested = entries.find((e) => e.id === input.requestedId) ?? null;\n"
            "const loaded = entries.find((e) => e.id === input.loadedId);\n"
            "console.log(JSON.stringify(catalog.startLines(entries, input.requestedId, requested,\n"
            "  loaded ? { entry: loaded } : null)));")
    result = subprocess.run([NODE, "--input-type=module", "-e", code], capture_output=True, text=True,
                            input=json.dumps({"index": index, "requestedId": requested_id, "loadedId": loaded_id}),
                            check=True, timeout=60)
    return json.loads(result.stdout)


INDEX = {"models": [{"id": "nietzsche", "name": "nietzsche"}, {"id": "small", "name": "small"}]}


def test_a_model_in_the_address_that_is_not_listed_is_named_with_its_controls_shown():
    lines = start_lines(INDEX, "evil\u202etxt.exe\u2066", "nietzsche")
    assert lines == ['model "evil[U+202E]txt.exe[U+2066]" is not available; showing nietzsche']
    assert not any(c in "".join(lines) for c in "\u202e\u2066")


def test_the_lines_for_a_plain_unknown_model_a_listed_one_and_none():
    assert start_lines(INDEX, "nope", "nietzsche") == ['model "nope" is not available; showing nietzsche']
    assert start_lines(INDEX, "small", "small") == []
    assert start_lines(INDEX, None, "nietzsche") == []
    assert start_lines({"models": [{"id": "a", "unavailable": "broken"}]}, "nope", None) == [
        'model "a" (models/a/) is unavailable: broken', "no model bundle could be loaded"]
