"""tempera.json has one schema, tempera/tempera.schema.json, which the NumPy reader (jsonschema)
and the page (@cfworker/json-schema, bundled into the page) both validate against: they accept
and refuse the same documents, and name the same field."""

import copy
import json
import os
import shutil
import subprocess

import jsonschema
import pytest

from conftest import ROOT, SHIPPED_BUNDLE
from tempera.bundle import FORMAT_VERSION, MAX_MAXLEN, META_SCHEMA, SCHEMA_PATH, BundleError, check_meta

NODE = shutil.which("node")
SRC = os.path.join(ROOT, "frontend", "src")


def shipped_meta() -> dict:
    with open(os.path.join(SHIPPED_BUNDLE, "tempera.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_the_schema_is_a_valid_json_schema_that_the_shipped_bundle_meets():
    jsonschema.Draft202012Validator.check_schema(META_SCHEMA)
    jsonschema.Draft202012Validator(META_SCHEMA).validate(shipped_meta())
    assert SCHEMA_PATH == os.path.join(ROOT, "tempera", "tempera.schema.json")
    assert (FORMAT_VERSION, MAX_MAXLEN) == (1, 10_000)


def changed(**fields) -> dict:
    """The shipped tempera.json with fields set (None: removed)."""
    meta = copy.deepcopy(shipped_meta())
    for key, value in fields.items():
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
    return meta


VOCABULARY = shipped_meta()["vocabulary"]
# name -> a tempera.json; None for the field the readers must name, or "" when both accept it
DOCUMENTS = {
    "shipped": (changed(), ""),
    "maxlen a whole float": (changed(maxlen=60.0), ""),
    "maxlen at the limit": (changed(maxlen=10_000), ""),
    "no name, no held-out, no digests": (changed(name=None, held_out=None, weights_sha256=None), ""),
    "an emoji in the vocabulary": (changed(vocabulary=[*VOCABULARY, "😀"]), ""),
    "maxlen 0": (changed(maxlen=0), "maxlen"),
    "maxlen over": (changed(maxlen=10_001), "maxlen"),
    "maxlen 2.5": (changed(maxlen=2.5), "maxlen"),
    "maxlen true": (changed(maxlen=True), "maxlen"),
    "maxlen a string": (changed(maxlen="60"), "maxlen"),
    "lowercase 1": (changed(lowercase=1), "lowercase"),
    "no lowercase": (changed(lowercase=None), "lowercase"),
    "no vocabulary": (changed(vocabulary=None), "vocabulary"),
    "vocabulary a string": (changed(vocabulary="abc"), "vocabulary"),
    "vocabulary empty": (changed(vocabulary=[]), "vocabulary"),
    "vocabulary two letters": (changed(vocabulary=[*VOCABULARY, "ab"]), "vocabulary"),
    "vocabulary an empty string": (changed(vocabulary=[*VOCABULARY, ""]), "vocabulary"),
    "vocabulary repeats": (changed(vocabulary=[*VOCABULARY, "a"]), "vocabulary"),
    "name a number": (changed(name=7), "name"),
    "held-out a string": (changed(held_out="good"), "held_out"),
    "held-out loss a string": (changed(held_out={"loss_nats_per_char": "1.3"}), "held_out"),
    "no baselines": (changed(baselines=None), ""),
    "baselines a number": (changed(baselines=2.9), "baselines"),
    "baselines without the order": (changed(baselines={"unigram_nats_per_char": 3.0,
                                                       "ngram_nats_per_char": 1.4}), "baselines"),
    "baselines a negative loss": (changed(baselines={"unigram_nats_per_char": -3.0, "ngram_nats_per_char": 1.4,
                                                     "ngram_order": 5}), "baselines"),
    "digests a list": (changed(weights_sha256=["x"]), "weights_sha256"),
    "digest upper case": (changed(weights_sha256={"a.bin": "AB" * 32}), "weights_sha256"),
    "digest short": (changed(weights_sha256={"a.bin": "ab"}), "weights_sha256"),
}


def python_says(meta: dict) -> str:
    try:
        check_meta(meta, "B")
    except BundleError as error:
        return str(error)
    return ""


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_both_readers_accept_and_refuse_the_same_documents_naming_the_same_field():
    code = (f"import * as checks from {json.dumps('file://' + SRC + '/bundle-checks.js')};\n"
            "import { readFileSync } from 'node:fs';\n"
            "const input = JSON.parse(readFileSync(0, 'utf8'));\n"
            "console.log(JSON.stringify(input.map((meta) => {\n"
            "  try { checks.checkMeta(meta); return ''; } catch (error) { return error.message; }\n"
            "})));")
    documents = [meta for meta, _ in DOCUMENTS.values()]
    result = subprocess.run([NODE, "--input-type=module", "-e", code], input=json.dumps(documents),
                            capture_output=True, text=True, check=True, cwd=ROOT, timeout=60)
    for (name, (meta, field)), page in zip(DOCUMENTS.items(), json.loads(result.stdout)):
        reader = python_says(meta)
        if not field:
            assert reader == page == "", name
            continue
        assert reader.startswith("tempera.json in B") and page.startswith("tempera.json"), (name, reader, page)
        assert f"'{field}'" in reader and f'"{field}"' in page, (name, reader, page)
