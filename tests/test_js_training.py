"""The Training view's pure modules under Node (tests/training_modules.mjs): the loss chart's
geometry, the words for a run, which epochs are set side by side, lanes handed on in step, a
sample cut into rank runs, and the address of lanes by epoch. The page shows them for real in
test_training_view.py."""

import json
import shutil
import subprocess

import pytest

from helpers import ROOT, SHIPPED_BUNDLE
from tempera.cli import main

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed")


def call(*calls):
    """The results of [(function, args), …], computed by the page's modules in one Node."""
    items = [{"call": name, "args": list(args)} for name, *args in calls]
    result = subprocess.run([NODE, "tests/training_modules.mjs"], input=json.dumps(items), cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


SIZE = {"width": 500, "height": 300, "left": 50, "right": 100, "top": 20, "bottom": 40}
HISTORY = [[1, 4.9, 4.4], [2, 3.1, None], [3, 2.6, 2.7], [4, 2.2, 2.5]]
BASELINES = {"unigram_bits_per_char": 4.3, "ngram_bits_per_char": 4.2, "ngram_order": 5}


def test_the_loss_chart_places_each_epoch_and_bit_on_its_axes():
    chart, no_baselines, one_epoch = call(("lossChart", HISTORY, BASELINES, SIZE), ("lossChart", HISTORY, None, SIZE),
                                          ("lossChart", [[1, 3.0, 3.2]], None, SIZE))
    plot = {"left": 50, "right": 400, "top": 20, "bottom": 260}
    assert chart["plot"] == plot
    # Bits from 0 to the first tick at or above the largest value (4.9 → 5, ticks of 1).
    assert [t["value"] for t in chart["yTicks"]] == [0, 1, 2, 3, 4, 5]
    assert [t["value"] for t in chart["xTicks"]] == [1, 2, 3, 4]

    def x(epoch):
        return 50 + (epoch - 1) / 3 * 350

    def y(bits):
        return 260 - bits / 5 * 240

    train, held_out = chart["series"]
    assert [train["key"], held_out["key"]] == ["train", "heldOut"]
    for series, column in ((train, 1), (held_out, 2)):
        rows = [row for row in HISTORY if row[column] is not None]
        assert [p["epoch"] for p in series["points"]] == [row[0] for row in rows]
        for point, row in zip(series["points"], rows):
            assert point["bits"] == row[column]
            assert point["x"] == pytest.approx(x(row[0]), abs=0.01)
            assert point["y"] == pytest.approx(y(row[column]), abs=0.01)
    # A diverged epoch's null breaks the held-out curve: a new "M" after the gap.
    assert train["path"].count("M") == 1 and held_out["path"].count("M") == 2
    assert held_out["path"].startswith(f"M {held_out['points'][0]['x']} ")
    # Baselines: labelled lines at their bits; labels 0.1 bit apart are moved apart.
    unigram, ngram = chart["baselines"]
    assert (unigram["label"], ngram["label"]) == ("letter frequencies", "5-gram model")
    assert unigram["y"] == pytest.approx(y(4.3), abs=0.01) and ngram["y"] == pytest.approx(y(4.2), abs=0.01)
    assert unigram["labelY"] == unigram["y"] and ngram["labelY"] >= unigram["labelY"] + 14
    assert no_baselines["baselines"] == []
    # One epoch still has an x axis of some width.
    assert [t["value"] for t in one_epoch["xTicks"]] == [1, 2]
    assert one_epoch["series"][1]["points"][0]["x"] == 50


def test_axis_steps_are_one_two_two_and_a_half_or_five():
    cases = [(4.9, 5, 1), (0.37, 5, 0.1), (12, 5, 2.5), (7, 8, 1), (300, 8, 50), (0, 5, 1)]
    assert call(*[("niceStep", span, count) for span, count, _ in cases]) == [step for _, _, step in cases]


def test_words_for_a_run():
    training = {"name": "r", "state": "training", "epochs": 3, "elapsed_seconds": 75.2, "left_seconds": 4000,
                "budget_seconds": 4100, "history": [[1, 5, 4.5], [2, 4, 3.9], [3, 3.5, 3.6]], "best_epoch": 3,
                "recipe": {"name": "default", "layers": 2, "units": 128}, "recipe_reason": None,
                "corpus": {"name": "small", "chars": 8655}}
    first = {**training, "epochs": 0, "history": [], "best_epoch": None, "left_seconds": None}
    finished = {**training, "state": "finished", "epochs": 1, "elapsed_seconds": 3600}
    broken = {**finished, "error": "config.json in run folder r is not a JSON object"}
    results = call(("durationWords", 45.4), ("durationWords", 75.2), ("durationWords", 120), ("durationWords", 4000),
                   ("durationWords", None), ("runSummary", training), ("runSummary", first), ("runSummary", finished),
                   ("runSummary", broken), ("runFacts", training), ("runFacts", first))
    assert results[:5] == ["45 s", "1 min 15 s", "2 min", "1 h 6 min", None]
    assert results[5:9] == ["Training: 3 epochs done, 1 min 15 s so far, about 1 h 6 min left.",
                            "Training: first epoch under way, 1 min 15 s so far.",
                            "Finished: 1 epoch in 1 h.",
                            "This run's files cannot be read: config.json in run folder r is not a JSON object"]
    facts = {fact["term"]: fact["value"] for fact in results[9]}
    assert facts == {"Text": "small (8,655 characters)", "Recipe": "default: 2 layers of 128 units",
                     "Best epoch": "3: 3.60 bits per character on held-out text", "Time so far": "1 min 15 s",
                     "Time left": "1 h 6 min"}
    assert all(fact["plain"].endswith(".") for fact in results[9])
    assert {fact["term"]: fact["value"] for fact in results[10]}["Best epoch"] == "none yet"


def test_epochs_side_by_side_are_spread_from_the_first_to_the_last():
    assert call(("spreadEpochs", [1, 2, 3], 4), ("spreadEpochs", list(range(1, 11)), 4),
                ("spreadEpochs", list(range(1, 101)), 8), ("spreadEpochs", [2, 5], 1)) == [
        [1, 2, 3], [1, 4, 7, 10], [1, 15, 29, 43, 58, 72, 86, 100], [5]]


def test_lanes_of_separate_runs_are_handed_on_a_step_at_a_time():
    draws = [[0, "a"], [0, "b"], [1, "x"], [2, "1"], [0, "c"], [2, "2"], [1, "y"], [1, "z"], [2, "3"]]
    assert call(("lockstep", 3, draws)) == [[[0, ["a", "x", "1"]], [1, ["b", "y", "2"]], [2, ["c", "z", "3"]]]]
    # A lane that stopped early holds the others at its last step.
    assert call(("lockstep", 2, [[0, "a"], [0, "b"], [1, "x"]])) == [[[0, ["a", "x"]]]]


def test_a_sample_is_cut_into_runs_of_one_rank_bucket():
    text = "ab😀cd\ne"
    ranks = [1, 1, 2, 3, 11, 4, None]
    assert call(("tintedRuns", text, ranks)) == [[
        {"bucket": 0, "text": "ab"}, {"bucket": 1, "text": "😀c"}, {"bucket": 3, "text": "d"},
        {"bucket": 2, "text": "\n"}, {"bucket": None, "text": "e"}]]


# query -> (the lanes it gives: {lanesBy, trainingRun, epochs}, temperatures, notes)
ADDRESSES = {
    "?by=epoch&run=live&epochs=1,3,5&t=0.8": (
        {"lanesBy": "epoch", "trainingRun": "live", "epochs": [1, 3, 5]}, [0.8, 0.8, 0.8], []),
    "?by=epoch&run=live&epochs=2,4&t=0.5,1": (
        {"lanesBy": "epoch", "trainingRun": "live", "epochs": [2, 4]}, [0.5, 0.5],
        ["lanes by epoch share one temperature; using T = 0.5, the first of t="]),
    "?run=live&epochs=4&t=0.5,1": ({"lanesBy": "temperature", "trainingRun": "live", "epochs": [4]}, [0.5, 1], []),
    "?run=live&epochs=2,7": (
        {"lanesBy": "temperature", "trainingRun": "live", "epochs": [7]}, [0.2, 0.5, 1, 1.2],
        ["lanes by temperature use one epoch; using epoch 7, the last listed"]),
    "?by=epoch&run=live&epochs=0,x,3,3&t=1": (
        {"lanesBy": "epoch", "trainingRun": "live", "epochs": [3]}, [1],
        ['epochs "0,x,3,3" in the URL: item 1 "0" is not a whole number from 1, item 2 "x" is not a whole number '
         'from 1, epoch 3 is listed twice; using 3']),
    "?by=epoch&run=live&epochs=1,2,3,4,5,6,7,8,9&t=1": (
        {"lanesBy": "epoch", "trainingRun": "live", "epochs": [1, 2, 3, 4, 5, 6, 7, 8]}, [1] * 8,
        ['epochs "1,2,3,4,5,6,7,8,9" in the URL: 9 epochs are more than the 8 lanes the page has; '
         'using 1, 2, 3, 4, 5, 6, 7, 8']),
    "?by=epochs&run=live&epochs=2": (
        {"lanesBy": "temperature", "trainingRun": "live", "epochs": [2]}, [0.2, 0.5, 1, 1.2],
        ['by "epochs" in the URL is not one of temperature, epoch; lanes by temperature']),
    "?by=epoch&epochs=2&t=1": (
        {"lanesBy": "temperature", "trainingRun": None, "epochs": []}, [1],
        ["the URL names no run (run=); lanes by temperature on the chosen model"]),
    "?t=1,2": ({"lanesBy": "temperature", "trainingRun": None, "epochs": []}, [1, 2], []),
}


def test_the_address_of_lanes_by_epoch_is_read_with_a_note_for_what_it_cannot_use():
    results = call(*[("readUrl", query) for query in ADDRESSES])
    for (query, (lanes, temperatures, notes)), got in zip(ADDRESSES.items(), results):
        assert got["runLanes"] == lanes, query
        assert got["temperatures"] == temperatures and got["filters"] == len(temperatures), query
        assert got["notes"] == notes, query


def test_lanes_by_epoch_write_an_address_that_reads_back_the_same():
    common = {"seed": "the free spirit ", "filters": [{"topK": 0, "topP": 1, "minP": 0}] * 3, "length": 80,
              "rngSeed": 21, "mode": "stateful", "model": None}
    by_epoch = {**common, "temperatures": [0.8, 0.8, 0.8], "lanesBy": "epoch", "trainingRun": "a run/ü", "epochs": [1, 2, 5]}
    one_epoch = {**common, "temperatures": [0.5, 1, 1.5], "lanesBy": "temperature", "trainingRun": "live", "epochs": [2]}
    plain = {**common, "temperatures": [0.5, 1, 1.5]}
    written = call(("writeUrl", by_epoch), ("writeUrl", one_epoch), ("writeUrl", plain))
    assert "t=0.8&" in written[0] and "by=epoch" in written[0] and "epochs=1%2C2%2C5" in written[0]
    assert "by=" not in written[1] and "run=live" in written[1] and "epochs=2" in written[1]
    assert "run=" not in written[2] and "epochs=" not in written[2]
    read = call(*[("readUrl", search) for search in written])
    assert read[0]["runLanes"] == {"lanesBy": "epoch", "trainingRun": "a run/ü", "epochs": [1, 2, 5]}
    assert read[0]["temperatures"] == [0.8, 0.8, 0.8] and read[0]["notes"] == []
    assert read[1]["runLanes"] == {"lanesBy": "temperature", "trainingRun": "live", "epochs": [2]}
    assert read[2]["runLanes"] == {"lanesBy": "temperature", "trainingRun": None, "epochs": []}


def test_lanes_across_bundles_are_each_a_one_lane_run_as_tempera_sample(capsys):
    """The page's lanes across epochs (epoch-lanes.js) under Node: lane k is what `tempera sample`
    writes on bundle k alone with the same seed and RNG seed. One model at three temperatures
    tells the lanes apart: a lane given another's uniforms, temperature or place would differ."""
    temperatures = [0.5, 1.0, 1.5]
    run = {"bundles": [SHIPPED_BUNDLE] * 3, "backend": "cpu", "seedText": "the free spirit ",
           "temperatures": temperatures, "length": 60, "rngSeed": 21}
    result = subprocess.run([NODE, "tests/epoch_lanes_runs.mjs"], input=json.dumps(run), cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    expected = []
    for temperature in temperatures:
        assert main(["sample", SHIPPED_BUNDLE, "--seed-text", "the free spirit ", "--temperature", str(temperature),
                     "--length", "60", "--rng-seed", "21", "--json"]) == 0
        expected.append(json.loads(capsys.readouterr().out)["lanes"][0]["text"])
    assert len(set(expected)) == 3
    assert got == {"lanes": expected, "stepped": expected, "started": 3}
