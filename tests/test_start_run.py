"""Starting a training run from the page: `tempera serve --allow-training`.

Every refusal in-process with Flask's test client (no flag, no or a wrong token, another Origin,
another Host, an oversize text, a second run, a path from the client); one real run started
from the page in Chromium on a real loopback server, finished, in the model menu and sampled.
"""

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from harness import free_port, wait_for_http
from helpers import ROOT, SHIPPED_BUNDLE, SMALL_TEXT, Distributions, compared_length, reference
from server.app import create_app
from server.page_runs import TEXTS_FOLDER
from server.training_api import MAX_TEXT_BYTES, TOKEN_HEADER, is_loopback
from tempera.cli import main
from tempera.paths import FRONTEND_DIST

PORT = 5123
BASE = f"http://127.0.0.1:{PORT}"
TOKEN_META = re.compile(r'<meta name="tempera-token" content="([^"]+)">')
# A Python without TensorFlow: the system's, where the tests' virtual environment has it.
NO_TF_PYTHON = "/usr/bin/python3"


def make_client(tmp_path, allow_training=True):
    models = tmp_path / "models"
    if not models.exists():
        shutil.copytree(SHIPPED_BUNDLE, models / "nietzsche")
    app = create_app(str(models), FRONTEND_DIST, str(tmp_path / "runs"), allow_training=allow_training)
    if allow_training:
        app.extensions["tempera_training_access"].listen_on(PORT, "127.0.0.1")
    return app, app.test_client()


@pytest.fixture
def served(tmp_path):
    """(app, client, token): an app with --allow-training, as if listening on 127.0.0.1:PORT."""
    app, client = make_client(tmp_path)
    yield app, client, app.extensions["tempera_training_access"].token
    run = app.extensions["tempera_page_runs"].current
    if run is not None and run.process.poll() is None:
        run.process.kill()
        run.process.wait(timeout=30)


def post(client, path="/api/runs", token=None, headers=None, **kwargs):
    sent = {**({TOKEN_HEADER: token} if token else {}), **(headers or {})}
    return client.post(path, base_url=BASE, headers=sent, **kwargs)


def error_of(response) -> str:
    return response.get_json()["error"]


def test_without_the_flag_nothing_starts_and_the_page_has_no_token(tmp_path):
    app, client = make_client(tmp_path, allow_training=False)
    assert post(client, json={"text": SMALL_TEXT, "minutes": 1}).status_code == 405
    assert client.get("/api/training", base_url=BASE).status_code == 404
    page = client.get("/", base_url=BASE)
    assert page.status_code == 200 and b"tempera-token" not in page.get_data()
    assert not (tmp_path / "runs").exists()


def test_the_page_carries_the_token_only_with_the_flag(served, tmp_path):
    _, client, token = served
    page = client.get("/", base_url=BASE)
    found = TOKEN_META.search(page.get_data(as_text=True))
    assert found and found.group(1) == token and len(token) >= 40
    assert page.headers["Cache-Control"] == "no-store"
    assert "start-run-slot" in page.get_data(as_text=True)
    # A page asked for by another name (a DNS-rebinding site) gets no token to read.
    rebound = client.get("/", base_url=f"http://evil.example:{PORT}")
    assert rebound.status_code == 200 and b"tempera-token" not in rebound.get_data()
    other_app, _ = make_client(tmp_path / "other")
    assert other_app.extensions["tempera_training_access"].token != token  # one per server


@pytest.mark.parametrize("headers, words", [
    ({}, "header is missing"),
    ({TOKEN_HEADER: "not-the-token"}, "is not this server's token"),
    ({TOKEN_HEADER: "é" * 43}, "is not this server's token"),
])
def test_no_token_or_a_wrong_one_is_refused(served, headers, words):
    _, client, _ = served
    for path in ("/api/runs", "/api/runs/anything/stop"):
        response = client.post(path, base_url=BASE, headers=headers, json={"text": SMALL_TEXT, "minutes": 1})
        assert response.status_code == 403 and words in error_of(response)
    assert client.get("/api/training", base_url=BASE, headers=headers).status_code == 403


