"""Cross-origin isolation, WASM threads and the backend chosen by measurement.

`tempera serve` sends COOP/COEP/CORP on every response, so the page is crossOriginIsolated, but
WASM computes on one thread (TensorFlow.js's single-threaded build, as on a page without the
headers) unless the address asks for threads with ?threads=N: the threaded build's pool waits by
spinning and collapses as soon as another process keeps a core busy (bench/busy_machine.py).
With ?threads=N the text stays the reference's. The backend is measured where there is a choice,
remembered in localStorage under a key that holds the thread count, and ?backend= still forces
one. The pages run the shipped model only: nothing here trains.
"""

import json
import os
import shutil
import subprocess
import urllib.request

import pytest

from conftest import ROOT, open_page, run_cli
from harness import serving, serving_static, serving_static_with_headers
from tempera.isolation import ISOLATION_HEADERS
from test_browser import compare_lanes

NODE = shutil.which("node")
CHOICE = "window.tempera.backendChoice"
STORED_KEYS = "Object.keys(localStorage).filter((k) => k.startsWith('tempera.backend.'))"
WASM_FILES = ("performance.getEntriesByType('resource').map((r) => r.name.split('/').pop())"
              ".filter((name) => name.endsWith('.wasm'))")
URL_NOTES = "document.querySelector('[data-testid=url-notes]')?.textContent ?? ''"
SHIPPED_MODELS = os.path.join(ROOT, "models")


@pytest.fixture(scope="module")
def served():
    """`tempera serve` over the shipped models."""
    with serving(quiet=True) as url:
        yield url


def headers_of(url: str, method: str = "GET") -> dict:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as error:  # a 404 or 405 must carry them too
        return dict(error.headers)


@pytest.mark.parametrize("path, method", [
    ("", "GET"), ("", "HEAD"), ("app.js", "GET"), ("style.css", "GET"),
    ("wasm/tfjs-backend-wasm-threaded-simd.wasm", "GET"), ("api/models", "GET"),
    ("models/index.json", "GET"), ("models/nietzsche/model.json", "GET"),
    ("models/nietzsche/tempera.json", "HEAD"), ("no/such/file", "GET"), ("", "POST"),
])
def test_every_response_of_tempera_serve_isolates_the_page(served, path, method):
    headers = headers_of(served + path, method)
    for name, value in ISOLATION_HEADERS.items():
        assert headers.get(name) == value, (path, method, name, headers)
    assert "blob:" in headers["Content-Security-Policy"]  # the threaded build's worker script


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_threads_in_the_address_are_read_as_the_page_reads_them():
    cases = [[None, True], ["2", True], ["4", True], ["1", False], ["2", False], ["5", True],
             ["0", True], ["1.5", True], ["two", True], ["", True], ["x" * 500, True]]
    code = (f"import {{ threadsFromAddress }} from {json.dumps('file://' + ROOT + '/frontend/src/backend.js')};\n"
            f"console.log(JSON.stringify({json.dumps(cases)}.map(([v, i]) => threadsFromAddress(v, i))));")
    got = json.loads(subprocess.run([NODE, "--input-type=module", "-e", code], capture_output=True,
                                    text=True, check=True, timeout=60).stdout)
    assert [g["threads"] for g in got] == [1, 2, 4, 1, 1, 1, 1, 1, 1, 1, 1]
    assert [bool(g["note"]) for g in got] == [False, False, False, False] + [True] * 7
    assert "needs a cross-origin isolated page" in got[4]["note"]
    assert got[5]["note"] == 'threads "5" in the URL is not a whole number from 1 to 4; using one thread'
    assert len(got[10]["note"]) < 120  # a long value is cut short


@pytest.mark.browser
def test_tempera_serve_runs_one_wasm_thread_by_default(browser, served):
    page = open_page(browser, f"{served}?backend=wasm")
    choice = page.evaluate(CHOICE)
    assert choice["crossOriginIsolated"] is True
    assert choice["threads"] == 1
    assert page.evaluate(WASM_FILES) == ["tfjs-backend-wasm-simd.wasm"]  # not the threaded build
    assert page.get_attribute("[data-testid=backend]", "title").endswith("; 1 thread")
    assert "1 thread)" in page.text_content("[data-testid=status-details]")
    assert not page.errors, page.errors
    page.close()


@pytest.mark.browser
@pytest.mark.slow
def test_threads_asked_for_in_the_address_run_and_equal_the_reference(browser, served):
    page = open_page(browser, f"{served}?backend=wasm&threads=2")
    choice = page.evaluate(CHOICE)
    assert choice["threads"] == 2
    assert page.evaluate(WASM_FILES) == ["tfjs-backend-wasm-threaded-simd.wasm"]
    assert "2 threads" in page.get_attribute("[data-testid=backend]", "title")
    cases = compare_lanes(page, SHIPPED_MODELS, "It is the Spirit that", 20261130, "stateful", length=100)
    print(f"2 threads, stateful: {len(cases)} draw(s) within 1e-6 of a boundary {cases}")
    assert not page.errors, page.errors
    page.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_cli("build-site", "--out", str(out))
    assert result.returncode == 0, result.stderr
    return str(out)


