"""The embeddable module (frontend/dist/tempera-node.mjs, built from frontend/src/embed*.js) under
Node, as a project uses it: load() a bundle, run() and the generate() iterator against the NumPy
reference on the shipped model, on the CPU and WASM backends, and score() as `tempera score
--json`. Then `npm pack`'s tarball, installed into an empty folder without the network, imports
as `tempera` and gives the same results. The same module in Chromium, on a page of another
origin, is test_embed_page.py."""

import functools
import json
import os
import shutil
import subprocess

import pytest

from helpers import (ROOT, SHIPPED_BUNDLE, Distributions, check_records, check_score, check_statistics,
                     compared_length, head, reference, reference_score)
from tempera.sampling import lane_filters

NODE = shutil.which("node")
NPM = shutil.which("npm")
pytestmark = pytest.mark.skipif(NODE is None or NPM is None, reason="Node.js and npm are not installed")

MODULE = os.path.join(ROOT, "frontend", "dist", "tempera-node.mjs")
RUNNER = os.path.join(ROOT, "tests", "js_module_runs.mjs")
# Plain lanes, a filtered twin of T = 1.2 and one that combines the filters; the options named
# as window.tempera.generate takes them (seed: the name ml5's charRNN uses).
OPTIONS = {
    "stateful": dict(seed="The Will to Power 😀 § -- what is", temperatures=[0, 0.5, 1.2, 1.2, 1.5],
                     topK=[0, 0, 0, 5, 20], topP=[1, 1, 1, 0.9, 0.8], minP=[0, 0, 0, 0, 0.02],
                     length=120, rngSeed=20261206, mode="stateful"),
    "window": dict(seedText="Supposing that truth is a woman--what then? §" * 2, temperatures=[0.2, 1.0],
                   length=10, rngSeed=7, mode="window"),
}
SCORE_TEXT = "Thus spoke Zarathustra — § the will 😀 to power!"
CASES = [(backend, mode) for backend in ("cpu", "wasm") for mode in OPTIONS]