def test_another_origin_is_refused_and_its_preflight_too(served):
    _, client, token = served
    for origin in ("http://evil.example", "http://127.0.0.1:9999", "null", f"https://127.0.0.1:{PORT}"):
        response = post(client, token=token, headers={"Origin": origin}, json={"text": "", "minutes": 1})
        assert response.status_code == 403, origin
        assert "another origin" in error_of(response)
    # The page's own origin gets as far as reading the request (an empty text: 400).
    response = post(client, token=token, headers={"Origin": BASE}, json={"text": " ", "minutes": 1})
    assert response.status_code == 400 and "the text is empty" in error_of(response)
    # A custom header from another origin needs a preflight, which is refused.
    preflight = client.options("/api/runs", base_url=BASE, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": TOKEN_HEADER})
    assert preflight.status_code == 405 and "Access-Control-Allow-Origin" not in preflight.headers


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:9999",
                                  f"192.168.1.2:{PORT}", ""])
def test_a_request_for_another_host_is_refused(served, host):
    """DNS rebinding: a page of evil.example whose name now points at 127.0.0.1 sends its own
    Host (and Origin)."""
    _, client, token = served
    response = client.post("/api/runs", base_url=BASE, json={"text": SMALL_TEXT, "minutes": 1},
                           headers={TOKEN_HEADER: token, "Host": host})
    assert response.status_code == 403 and "answers training requests addressed to itself" in error_of(response)


def test_localhost_on_the_same_port_is_this_server(served):
    _, client, token = served
    response = client.post("/api/runs", base_url=f"http://localhost:{PORT}", json={"text": "", "minutes": 1},
                           headers={TOKEN_HEADER: token, "Origin": f"http://localhost:{PORT}"})
    assert response.status_code == 400


def test_an_oversize_text_is_refused_before_anything_is_written(served, tmp_path):
    _, client, token = served
    text = "a" * (MAX_TEXT_BYTES + 1)
    response = post(client, token=token, json={"text": text, "minutes": 1})
    assert response.status_code == 413 and "over 10 MB" in error_of(response)
    response = post(client, token=token, data={"minutes": "1", "file": (io.BytesIO(text.encode()), "big.txt")})
    assert response.status_code == 413
    response = post(client, token=token, data=b"x" * (3 * MAX_TEXT_BYTES), content_type="text/plain")
    assert response.status_code == 413
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("body, words", [
    ({"text": SMALL_TEXT}, "the time budget must be a number of minutes"),
    ({"text": SMALL_TEXT, "minutes": 0}, "between 0.05 and 1440 minutes"),
    ({"text": SMALL_TEXT, "minutes": "NaN"}, "between 0.05 and 1440 minutes"),
    ({"text": SMALL_TEXT, "minutes": 1, "units": 0}, "LSTM units per layer must be a whole number from 1 to 4096"),
    ({"text": SMALL_TEXT, "minutes": 1, "layers": 2.5}, "LSTM layers must be a whole number"),
    ({"text": 3, "minutes": 1}, '"text" must be a string'),
])
def test_bad_requests_are_400_in_words(served, body, words):
    _, client, token = served
    response = post(client, token=token, json=body)
    assert response.status_code == 400 and words in error_of(response)


def test_a_file_that_is_not_utf8_is_refused_in_words(served):
    _, client, token = served
    response = post(client, token=token, data={"minutes": "1", "file": (io.BytesIO(b"caf\xe9"), "latin1.txt")})
    assert response.status_code == 400 and "not UTF-8 text (byte 3)" in error_of(response)


def test_without_tensorflow_the_reply_names_the_install_command(served):
    if not os.path.exists(NO_TF_PYTHON) or subprocess.run(
            [NO_TF_PYTHON, "-c", "import tensorflow"], capture_output=True).returncode == 0:
        pytest.skip(f"{NO_TF_PYTHON} is not a Python without TensorFlow here")
    app, client, token = served
    app.extensions["tempera_page_runs"].python = NO_TF_PYTHON  # the server's Python lacks it
    response = post(client, token=token, json={"text": SMALL_TEXT, "minutes": 1})
    assert response.status_code == 503
    assert response.get_json()["install"] == "pip install 'tempera[train]'"
    assert "training needs TensorFlow (tensorflow is not installed" in error_of(response)
    status = client.get("/api/training", base_url=BASE, headers={TOKEN_HEADER: token}).get_json()
    assert status["available"] is False and status["install"] == "pip install 'tempera[train]'"


