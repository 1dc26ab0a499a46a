"""`tempera train` chooses the recipe for the text's size and the time budget, says so in one
line, records it, and every number can still be set by hand."""

import json
import os

import pytest

from tempera.cli import parser
from tempera.errors import TemperaError
from tempera.training.options import check_same_recipe, choose_for_text, new_config
from tempera.training.recipes import CHOICES, RECIPES, choose_recipe
from train_in_process import one_line_error, train_in_process


def shape(recipe):
    return (recipe.layers, recipe.units, recipe.dropout, recipe.batch, recipe.seq_len)


@pytest.mark.parametrize("train_chars, minutes, expected", [
    # The grid's cells (BENCHMARKS.md, "A recipe for the text and the time"): training characters
    # are 90 % of each text.
    (31_634, 3, (1, 256, 0.2, 64, 100)),
    (31_634, 10, (1, 256, 0.5, 64, 100)),
    (270_000, 3, (1, 256, 0.2, 64, 100)),
    (270_000, 10, (1, 256, 0.2, 64, 100)),
    (900_000, 3, (1, 128, 0.1, 64, 100)),
    (900_000, 10, (1, 256, 0.2, 64, 100)),
    (900_000, 30, (2, 256, 0.3, 64, 100)),
])
def test_the_rule_gives_each_cell_of_the_grid_its_best_recipe(train_chars, minutes, expected):
    choice = choose_recipe(train_chars, minutes, 100_000)
    assert shape(choice.recipe) == expected
    assert choice.recipe.name == "auto"
    # Everything the rule does not choose is the default recipe's.
    assert (choice.recipe.optimizer, choice.recipe.learning_rate, choice.recipe.clipnorm) == (
        RECIPES["default"].optimizer, RECIPES["default"].learning_rate, RECIPES["default"].clipnorm)


def test_every_size_and_time_gets_a_valid_recipe():
    for chars in (1, 999, 100_000, 100_001, 10**6, 10**9):
        for minutes in (None, 0.1, 3, 10, 30, 600):
            choice = choose_recipe(chars, minutes, 20)
            choice.recipe.check()
            assert "\n" not in choice.line and choice.line.startswith("Recipe: ")
    assert CHOICES[-1][0] is None


def test_more_time_for_each_character_never_means_less_dropout_or_a_smaller_model():
    recipes = [choose_recipe(1_000_000, minutes, 1).recipe for minutes in (1, 3, 6, 10, 30, 100, 300, 1000)]
    for smaller, larger in zip(recipes, recipes[1:]):
        assert larger.units * larger.layers >= smaller.units * smaller.layers
        assert larger.dropout >= smaller.dropout


def test_without_a_budget_the_epochs_stand_for_the_time():
    short = choose_recipe(90_000, None, 1)
    long = choose_recipe(90_000, None, 100)
    assert short.inputs["minutes"] < long.inputs["minutes"]
    assert "100 epochs (about 30 minutes here)" in long.reason
    assert "a 3-minute budget" in choose_recipe(90_000, 3, 100).reason
    assert shape(short.recipe) == (1, 128, 0.1, 64, 100)
    assert shape(long.recipe) == (1, 256, 0.5, 64, 100)


def test_without_a_budget_a_big_text_gets_two_layers():
    # Epoch by epoch, two layers held out better on Nietzsche and the Bible (BENCHMARKS.md).
    assert shape(choose_recipe(540_000, None, 1).recipe) == (2, 256, 0.3, 64, 100)
    assert shape(choose_recipe(540_000, 3, 20).recipe) != (2, 256, 0.3, 64, 100)
    assert shape(choose_recipe(499_999, None, 20).recipe) != (2, 256, 0.3, 64, 100)


def test_numbers_set_by_hand_are_kept_and_named():
    choice = choose_recipe(31_634, 3, 100, {"units": 64, "seq_len": 50})
    assert (choice.recipe.units, choice.recipe.seq_len) == (64, 50)
    assert choice.recipe.layers == choose_recipe(31_634, 3, 100).recipe.layers
    assert "set by hand: --units, --seq-len" in choice.line
    assert choice.inputs["by_hand"] == ["seq_len", "units"]


def config_for(*options, corpus_chars=35_149):
    args = parser().parse_args(["train", "--corpus", "text.txt", *options])
    config = new_config(args)
    return config, choose_for_text(config, args, corpus_chars), args


def test_a_new_run_records_the_chosen_recipe_and_why():
    config, line, _ = config_for("--time-budget", "3")
    assert line.startswith("Recipe: 1 × LSTM(256), dropout 0.2, batch 64, 100-char sequences — "
                           "chosen for 31,634 characters of training text and a 3-minute budget")
    assert config["recipe"]["name"] == "auto" and config["recipe"]["units"] == 256
    assert config["recipe_reason"] in line
    assert config["recipe_choice"] == {"train_chars": 31_634, "budget_minutes": 3.0, "epochs": 20,
                                       "minutes": 3.0, "minutes_per_100k_chars": 9.483, "by_hand": []}
    json.dumps(config, allow_nan=False)


@pytest.mark.parametrize("name", ["default", "notebook"])
def test_a_named_recipe_is_used_as_it_is(name):
    config, line, _ = config_for("--recipe", name, "--time-budget", "3")
    assert line is None
    assert config["recipe"] == RECIPES[name].to_dict()
    assert config["recipe_reason"] == f"set by hand: --recipe {name}"


def test_a_resumed_run_keeps_its_chosen_recipe():
    config, _, _ = config_for("--time-budget", "3")
    _, _, again = config_for("--recipe", "default")
    with pytest.raises(TemperaError, match="was made with --recipe auto"):
        check_same_recipe(again, config, "runs/x")
    _, _, plain = config_for("--epochs", "40")
    check_same_recipe(plain, config, "runs/x")  # no option that changes the recipe


@pytest.mark.slow
def test_train_prints_and_records_the_choice(small_corpus, tmp_path, capfd):
    from helpers import run_cli

    run = str(tmp_path / "run")
    result = run_cli("train", "--corpus", small_corpus, "--run", run, "--units", "8", "--seq-len", "20",
                     "--epochs", "1", "--verbose", "0")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("Recipe: ")]
    assert len(lines) == 1 and "1 × LSTM(8), dropout 0.1, batch 64, 20-char sequences" in lines[0]
    assert "set by hand: --units, --seq-len" in lines[0]
    config = json.load(open(os.path.join(run, "config.json"), encoding="utf-8"))
    assert config["recipe"]["name"] == "auto" and config["recipe"]["units"] == 8
    assert config["recipe_reason"] in lines[0]
    # Resuming keeps the recorded recipe: another one is refused before TensorFlow loads.
    one_line_error(train_in_process(capfd, "--run", run, "--recipe", "default", "--epochs", "2"),
                   "train", "was made with --recipe auto", "use a new --run folder")