def test_build_site_writes_the_headers_for_static_hosts(site):
    netlify = open(os.path.join(site, "_headers"), encoding="utf-8").read()
    vercel = json.load(open(os.path.join(site, "vercel.json"), encoding="utf-8"))
    apache = open(os.path.join(site, ".htaccess"), encoding="utf-8").read()
    assert netlify.startswith("/*\n")
    assert vercel["headers"][0]["source"] == "/(.*)"
    sent = {h["key"]: h["value"] for h in vercel["headers"][0]["headers"]}
    for name, value in ISOLATION_HEADERS.items():
        assert f"  {name}: {value}\n" in netlify
        assert sent[name] == value
        assert f'Header set {name} "{value}"' in apache


@pytest.mark.browser
@pytest.mark.parametrize("honoured", [True, False], ids=["headers honoured", "no headers"])
def test_the_static_site_works_with_and_without_the_headers(browser, site, honoured):
    """One thread either way; ?threads=2 takes effect only where the headers make the page
    isolated, and says so where they do not."""
    server = serving_static_with_headers(site) if honoured else serving_static(site)
    with server as url:
        page = open_page(browser, f"{url}?backend=wasm&threads=2")
        choice = page.evaluate(CHOICE)
        assert choice["crossOriginIsolated"] is honoured
        assert choice["threads"] == (2 if honoured else 1)
        assert ("needs a cross-origin isolated page" in page.evaluate(URL_NOTES)) is not honoured
        got = page.evaluate("(o) => window.tempera.generate(o)", {
            "seedText": "the good will", "temperatures": [0, 1.0], "length": 80, "rngSeed": 3,
            "mode": "stateful", "records": False})
        assert len(got["lanes"][1]["text"]) == 80
        assert page.text_content("[data-testid=error]") == "" and not page.errors
        page.close()
        default = open_page(browser, f"{url}?backend=wasm")
        assert default.evaluate(CHOICE)["threads"] == 1
        default.close()


@pytest.mark.browser
def test_the_measured_choice_is_remembered_per_thread_count_and_the_address_overrides_it(browser, served):
    context = browser.new_context()
    try:
        page = open_page(context, f"{served}?backend=measure")
        measured = page.evaluate(CHOICE)["measurement"]
        rates = measured["rates"]
        assert set(rates) == {"webgl", "wasm", "cpu"} and not measured["cached"]
        fastest = max((r, name) for name, r in rates.items() if r is not None)[1]
        assert measured["choice"] == fastest == page.evaluate("window.tempera.backend")
        status = page.text_content("[data-testid=status-details]")
        assert f"→ {fastest}" in status and "steps/s" in status
        key, = page.evaluate(STORED_KEYS)
        assert key.endswith(".wasm-threads-1")
        # A later visit in the same browser reuses it: no measurement.
        choice = open_page(context, served).evaluate(CHOICE)
        if fastest == "wasm":  # the choice the page would measure between here
            assert choice["measurement"]["cached"] is True
            assert "measured on an earlier visit" in choice["reason"]
        assert choice["name"] == "wasm"
        # Measured with other threads, it is not this page's measurement.
        threaded = open_page(context, f"{served}?threads=2").evaluate(CHOICE)
        assert threaded["threads"] == 2 and not (threaded["measurement"] or {}).get("cached")
        # ?backend= still forces one.
        forced = open_page(context, f"{served}?backend=cpu").evaluate(CHOICE)
        assert forced["name"] == "cpu" and forced["forced"]
    finally:
        context.close()


# Values under the real key that are not a measurement remember() wrote: each is ignored.
BROKEN_MEMORIES = ["{not json", "null", "5", '"wasm"', '{"choice": "wasm", "rates": null}',
                   '{"choice": "wasm", "rates": {"wasm": "fast"}}',
                   '{"choice": "wasm", "rates": {"webgl": 100}}',
                   '{"choice": "wasm", "rates": {"wasm": -1}}']


@pytest.mark.browser
def test_a_remembered_choice_that_cannot_be_read_is_ignored(browser, served):
    context = browser.new_context()
    try:
        page = open_page(context, f"{served}?backend=measure")
        key, = page.evaluate(STORED_KEYS)
        for stored in BROKEN_MEMORIES:
            page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, stored])
            again = open_page(context, served)
            choice = again.evaluate(CHOICE)
            assert again.text_content("[data-testid=error]") == "" and not again.errors, stored
            assert choice["name"] in ("wasm", "webgl"), stored
            assert "earlier visit" not in choice["reason"] and not (choice["measurement"] or {}).get("cached"), stored
            again.close()
    finally:
        context.close()
