"""The Training view in a real Chromium while a real `tempera train` runs beside it.

One page watches a run that starts after it opened: the run appears and its epochs arrive
without a reload (api/runs polled with If-None-Match, and not while the view is off screen),
the loss chart's points are history.json's losses in bits, the evolution holds each epoch's
sample as the server made it, coloured by its ranks. An epoch opened from the view generates
what `tempera sample` writes on that epoch's bundle; lanes across epochs are what
`tempera sample --bundles` writes, and the address they leave gives them again.
"""

import json
import math
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from harness import free_port, wait_for_http
from helpers import ROOT
from tempera.cli import main
from test_accessibility import RUN_AXE, _axe_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EPOCHS = 3
SEED = "the free spirit "
# Every change of the run's item, as the page made it: [state, epochs] in order.
WATCH_RUN = """() => {
  window.seenRun = [];
  const record = () => {
    const item = document.querySelector('[data-testid=run-item][data-run=live]');
    if (!item) return;
    const now = [item.dataset.state, Number(item.dataset.epochs)];
    const last = window.seenRun[window.seenRun.length - 1];
    if (!last || last[0] !== now[0] || last[1] !== now[1]) window.seenRun.push(now);
  };
  new MutationObserver(record).observe(document.getElementById('runs'),
    { subtree: true, childList: true, attributes: true });
}"""
LANE_TEXTS = "() => [...document.querySelectorAll('[data-testid=lane-text]')].map((e) => e.textContent)"
STATUS_IS = "(start) => document.querySelector('[data-testid=status]').textContent.startsWith(start)"