def test_one_run_at_a_time_in_a_folder_the_server_names(served, tmp_path):
    """A path or name from the client is ignored; a second start is 409 while the first runs;
    Stop sends the child Ctrl-C."""
    app, client, token = served
    evil = tmp_path / "elsewhere"
    response = post(client, token=token, json={
        "text": SMALL_TEXT, "minutes": 1, "run": str(evil), "name": "../../elsewhere",
        "corpus": str(evil / "x.txt"), "path": str(evil), "models": str(evil)})
    assert response.status_code == 202, response.get_data(as_text=True)
    name = response.get_json()["run"]["name"]
    assert re.fullmatch(r"page-\d{8}-\d{6}", name)
    runs = app.extensions["tempera_page_runs"]
    text_file = tmp_path / "runs" / TEXTS_FOLDER / f"{name}.txt"
    assert text_file.read_text(encoding="utf-8") == SMALL_TEXT
    assert runs.current.process.args[3:] == [
        "train", "--corpus", str(text_file), "--run", str(tmp_path / "runs" / name),
        "--time-budget", "1.0", "--verbose", "2"]
    second = post(client, token=token, json={"text": SMALL_TEXT, "minutes": 1})
    assert second.status_code == 409 and f"run {name} is still training" in error_of(second)
    assert post(client, f"/api/runs/{name}x/stop", token=token).status_code == 404
    stopped = post(client, f"/api/runs/{name}/stop", token=token)
    assert stopped.status_code == 200 and stopped.get_json()["run"]["state"] == "stopping"
    runs.current.process.wait(timeout=60)
    deadline = time.time() + 10
    while runs.status()["run"]["state"] == "stopping" and time.time() < deadline:
        time.sleep(0.05)
    assert runs.status()["run"]["state"] == "stopped"
    assert not evil.exists() and sorted(os.listdir(tmp_path)) == ["models", "runs"]


def test_a_run_that_fails_says_why_in_the_words_of_tempera_train(served):
    app, client, token = served
    response = post(client, token=token, json={"text": "abcabc", "minutes": 1})
    assert response.status_code == 202
    runs = app.extensions["tempera_page_runs"]
    runs.current.process.wait(timeout=60)
    deadline = time.time() + 10
    while runs.status()["run"]["state"] == "training" and time.time() < deadline:
        time.sleep(0.05)
    run = client.get("/api/training", base_url=BASE, headers={TOKEN_HEADER: token}).get_json()["run"]
    assert run["state"] == "failed" and run["model"] is None
    assert re.fullmatch(r"training failed: tempera train: error: corpus has 6 characters, fewer "
                        r"than the \d+ needed for training and held-out windows: the text", run["message"])
    assert post(client, token=token, json={"text": "abcabc", "minutes": 1}).status_code == 202  # free again


def test_allow_training_refuses_a_host_that_is_not_loopback(capsys):
    for host in ("0.0.0.0", "192.168.1.2", "::"):
        assert main(["serve", "--allow-training", "--host", host, "--port", "0"]) == 2
        err = capsys.readouterr().err
        assert err == (f"tempera serve: error: --allow-training lets a web page start training on this "
                       f"machine, so it serves on loopback only; --host {host} is not a loopback "
                       "address (use 127.0.0.1, the default)\n")
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"))


# ---- one real run, started from the page -----------------------------------------------------


AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
AXE_ON_FORM = """async (source) => {
  if (!window.axe) (0, eval)(source);
  const results = await window.axe.run(document.querySelector('[data-testid=start-run]'));
  return results.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}"""


def json_get(url, token=None):
    request = urllib.request.Request(url, headers={TOKEN_HEADER: token} if token else {})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.load(reply)


