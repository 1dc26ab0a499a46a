"""`import tempera`: load(), sample(), stream() and score() give what the command line prints,
show in Jupyter as the page shows lanes, and refuse bad input in the command line's words."""

import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser

import pytest

import tempera
from conftest import ROOT, SHIPPED_BUNDLE
from tempera import cli
from tempera.html_view import RANK_BUCKETS, RANK_COLOURS, rank_class


@pytest.fixture(scope="module")
def model():
    return tempera.load("nietzsche")


def cli_run(capsys, *args) -> tuple[int, str, str]:
    """The real command line, in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    status = cli.main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def cli_json(capsys, *args) -> dict:
    status, out, err = cli_run(capsys, *args, "--json")
    assert status == 0, err
    return json.loads(out)


def cli_error(capsys, command: str, *args) -> str:
    """The message of a refused command, without its `tempera <command>: error: ` prefix."""
    status, _, err = cli_run(capsys, command, *args)
    assert status == 2, err
    prefix = f"tempera {command}: error: "
    assert err.startswith(prefix) and err.count("\n") == 1, err
    return err[len(prefix):].strip()


# (seed, temperatures, length, rng seed, filters as keyword arguments, mode)
SAMPLES = [
    ("the meaning of life is ", (0.2, 0.5, 1.0, 1.2), 60, 1, {}, "stateful"),
    ("Thus spake ☃ Zarathustra: «", (0, 0.7), 40, 4242, {"top_k": 5}, "window"),
    ("what is noble? ", (1.0, 1.5), 50, 2**32 - 1, {"top_p": 0.9, "min_p": [0.05, 0.1]}, "stateful"),
    ("x", 1.1, 30, 0, {"top_k": [3], "top_p": 1, "min_p": 0}, "stateful"),
]


def cli_args(seed, temperatures, length, rng_seed, filters, mode) -> list:
    args = ["sample", "nietzsche", "--seed-text", seed, "--length", str(length),
            "--rng-seed", str(rng_seed), "--mode", mode, "--temperature",
            *map(str, temperatures if isinstance(temperatures, tuple) else [temperatures])]
    for name, value in filters.items():
        args += [f"--{name.replace('_', '-')}", *map(str, value if isinstance(value, list) else [value])]
    return args


@pytest.mark.parametrize("case", SAMPLES, ids=["defaults", "unknown-char-window-topk", "top-p-min-p",
                                               "one-lane"])
def test_sample_is_what_the_command_line_prints_as_json(model, capsys, case):
    seed, temperatures, length, rng_seed, filters, mode = case
    result = model.sample(seed, temperatures=temperatures, length=length, rng_seed=rng_seed,
                          mode=mode, **filters)
    status, out, err = cli_run(capsys, *cli_args(*case), "--json")
    assert status == 0, err
    assert result.to_json() == json.loads(out)
    assert result.json == result.to_json()
    assert result.to_json_text() + "\n" == out  # byte for byte
    assert result.rng_seed == rng_seed and result.seed_text == json.loads(out)["seed_text"]
    # the notes the command line prints on stderr are the result's notes
    assert [line.removeprefix("note: ") for line in err.splitlines()] == result.notes


def test_the_unknown_character_is_dropped_and_said(model):
    result = model.sample("Thus spake ☃ Zarathustra", temperatures=1, length=5, rng_seed=3)
    assert result.seed_text == "thus spake  zarathustra"
    assert any("'☃'" in note for note in result.notes) and any("lowercased" in n for n in result.notes)


def test_defaults_are_the_notebook_temperatures_and_a_drawn_seed_is_kept(model, capsys):
    result = model.sample("the ", length=8)
    assert [lane.temperature for lane in result.lanes] == [0.2, 0.5, 1.0, 1.2]
    assert 0 <= result.rng_seed < 2**32
    again = cli_json(capsys, "sample", "nietzsche", "--seed-text", "the ", "--length", "8",
                     "--rng-seed", str(result.rng_seed))
    assert again == result.to_json()


def test_plain_text_is_what_the_command_line_prints(model, capsys):
    result = model.sample("the free spirit ", temperatures=(0, 0.8), length=40, rng_seed=9, top_k=[0, 4])
    status, out, _ = cli_run(capsys, "sample", "nietzsche", "--seed-text", "the free spirit ",
                             "--temperature", "0", "0.8", "--length", "40", "--rng-seed", "9",
                             "--top-k", "0", "4")
    assert status == 0
    lanes_part = out[out.index("------ temperature"):]
    assert str(result) + "\n" == lanes_part
    assert "------ temperature: greedy\n" in lanes_part and "· top-k 4" in lanes_part
    shown = repr(result)
    assert "rng seed 9" in shown and "top-1" in shown and "the free spirit " in shown


@pytest.mark.parametrize("text,mode", [
    ("the free spirit is a mask; perhaps. ", "stateful"),
    ("Über alles ☃ — the WILL to power!\n", "window"),
])
def test_score_is_what_the_command_line_prints_as_json(model, capsys, text, mode):
    scored = model.score(text, mode=mode)
    got = cli_json(capsys, "score", "nietzsche", "--text", text, "--mode", mode)
    assert scored.to_json() == got and scored.json == got
    assert scored.bits_per_char == got["bits_per_char"] and scored.scored == got["scored"]
    assert scored.dropped == got["dropped"]
    status, out, _ = cli_run(capsys, "score", "nietzsche", "--text", text, "--mode", mode)
    assert status == 0 and out == str(scored) + "\n"


@pytest.mark.parametrize("case", SAMPLES[:3], ids=["defaults", "window-topk", "top-p-min-p"])
def test_stream_yields_the_sample_step_by_step(model, case):
    seed, temperatures, length, rng_seed, filters, mode = case
    expected = model.sample(seed, temperatures=temperatures, length=length, rng_seed=rng_seed,
                            mode=mode, **filters).to_json()
    stream = model.stream(seed, temperatures=temperatures, length=length, rng_seed=rng_seed,
                          mode=mode, **filters)
    assert stream.result is None
    steps = list(stream)
    assert [step.index for step in steps] == list(range(length))
    for lane, want in enumerate(expected["lanes"]):
        assert "".join(step.chars[lane] for step in steps) == want["text"]
        assert [step.records[lane] for step in steps] == want["steps"]
    assert stream.result.to_json() == expected
    assert json.loads(json.dumps(steps[0].to_json()))["chars"] == list(steps[0].chars)


def test_stream_checks_its_arguments_before_the_first_step(model):
    with pytest.raises(tempera.TemperaError, match="temperature must be 0"):
        model.stream("the ", temperatures=(-1,))
    assert list(model.stream("the ", length=0, rng_seed=1)) == []


def test_greedy_follows_the_most_likely_character(model):
    result = model.sample("the ", temperatures=0, length=30, rng_seed=5)
    steps = result.to_json()["lanes"][0]["steps"]
    assert all(step["rank"] == 1 for step in steps)
    assert str(result).startswith("------ temperature: greedy\n")


# ---- the HTML view ----------------------------------------------------------------------------
def page_buckets() -> list:
    """(class, up to) of RANK_BUCKETS in frontend/src/likelihood.js."""
    with open(os.path.join(ROOT, "frontend", "src", "likelihood.js"), encoding="utf-8") as handle:
        source = handle.read()
    table = source[source.index("RANK_BUCKETS = "):]
    table = table[:table.index("]);")]
    return [(name, math.inf if up_to == "Infinity" else int(up_to))
            for up_to, name in re.findall(r"upTo: (\w+), className: '([\w-]+)'", table)]


def page_colours() -> dict:
    """--rank-* of frontend/style.css: (light, dark) by class."""
    with open(os.path.join(ROOT, "frontend", "style.css"), encoding="utf-8") as handle:
        css = handle.read()
    dark = css.index("prefers-color-scheme: dark")
    light = dict(re.findall(r"--(rank-[\w-]+): (#[0-9a-f]{6})", css[:dark]))
    darker = dict(re.findall(r"--(rank-[\w-]+): (#[0-9a-f]{6})", css[dark:css.index("}", dark)]))
    return {name: (light[name], darker[name]) for name in light}


def test_the_html_uses_the_page_rank_buckets_and_colours():
    assert [(name, up_to) for name, up_to, _ in RANK_BUCKETS] == page_buckets()
    assert RANK_COLOURS == page_colours()
    assert [rank_class(rank) for rank in (1, 2, 3, 4, 10, 11, 57)] == [
        "rank-1", "rank-2-3", "rank-2-3", "rank-4-10", "rank-4-10", "rank-over-10", "rank-over-10"]


class Elements(HTMLParser):
    """Checks that every element the view opens it closes, in order; counts them by tag."""

    VOID = {"br", "hr", "img", "input", "meta", "link"}

    def __init__(self, page: str):
        super().__init__()
        self.open, self.count = [], {}
        self.feed(page)
        self.close()
        assert not self.open, f"never closed: {self.open}"

    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()


def spans(fragment: str) -> list:
    """(class, character) of each per-character span in the HTML."""
    return [(name, html.unescape(char)) for name, char in
            re.findall(r'<span class="(rank-[\w-]+)" data-step="\d+" title="[^"]*">(.*?)</span>', fragment, re.DOTALL)]


def test_the_html_shows_lanes_side_by_side_each_character_tinted_by_its_rank(model):
    result = model.sample("the will to power ", temperatures=(0.2, 1.2), length=120, rng_seed=11,
                          top_k=[0, 20])
    page = result._repr_html_()
    assert "<script" not in page.lower()
    elements = Elements(page).count
    assert elements["section"] == 2 and elements["style"] == 1 and "script" not in elements
    lanes = page.split('<section class="lane"')[1:]
    assert len(lanes) == 2 and "grid-template-columns" in page
    for lane_html, lane in zip(lanes, result.to_json()["lanes"]):
        assert spans(lane_html) == [(rank_class(step["rank"]), step["char"]) for step in lane["steps"]]
        stats = dict(re.findall(r'<dt title="[^"]*">([^<]+)</dt><dd title="[^"]*" data-value="([^"]*)"', lane_html))
        assert float(stats["bits/char"]) == lane["stats"]["bits_per_char"]
        assert float(stats["top-1"]) == lane["stats"]["top1_share"]
    assert "top-k 20" in lanes[1] and "adventurous" in lanes[1] and "cautious" in lanes[0]
    for name, (light, dark) in RANK_COLOURS.items():
        assert f".{name} {{ background: {light}; }}" in page and f".{name} {{ background: {dark}; }}" in page
        assert f'class="swatch {name}"' in page


def test_the_html_of_a_score_tints_every_scored_character(model):
    scored = model.score("the free spirit laughs. ")
    page = scored._repr_html_()
    Elements(page)
    chars = scored.to_json()["chars"]
    assert spans(page) == [(rank_class(c["rank"]), c["char"]) for c in chars]
    assert html.escape(str(scored)) in page


@pytest.fixture(scope="module")
def angle_bundle(tmp_path_factory):
    """The shipped model with "[", "]", "_" and "=" read as "<", ">", "&" and "/": a real bundle whose
    text can hold HTML."""
    folder = tmp_path_factory.mktemp("angle") / "angle"
    shutil.copytree(SHIPPED_BUNDLE, folder)
    meta = json.loads((folder / "tempera.json").read_text(encoding="utf-8"))
    swap = {"[": "<", "]": ">", "_": "&", "=": "/"}
    meta["vocabulary"] = [swap.get(c, c) for c in meta["vocabulary"]]
    meta["name"] = "<b>angle</b>"
    (folder / "tempera.json").write_text(json.dumps(meta), encoding="utf-8")
    return str(folder)


def test_the_html_escapes_the_text_and_the_model_name(angle_bundle):
    result = tempera.load(angle_bundle).sample("<script>alert('x')</script> & ", temperatures=(1.5,),
                                               length=200, rng_seed=19)
    assert result.seed_text == "<script>alert('x')</script> & "
    generated = result.lanes[0].text
    assert sum(generated.count(c) for c in "<>&") == 4  # the lane writes them too
    page = result._repr_html_()
    assert "<script" not in page and "<b>" not in page and "script" not in Elements(page).count
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; " in page
    text = re.search(r'<span class="generated" data-testid="lane-text">(.*?)</span></pre>', page, re.DOTALL).group(1)
    written = re.findall(r'<span class="rank-[\w-]+" data-step="\d+" title="[^"]*">(.*?)</span>', text, re.DOTALL)
    assert written == [html.escape(char) for char in generated]
    assert "<script>alert('x')</script> & " in str(result)


def test_a_long_text_is_tinted_in_runs_and_shown_in_part(model):
    from tempera.html_view import HOVER_CHARS

    result = model.sample("the ", temperatures=1.0, length=HOVER_CHARS + 100, rng_seed=1)
    page = result._repr_html_()
    assert "data-step" not in page
    tinted = re.findall(r'<span class="(rank-[\w-]+)">([^<]*)</span>', page)
    ranks = [rank_class(step["rank"]) for step in result.to_json()["lanes"][0]["steps"]]
    assert [name for name, chars in tinted for _ in html.unescape(chars)] == ranks


# ---- bad input ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cli_options,api_options", [
    (["--temperature", "nan"], {"temperatures": (float("nan"),)}),
    (["--temperature", "-0.5"], {"temperatures": (-0.5,)}),
    (["--temperature", "1", "inf"], {"temperatures": (1, math.inf)}),
    (["--rng-seed", str(2**32)], {"rng_seed": 2**32}),
    (["--top-p", "0"], {"top_p": 0}),
    (["--min-p", "1"], {"min_p": 1}),
    (["--top-k", "1.5"], {"top_k": 1.5}),
    (["--top-k", "1", "2", "3"], {"top_k": [1, 2, 3]}),
    (["--length", "-1"], {"length": -1}),
])
def test_bad_sample_arguments_are_refused_in_the_command_line_words(model, capsys, cli_options, api_options):
    message = cli_error(capsys, "sample", "nietzsche", "--seed-text", "the ", *cli_options)
    with pytest.raises(tempera.TemperaError) as refused:
        model.sample("the ", **api_options)
    # the command line quotes the text it was given; the API is given numbers
    assert str(refused.value).replace("'", "") == message.replace("'", "")


def test_an_empty_or_unknown_seed_is_refused_as_the_command_line_does(model, capsys):
    for seed in ("", "☃☃"):
        message = cli_error(capsys, "sample", "nietzsche", "--seed-text", seed)
        with pytest.raises(tempera.TemperaError, match=re.escape(message)):
            model.sample(seed)
    message = cli_error(capsys, "score", "nietzsche", "--text", "a")
    with pytest.raises(tempera.TemperaError, match=re.escape(message)):
        model.score("a")
    with pytest.raises(tempera.TemperaError, match="mode must be one of stateful, window"):
        model.sample("the ", mode="sideways")
    with pytest.raises(tempera.TemperaError, match="must be a string"):
        model.score(b"the bytes")


def test_an_unknown_name_and_a_corrupt_bundle_are_refused_as_the_command_line_does(capsys, tmp_path):
    message = cli_error(capsys, "sample", "nietzche", "--seed-text", "the ")
    assert message == "bundle folder not found: nietzche (nor is it a shipped model: nietzsche)"
    with pytest.raises(tempera.TemperaError) as refused:
        tempera.load("nietzche")
    assert str(refused.value) == message
    corrupt = tmp_path / "corrupt"
    shutil.copytree(SHIPPED_BUNDLE, corrupt)
    (corrupt / "tempera.json").write_text('{"format_version": 1, "vocabulary": [', encoding="utf-8")
    message = cli_error(capsys, "score", str(corrupt), "--text", "the ")
    assert "tempera.json" in message and "not valid JSON" in message
    with pytest.raises(tempera.TemperaError) as refused:
        tempera.load(corrupt)  # a pathlib.Path works as well as a string
    assert str(refused.value) == message
    with pytest.raises(tempera.TemperaError, match="nietzsche"):
        tempera.load(42)


def test_importing_tempera_and_sampling_loads_no_tensorflow():
    code = ("import tempera, sys; tempera.load('nietzsche').sample('the ', length=5, rng_seed=1); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'TensorFlow loaded'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr


def test_the_public_api_is_documented():
    for thing in (tempera, tempera.load, tempera.Model, tempera.Model.sample, tempera.Model.stream,
                  tempera.Model.score, tempera.Sample, tempera.Sample.to_json, tempera.Stream,
                  tempera.Step, tempera.ScoredText, tempera.ScoredText.to_json):
        assert thing.__doc__ and thing.__doc__.strip(), thing
    assert "tempera.load" in tempera.__doc__
