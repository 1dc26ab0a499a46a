"""Cross-origin isolation, WASM threads and the backend chosen by measurement, in a real Chromium.

`tempera serve` sends COOP/COEP/CORP on every response, so the page is crossOriginIsolated and
TensorFlow.js runs its threaded WASM build; the text stays the reference's. A static site works
with its header files honoured (isolated, threads) and without them (one thread). The backend is
measured where there is a choice, remembered in localStorage, and ?backend= still forces one.
"""

import json
import os
import urllib.request

import pytest

from conftest import open_page, run_cli
from harness import serving_static, serving_static_with_headers
from tempera.isolation import ISOLATION_HEADERS
from test_browser import compare_lanes

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHOICE = "window.tempera.backendChoice"
STORED_KEYS = "Object.keys(localStorage).filter((k) => k.startsWith('tempera.backend.'))"


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
def test_every_response_of_tempera_serve_isolates_the_page(live_server, path, method):
    headers = headers_of(live_server + path, method)
    for name, value in ISOLATION_HEADERS.items():
        assert headers.get(name) == value, (path, method, name, headers)
    assert "blob:" in headers["Content-Security-Policy"]  # the threaded build's worker script


def test_the_page_is_isolated_runs_wasm_threads_and_equals_the_reference(browser, live_server, models_dir):
    page = open_page(browser, f"{live_server}?backend=wasm&model=nietzsche")
    fetched = page.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
    choice = page.evaluate(CHOICE)
    assert choice["crossOriginIsolated"] is True
    assert 1 < choice["threads"] <= 4  # one per core, as many as TensorFlow.js allows
    assert f"{choice['threads']} threads" in page.get_attribute("[data-testid=backend]", "title")
    assert any(name.endswith("tfjs-backend-wasm-threaded-simd.wasm") for name in fetched)
    for mode in ("stateful", "window"):
        cases = compare_lanes(page, models_dir, "It is the Spirit that", 20261130, mode,
                              length=200 if mode == "stateful" else 60)
        print(f"threads on, {mode}: {len(cases)} draw(s) within 1e-6 of a boundary {cases}")
    assert not page.errors, page.errors
    page.close()


@pytest.fixture(scope="module")
def site(models_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    result = run_cli("build-site", "--out", str(out), "--model", os.path.join(models_dir, "small"))
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


@pytest.mark.parametrize("honoured", [True, False], ids=["headers honoured", "no headers"])
def test_the_static_site_works_with_and_without_the_headers(browser, site, honoured):
    server = serving_static_with_headers(site) if honoured else serving_static(site)
    with server as url:
        page = open_page(browser, f"{url}?backend=wasm")
        choice = page.evaluate(CHOICE)
        assert choice["crossOriginIsolated"] is honoured
        assert (choice["threads"] > 1) is honoured
        got = page.evaluate("(o) => window.tempera.generate(o)", {
            "seedText": "the good will", "temperatures": [0, 1.0], "length": 80, "rngSeed": 3,
            "mode": "stateful", "records": False})
        assert len(got["lanes"][1]["text"]) == 80
        assert page.text_content("[data-testid=error]") == "" and not page.errors
        page.close()


def test_the_measured_choice_is_remembered_and_the_address_overrides_it(browser, live_server):
    context = browser.new_context()
    try:
        page = open_page(context, f"{live_server}?backend=measure&model=nietzsche")
        measured = page.evaluate(CHOICE)["measurement"]
        rates = measured["rates"]
        assert set(rates) == {"webgl", "wasm", "cpu"} and not measured["cached"]
        fastest = max((r, name) for name, r in rates.items() if r is not None)[1]
        assert measured["choice"] == fastest == page.evaluate("window.tempera.backend")
        status = page.text_content("[data-testid=status]")
        assert f"→ {fastest}" in status and "steps/s" in status
        assert len(page.evaluate(STORED_KEYS)) == 1
        # A later visit in the same browser reuses it: no measurement.
        choice = open_page(context, f"{live_server}?model=nietzsche").evaluate(CHOICE)
        if fastest == "wasm":  # the choice the page would measure between here
            assert choice["measurement"]["cached"] is True
            assert "measured on an earlier visit" in choice["reason"]
        assert choice["name"] == "wasm"
        # ?backend= still forces one.
        forced = open_page(context, f"{live_server}?model=nietzsche&backend=cpu").evaluate(CHOICE)
        assert forced["name"] == "cpu" and forced["forced"]
    finally:
        context.close()


# Values under the real key that are not a measurement remember() wrote: each is ignored.
BROKEN_MEMORIES = ["{not json", "null", "5", '"wasm"', '{"choice": "wasm", "rates": null}',
                   '{"choice": "wasm", "rates": {"wasm": "fast"}}',
                   '{"choice": "wasm", "rates": {"webgl": 100}}',
                   '{"choice": "wasm", "rates": {"wasm": -1}}']


def test_a_remembered_choice_that_cannot_be_read_is_ignored(browser, live_server):
    context = browser.new_context()
    try:
        page = open_page(context, f"{live_server}?backend=measure&model=nietzsche")
        key, = page.evaluate(STORED_KEYS)
        for stored in BROKEN_MEMORIES:
            page.evaluate("([key, value]) => localStorage.setItem(key, value)", [key, stored])
            again = open_page(context, f"{live_server}?model=nietzsche")
            choice = again.evaluate(CHOICE)
            assert again.text_content("[data-testid=error]") == "" and not again.errors, stored
            assert choice["name"] in ("wasm", "webgl"), stored
            assert "earlier visit" not in choice["reason"] and not (choice["measurement"] or {}).get("cached"), stored
            again.close()
    finally:
        context.close()