@pytest.mark.slow
@pytest.mark.browser
def test_a_run_started_from_the_page_shows_stops_joins_the_menu_and_samples(browser, tmp_path, capsys):
    models, runs = tmp_path / "models", tmp_path / "runs"
    shutil.copytree(SHIPPED_BUNDLE, models / "nietzsche")
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as output:
        server = subprocess.Popen([sys.executable, "-m", "tempera", "serve", "--port", str(port),
                                   "--models", str(models), "--runs", str(runs), "--allow-training"],
                                  cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
    page = None
    try:
        try:
            wait_for_http(url + "api/models", timeout=60)
        except OSError:
            pytest.fail(f"tempera serve did not start: {log.read_text(encoding='utf-8')}")
        page = browser.new_page()
        page.goto(url + "?model=nietzsche&backend=cpu")
        page.evaluate("window.tempera.ready")
        form = page.locator("[data-testid=start-run]")
        with open(AXE, encoding="utf-8") as handle:
            axe = handle.read()
        for scheme, viewport in (("light", {"width": 1280, "height": 900}), ("dark", {"width": 375, "height": 740})):
            page.emulate_media(color_scheme=scheme)
            page.set_viewport_size(viewport)
            assert page.evaluate(AXE_ON_FORM, axe) == [], scheme
        form.get_by_label("Or paste the text").fill(SMALL_TEXT)
        form.get_by_label("Time budget (minutes)").fill("2")
        form.get_by_label("LSTM units").fill("8")
        form.get_by_label("Layers").fill("1")
        form.get_by_role("button", name="Start training").click()
        status = form.get_by_role("status")
        page.wait_for_function("""() => /^Training page-/.test(document.querySelector(
            '[data-testid=start-run-status]').textContent)""", timeout=10_000)
        assert form.get_by_role("button", name="Start training").is_disabled()
        token = TOKEN_META.search(page.content()).group(1)
        name = json_get(url + "api/training", token)["run"]["name"]
        # The run shows in the Training view as it trains; Stop once it has saved an epoch.
        page.wait_for_selector(f'[data-testid=run-item][data-run="{name}"][data-epochs]'
                               ':not([data-epochs="0"])', timeout=180_000)
        form.get_by_role("button", name="Stop").click()
        page.wait_for_function("""() => /^(Finished|Run )/.test(document.querySelector(
            '[data-testid=start-run-status]').textContent)""", timeout=180_000, polling=500)
        assert status.text_content() == f"Finished: stopped early; model {name} is in the model menu."
        page.wait_for_function(f"""() => [...document.querySelectorAll('#model option')]
            .some((o) => o.value === {json.dumps(name)})""", timeout=10_000)
        assert name in [m["id"] for m in json_get(url + "api/models")["models"]]
        listed = {run["name"]: run for run in json_get(url + "api/runs")["runs"]}
        assert listed[name]["state"] == "finished" and listed[name]["epochs"] >= 1
        assert not [n for n in os.listdir(models) if n.startswith(".")]  # the partial export is gone
        page.select_option("[data-testid=model]", name)  # the page uses it
        page.wait_for_function(f"() => window.tempera.model === {json.dumps(name)}")
        got = page.evaluate("(o) => window.tempera.generate(o)", {
            "seedText": "The ", "temperatures": [1], "length": 30, "rngSeed": 1, "records": False})
    finally:
        if page is not None:
            page.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    capsys.readouterr()
    assert main(["sample", str(models / name), "--seed-text", "The ", "--temperature", "1",
                 "--length", "30", "--rng-seed", "1", "--json"]) == 0
    sampled = json.loads(capsys.readouterr().out)
    assert sampled["seed_text"] == "the " and len(sampled["lanes"][0]["text"]) == 30
    # The page's lane is tempera sample's, but where float32 and float64 part at a boundary.
    bundle, generator = reference(str(models / name))
    seed_ids = bundle.vocab.encode_seed("The ").ids
    lane = generator.generate(seed_ids, [1.0], 30, 1, "stateful", records=True)[0]
    assert lane.text == sampled["lanes"][0]["text"]
    distributions = Distributions(generator, seed_ids, bundle.vocab.encode(lane.text), "stateful")
    compared_length(got["lanes"][0]["text"], lane, distributions, "page", [])