@contextmanager
def serving_runs(runs_dir):
    """`tempera serve --runs` on a free loopback port, with the shipped models."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--port", str(port),
                                "--runs", str(runs_dir)], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url + "api/runs")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # busy making a bundle
            process.kill()
            process.wait(timeout=10)


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=300) as response:  # a bundle is made on demand
        return json.loads(response.read())


def download_bundle(url, folder):
    """The bundle the server makes for an epoch, as files: what the page loaded."""
    folder.mkdir(parents=True)
    model = fetch_json(url + "model.json")
    names = ["model.json", "tempera.json"] + [p for g in model["weightsManifest"] for p in g["paths"]]
    for name in names:
        with urllib.request.urlopen(url + name, timeout=300) as response:
            (folder / name).write_bytes(response.read())
    return str(folder)


def sample_json(capsys, *argv):
    assert main(["sample", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_a_run_is_watched_live_and_its_epochs_generate_as_tempera_sample(browser, small_corpus, tmp_path, capsys):
    runs = tmp_path / "runs"
    runs.mkdir()
    # The epochs' bundles are fetched beside the page's work: the server makes each on demand.
    with serving_runs(runs) as url, ThreadPoolExecutor(1) as downloads:
        def bundle(n):
            return downloads.submit(download_bundle, f"{url}api/runs/live/epochs/{n}/", tmp_path / f"epoch-{n}")

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = []
        context.on("weberror", lambda error: errors.append(str(error.error)))
        runs_requests = []
        page.on("response", lambda r: runs_requests.append((r.status, r.request.headers.get("if-none-match")))
                if r.url == url + "api/runs" else None)
        page.goto(f"{url}?backend=wasm")
        page.wait_for_function("() => window.tempera !== undefined")
        page.evaluate("window.tempera.ready")
        assert page.evaluate("window.tempera.runs()") == []
        page.locator("[data-testid=training-view]").scroll_into_view_if_needed()
        assert page.text_content("[data-testid=training-status]").startswith("No training run yet")
        page.evaluate(WATCH_RUN)
        page.evaluate("window.loadedOnce = true")  # gone if the page reloads

        train = subprocess.Popen(
            [sys.executable, "-m", "tempera", "train", "--corpus", small_corpus, "--run", str(runs / "live"),
             "--units", "16", "--layers", "1", "--seq-len", "40", "--batch", "16", "--epochs", str(EPOCHS),
             "--verbose", "0"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            page.wait_for_function("() => document.querySelector('[data-run=live]')?.dataset.epochs >= 1",
                                   timeout=180_000)
            bundles = [bundle(1)]
            page.wait_for_selector(f"[data-testid=run-item][data-run=live][data-state=finished][data-epochs='{EPOCHS}']",
                                   timeout=180_000)
            assert train.wait(timeout=60) == 0, train.stderr.read()
        finally:
            train.kill()
        bundles += [bundle(2), bundle(3)]
        assert page.evaluate("window.loadedOnce") is True
        seen = page.evaluate("window.seenRun")
        assert seen[0][0] == "training" and seen[-1] == ["finished", EPOCHS], seen
        assert [epochs for _, epochs in seen] == sorted(epochs for _, epochs in seen), seen

        # The chart's points are history.json's losses in bits; runs() is what the view shows.
        history = json.loads((runs / "live" / "history.json").read_text(encoding="utf-8"))
        item = page.locator("[data-testid=run-item][data-run=live]")
        points = json.loads(item.locator("[data-testid=loss-chart]").get_attribute("data-points"))
        expected = [[row["epoch"], row["train_loss"] / math.log(2), row["val_loss"] / math.log(2)] for row in history]
        assert [p[0] for p in points] == [e[0] for e in expected]
        assert all(math.isclose(a, b, rel_tol=1e-9) for p, e in zip(points, expected) for a, b in zip(p[1:], e[1:]))
        shown = page.evaluate("window.tempera.runs()")
        assert [run["name"] for run in shown] == ["live"] and shown[0]["history"] == points
        assert item.locator("[data-testid=loss-chart] svg text", has_text="bits per character").count() == 1
        assert item.locator("[data-testid=loss-chart] svg text", has_text="epoch").count() >= 1
        assert item.locator("[data-testid=loss-chart] .chart-frame .baseline").count() == 2
        assert item.locator("[data-testid=loss-chart] table tbody tr").count() == EPOCHS

        # The evolution: each epoch's sample as the server made it, tinted by its ranks.
        samples = fetch_json(f"{url}api/runs/live/samples")
        page.wait_for_function("""(count) => [...document.querySelectorAll(
            '[data-run=live] [data-testid=evolution] [data-epoch] .sample')].filter((e) => e.textContent !== '…').length === count""",
                               arg=EPOCHS)
        for sample in samples["epochs"]:
            row = item.locator(f"[data-testid=evolution] li[data-epoch='{sample['epoch']}']")
            assert row.locator(".sample").text_content() == sample["text"]
            firsts = "".join(row.locator(".sample .rank-1").all_text_contents())
            assert len(firsts) == sum(rank == 1 for rank in sample["ranks"]), sample["epoch"]
        slider = item.locator("[data-testid=evolution-step]")
        slider.focus()
        page.keyboard.press("Home")
        assert item.locator("[data-testid=evolution] li[aria-current]").get_attribute("data-epoch") == "1"
        page.keyboard.press("ArrowRight")
        assert item.locator("[data-testid=evolution] li[aria-current]").get_attribute("data-epoch") == "2"

        # api/runs was asked again with the ETag (304s once nothing changed); off screen, not at all.
        assert any(status == 304 and etag for status, etag in runs_requests), runs_requests
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_timeout(300)
        asked = len(runs_requests)
        page.wait_for_timeout(3000)
        assert len(runs_requests) == asked, runs_requests[asked:]

        # Epoch 2 in the generator: what tempera sample writes on its bundle.
        item.locator("li[data-epoch='2'] [data-testid=open-epoch]").click()
        page.wait_for_function(STATUS_IS, arg="Epoch 2 of live ready", timeout=120_000)
        assert page.evaluate("window.tempera.model") == "live@2"
        bundles = [future.result() for future in bundles]
        got = page.evaluate("(seedText) => window.tempera.generate({seedText, temperatures: [0.5, 1], length: 80, rngSeed: 3})",
                            SEED)
        expected = sample_json(capsys, bundles[1], "--seed-text", SEED, "--temperature", "0.5", "1",
                               "--length", "80", "--rng-seed", "3")
        assert [lane["text"] for lane in got["lanes"]] == [lane["text"] for lane in expected["lanes"]]

        # Lanes across the epochs, at one temperature: tempera sample --bundles.
        page.select_option("[data-testid=lanes-by]", "epoch")
        page.wait_for_function(STATUS_IS, arg="Epochs 1, 2, 3 of live ready", timeout=120_000)
        page.fill("[data-testid=lane-temperature] >> nth=0", "0.8")
        assert page.eval_on_selector_all("[data-testid=lane-temperature]", "(all) => all.map((e) => e.value)") == ["0.8"] * 3
        page.fill("[data-testid=seed-input]", SEED)
        page.fill("[data-testid=length]", "120")
        page.fill("[data-testid=rng-seed]", "21")
        page.click("[data-testid=generate]")
        page.wait_for_function(STATUS_IS, arg="Done")
        lanes = page.evaluate(LANE_TEXTS)
        across = sample_json(capsys, "--bundles", *bundles, "--temperature", "0.8", "--seed-text", SEED,
                             "--length", "120", "--rng-seed", "21")
        assert lanes == [lane["text"] for lane in across["lanes"]]

        # The address gives the same lanes again.
        again = context.new_page()
        again.goto(page.url)
        again.wait_for_function("() => window.tempera !== undefined")
        again.evaluate("window.tempera.ready")
        again.wait_for_function(STATUS_IS, arg="Epochs 1, 2, 3 of live ready", timeout=60_000)
        again.click("[data-testid=generate]")
        again.wait_for_function(STATUS_IS, arg="Done")
        assert again.evaluate(LANE_TEXTS) == lanes

        # axe-core finds nothing in the view, its table and definitions open, lanes by epoch shown:
        # light on a desktop, dark on a phone, where nothing is wider than the screen.
        axe = _axe_source()
        violations = {"light desktop": axe_on_view(again, axe)}
        phone = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark")
        small = phone.new_page()
        small.goto(page.url)
        small.wait_for_function("() => window.tempera !== undefined")
        small.evaluate("window.tempera.ready")
        violations["dark phone"] = axe_on_view(small, axe)
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        phone.close()
        context.close()
        assert violations == {state: [] for state in violations}, violations
        assert errors == []


def axe_on_view(page, axe):
    page.locator("[data-testid=training-view]").scroll_into_view_if_needed()
    page.wait_for_selector("[data-testid=evolution] li[data-epoch='1'] .sample span")
    page.click("[data-testid=training-view] .help summary")
    page.click("[data-testid=loss-chart] .chart-table summary")
    assert page.is_visible("[data-testid=loss-chart] table") and page.is_visible("[data-testid=lanes-by]")
    return page.evaluate(RUN_AXE, axe)
