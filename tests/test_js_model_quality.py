"""The page's verdict (frontend/src/model-quality.js, under Node) says what tempera/baselines.py
says, word for word, for every level and for broken or missing baselines."""

import json
import shutil
import subprocess

import pytest

from helpers import ROOT
from tempera.baselines import bundle_quality, verdict_level

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")

READ = """
import { modelQuality } from './frontend/src/model-quality.js';
let input = '';
for await (const chunk of process.stdin) input += chunk;
console.log(JSON.stringify(JSON.parse(input).map((meta) => modelQuality(meta))));
"""

FIGURES = {"unigram_nats_per_char": 3.0, "ngram_nats_per_char": 2.0, "ngram_order": 5}
BROKEN = [None, [], "x", {"ngram_order": 5}, {**FIGURES, "ngram_order": True},
          {**FIGURES, "ngram_order": 2.5}, {**FIGURES, "ngram_nats_per_char": "2.0"},
          {**FIGURES, "unigram_nats_per_char": 0}, {**FIGURES, "unigram_nats_per_char": -1}]


def metas() -> list:
    cases = [{"held_out": {"loss_nats_per_char": loss}, "baselines": FIGURES}
             for loss in (3.3, 3.0, 2.7, 2.5, 2.3, 2.05, 2.0, 1.95, 1.9, 1.75, 1.2)]
    cases.append({"held_out": {"loss_nats_per_char": 1.9, "quantized_loss_nats_per_char": 2.2},
                  "baselines": {**FIGURES, "ngram_order": 3}})
    cases.append({"held_out": {"loss_nats_per_char": 2.5},
                  "baselines": {**FIGURES, "ngram_nats_per_char": 3.4}})
    cases += [{"held_out": {"loss_nats_per_char": 1.5}, "baselines": broken} for broken in BROKEN]
    cases += [{"baselines": FIGURES}, {"held_out": {"loss_nats_per_char": None}, "baselines": FIGURES}]
    return cases


def test_the_page_words_a_model_as_the_command_line_does():
    cases = metas()
    result = subprocess.run([NODE, "--input-type=module", "-e", READ], input=json.dumps(cases),
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for meta, shown in zip(cases, json.loads(result.stdout)):
        expected = bundle_quality(meta)
        if expected is None:
            assert shown is None, meta
            continue
        assert shown["details"] == expected and expected.startswith(shown["words"] + " (")
        loss = meta["held_out"].get("quantized_loss_nats_per_char", meta["held_out"]["loss_nats_per_char"])
        assert shown["level"] == verdict_level(loss, meta["baselines"])
    assert len({shown["level"] for shown in json.loads(result.stdout) if shown}) == 6  # every level