def node_runs(module, runs, cwd=ROOT, runner=RUNNER):
    request = {"module": module, "runs": runs}
    result = subprocess.run([NODE, runner], input=json.dumps(request), cwd=cwd, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def request_for(backend, mode, bundle=SHIPPED_BUNDLE):
    return {"bundle": bundle, "backend": backend, "options": OPTIONS[mode], "scoreText": SCORE_TEXT, "mode": mode}


@pytest.fixture(scope="module")
def runs():
    """{(backend, mode): what the built module gave}, in one Node process."""
    if not os.path.isfile(MODULE):
        pytest.fail(f"{MODULE} is not built: run `npm run build`")
    got = node_runs(MODULE, [request_for(backend, mode) for backend, mode in CASES])
    return dict(zip(CASES, got))


@functools.cache
def reference_lanes(mode):
    bundle, generator = reference(SHIPPED_BUNDLE)
    options = OPTIONS[mode]
    lanes = len(options["temperatures"])
    filters = lane_filters(lanes, options.get("topK"), options.get("topP"), options.get("minP"))
    seed = options.get("seed", options.get("seedText"))
    return generator.generate(bundle.vocab.encode_seed(seed).ids, options["temperatures"], options["length"],
                              options["rngSeed"], mode, filters=filters, records=True)


@pytest.mark.parametrize("backend, mode", CASES)
def test_run_equals_the_reference(runs, backend, mode):
    got = runs[(backend, mode)]
    assert got["backend"]["name"] == backend and got["backend"]["forced"] is True
    bundle, generator = reference(SHIPPED_BUNDLE)
    vocab = bundle.vocab
    options = OPTIONS[mode]
    encoding = vocab.encode_seed(options.get("seed", options.get("seedText")))
    assert got["run"]["seedText"] == encoding.text
    assert got["run"]["backend"] == backend and got["run"]["rngSeed"] == options["rngSeed"]
    notes = []
    for index, (js_lane, lane) in enumerate(zip(got["run"]["lanes"], reference_lanes(mode), strict=True)):
        where = f"{backend} {mode} lane {index + 1} (T = {lane.temperature} {lane.filters.label()})"
        assert js_lane["temperature"] == lane.temperature, where
        assert (js_lane["top_k"], js_lane["top_p"], js_lane["min_p"]) == \
            (lane.filters.top_k, lane.filters.top_p, lane.filters.min_p), where
        distributions = Distributions(generator, encoding.ids, vocab.encode(lane.text), mode)
        upto = compared_length(js_lane["text"], lane, distributions, where, notes)
        check_records(js_lane["steps"][:upto], lane.text[:upto], head(lane.records, upto), distributions, vocab, where)
        if upto == options["length"]:
            check_statistics(js_lane["stats"], lane.statistics(), f"{where} stats")
    check_score(got["score"], reference_score(generator, vocab, SCORE_TEXT, mode), generator, vocab, mode,
                f"{backend} {mode} score")
    print(f"{backend} {mode}: {len(notes)} step(s) near a boundary {notes}")


@pytest.mark.parametrize("backend, mode", CASES)
def test_generate_yields_the_run_step_by_step(runs, backend, mode):
    """generate()'s steps, lane by lane, are run()'s records (each step as the Python API's
    Step.to_json() writes it), and it returns what run() resolves to."""
    got = runs[(backend, mode)]
    lanes = got["run"]["lanes"]
    assert [step["step"] for step in got["streamed"]] == list(range(OPTIONS[mode]["length"]))
    assert all(step["chars"] == [lane["char"] for lane in step["lanes"]] for step in got["streamed"])
    for index, lane in enumerate(lanes):
        assert [step["lanes"][index] for step in got["streamed"]] == lane["steps"], f"{backend} {mode} lane {index}"
    assert got["returned"] == got["run"]
    # Breaking out of the loop after three steps of a 100,000-character run stops it there.
    assert got["early"] == ["".join(lane["text"][k] for lane in lanes) for k in range(3)]


@pytest.mark.slow
def test_the_packed_package_installs_offline_and_gives_the_same_text(runs, tmp_path):
    """`npm pack` -> install into an empty folder (no network: the package has no dependency of
    its own; TensorFlow.js, its peer, is linked from this checkout's node_modules as a project
    that has it installed would have it) -> `import { load } from 'tempera'` gives the same
    runs, the shipped model by its name, and the backend the page would choose (WASM: Node has
    no WebGL)."""
    packed = subprocess.run([NPM, "pack", "--ignore-scripts", "--json", "--pack-destination", str(tmp_path)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert packed.returncode == 0, packed.stderr[-2000:]
    listing = json.loads(packed.stdout)[0]
    files = {entry["path"] for entry in listing["files"]}
    assert {"frontend/dist/tempera.mjs", "frontend/dist/tempera-node.mjs", "models/nietzsche/model.json",
            "frontend/dist/wasm/tfjs-backend-wasm-simd.wasm"} <= files, files
    assert not any(path.startswith(("frontend/src/", "tests/", "tempera/")) for path in files), files
    project = tmp_path / "project"
    project.mkdir()
    (project / "package.json").write_text('{"name": "project", "private": true, "type": "module"}\n')
    installed = subprocess.run([NPM, "install", "--offline", "--no-audit", "--no-fund", "--legacy-peer-deps",
                                str(tmp_path / listing["filename"])], cwd=project, capture_output=True, text=True,
                               timeout=120)
    assert installed.returncode == 0, installed.stderr[-2000:]
    peers = project / "node_modules" / "@tensorflow"
    peers.mkdir()
    for name in os.listdir(os.path.join(ROOT, "node_modules", "@tensorflow")):
        os.symlink(os.path.join(ROOT, "node_modules", "@tensorflow", name), peers / name)
    shutil.copy(RUNNER, project / "runs.mjs")
    got = node_runs("tempera", [request_for(None, "stateful", bundle="nietzsche"),
                                request_for("cpu", "stateful", bundle="nietzsche")],
                    cwd=project, runner=str(project / "runs.mjs"))
    assert got[0]["backend"]["name"] == "wasm" and got[0]["backend"]["forced"] is False, got[0]["backend"]
    assert got[1]["backend"]["name"] == "cpu"
    for packed_run, backend in zip(got, ("wasm", "cpu")):
        local = runs[(backend, "stateful")]
        assert packed_run["run"]["lanes"] == local["run"]["lanes"], backend
        assert packed_run["streamed"] == local["streamed"] and packed_run["score"] == local["score"], backend


def test_the_steps_and_lanes_are_shaped_as_the_python_api_gives_them(runs):
    """A step of generate() is what tempera.Model.stream()'s Step.to_json() writes, and a lane of
    run() has the keys of `tempera sample --json`'s: one shape in both languages."""
    import tempera

    options = OPTIONS["stateful"]
    stream = tempera.load(SHIPPED_BUNDLE).stream(
        options["seed"], temperatures=options["temperatures"], length=options["length"],
        rng_seed=options["rngSeed"], top_k=options["topK"], top_p=options["topP"], min_p=options["minP"],
        mode="stateful")
    steps = [step.to_json() for step in stream]
    for backend in ("cpu", "wasm"):
        got = runs[(backend, "stateful")]
        assert len(got["streamed"]) == len(steps)
        for mine, theirs in zip(got["streamed"], steps, strict=True):
            assert set(mine) == set(theirs) and mine["step"] == theirs["step"], (mine, theirs)
            assert mine["chars"] == theirs["chars"], f"{backend} step {theirs['step']}"
            for lane, (a, b) in enumerate(zip(mine["lanes"], theirs["lanes"], strict=True)):
                assert set(a) == set(b) and a["u"] == b["u"] and a["char"] == b["char"], (backend, lane, a, b)
        expected = stream.result.to_json()["lanes"]
        assert [set(lane) for lane in got["run"]["lanes"]] == [set(lane) for lane in expected]
        assert [lane["text"] for lane in got["run"]["lanes"]] == [lane["text"] for lane in expected]


REFUSALS = """
const { load } = await import(process.argv[1]);
const said = async (work) => {
  try {
    await work();
    return 'no error';
  } catch (error) {
    return `${error.constructor.name}: ${error.message}`;
  }
};
const model = await load(process.argv[2], { backend: 'cpu' });
const out = {
  otherBackend: await said(() => load(process.argv[2], { backend: 'wasm' })),
  unknownBackend: await said(() => load(process.argv[2], { backend: 'gpu' })),
  noBundle: await said(() => load(process.argv[2] + '/nothing-here')),
  noAddress: await said(() => load('')),
  badTemperature: await said(() => model.run({ seed: 'the', temperatures: [-1], length: 3, rngSeed: 1 })),
  sameBackend: (await load(process.argv[2])).backend.name,
};
model.dispose();
out.afterDispose = await said(() => model.run({ seed: 'the', temperatures: [1], length: 3 }));
process.stdout.write(JSON.stringify(out) + '\\n', () => process.exit(0));
"""


def test_bad_loads_and_runs_say_what_is_wrong_in_one_line():
    result = subprocess.run([NODE, "--input-type=module", "-e", REFUSALS, MODULE, SHIPPED_BUNDLE], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    said = json.loads(result.stdout.strip().splitlines()[-1])
    assert said["otherBackend"] == ("Error: the models on this page run on cpu, and a page has one backend at a "
                                    "time: dispose() them before loading one on wasm")
    assert said["unknownBackend"] == 'TypeError: backend must be one of webgl, wasm, cpu, measure, not "gpu"'
    assert said["noBundle"].startswith("BundleError: tempera.json is missing (HTTP 404"), said["noBundle"]
    assert said["noAddress"].startswith("TypeError: load() needs the URL of a bundle folder"), said["noAddress"]
    assert said["badTemperature"] == "SamplingError: temperature must be 0 (greedy) or positive, got -1"
    assert said["sameBackend"] == "cpu"  # a load that forces nothing shares the page's backend
    assert said["afterDispose"] == "Error: this model was disposed; load it again"
    assert all("\n" not in line for line in said.values() if isinstance(line, str))
