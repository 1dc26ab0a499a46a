"""The embeddable module in Chromium, on a page that is not tempera's: examples/embed.html (the
<tempera-lanes> element) and examples/sketch.html (load() and the generate() iterator on a
plain canvas), served by a plain static server on one port, load the module and the shipped
model from a `tempera build-site` folder on another port, which sends the one header README's
"Use it in your own page" asks for (Access-Control-Allow-Origin) beside the isolation headers
build-site writes. Both show the text `tempera sample --json` prints for the same seed, and
axe-core finds no violation, light or dark."""

import json
import os
import re

import pytest

from harness import serving_static, serving_static_with_headers
from helpers import ROOT, SHIPPED_BUNDLE, run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
EXAMPLES = os.path.join(ROOT, "examples")
MODULE_IN_EXAMPLES = "../frontend/dist/tempera.mjs"
MODEL_IN_EXAMPLES = "../models/nietzsche"

RUN_AXE = """async (source) => {
  if (!window.axe) (0, eval)(source);
  const results = await window.axe.run(document);
  return results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary) }));
}"""

# Each tinted stretch of the element's text: its text colour and tint (axe leaves out the
# one-character ones, "too short to determine if it is actual text content").
TINTS = """() => [...document.querySelector('tempera-lanes').shadowRoot.querySelectorAll('.drawn span')]
  .slice(0, 200).map((e) => ({ name: e.className, color: getComputedStyle(e).color,
                               background: getComputedStyle(e).backgroundColor }))"""


def _luminance(css):
    channels = [float(v) / 255 for v in re.findall(r"[\d.]+", css)[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a, b):
    light, dark = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


def sampled(seed, temperatures, length, rng_seed):
    """The lanes' texts `tempera sample --json` prints."""
    result = run_cli("sample", SHIPPED_BUNDLE, "--seed-text", seed, "--temperature", *map(str, temperatures),
                     "--length", str(length), "--rng-seed", str(rng_seed), "--json")
    assert result.returncode == 0, result.stderr
    return [lane["text"] for lane in json.loads(result.stdout)["lanes"]]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A build-site folder, served with Access-Control-Allow-Origin added to its _headers."""
    from export.site import build_site

    out = str(tmp_path_factory.mktemp("site") / "site")
    build_site(out, [SHIPPED_BUNDLE], os.path.join(ROOT, "frontend", "dist"), os.path.join(ROOT, "models"))
    assert os.path.isfile(os.path.join(out, "tempera.mjs")) and os.path.isdir(os.path.join(out, "wasm"))
    with open(os.path.join(out, "_headers"), "a", encoding="utf-8") as headers:
        headers.write("  Access-Control-Allow-Origin: *\n")  # under the "/*" rule build-site writes
    with serving_static_with_headers(out) as url:
        yield url


@pytest.fixture(scope="module")
def examples(site, tmp_path_factory):
    """examples/ as another origin serves it, pointing at the site instead of this checkout."""
    folder = tmp_path_factory.mktemp("elsewhere")
    for name in ("embed.html", "sketch.html"):
        with open(os.path.join(EXAMPLES, name), encoding="utf-8") as handle:
            html = handle.read()
        assert MODULE_IN_EXAMPLES in html and MODEL_IN_EXAMPLES in html, name
        html = html.replace(MODULE_IN_EXAMPLES, f"{site}tempera.mjs").replace(MODEL_IN_EXAMPLES, f"{site}models/nietzsche")
        (folder / name).write_text(html, encoding="utf-8")
    with serving_static(str(folder)) as url:
        assert url.split(":")[2] != site.split(":")[2]
        yield url


def test_the_element_and_the_module_work_on_a_page_of_another_origin(browser, examples):
    with open(AXE, encoding="utf-8") as handle:
        axe = handle.read()
    context = browser.new_context(color_scheme="light", viewport={"width": 900, "height": 800})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))

    page.goto(f"{examples}embed.html")
    page.wait_for_function("() => document.querySelector('tempera-lanes')?.result || "
                           "document.querySelector('tempera-lanes')?.shadowRoot"
                           "?.querySelector('[data-state=error]')", timeout=120_000)
    status = page.text_content("[data-testid=tempera-lanes] [data-testid=status]")
    assert status.startswith("Generated 2 lanes of 300 characters on wasm (RNG seed 42)"), (status, errors)
    shown = page.locator("[data-testid=tempera-lanes] [data-testid=lane-text]").all_text_contents()
    assert shown == sampled("the meaning of life is", [0.2, 1.2], 300, 42)
    labels = page.locator("[data-testid=tempera-lanes] [data-testid=lane] h2").all_text_contents()
    assert labels == ["T = 0.2", "T = 1.2"]
    # The tinted text is the same text (hidden from screen readers, which read the plain copy).
    tinted = page.locator("[data-testid=tempera-lanes] .drawn").all_text_contents()
    assert tinted == shown
    assert page.evaluate("() => !!crossOriginIsolated") is False  # one WASM thread, as the page by default
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        assert page.evaluate(RUN_AXE, axe) == [], scheme
        tints = page.evaluate(TINTS)
        assert {t["name"] for t in tints} >= {"rank-1", "rank-2-3"}, tints
        low = {f"{t['name']}: {t['color']} on {t['background']}" for t in tints if _contrast(t["color"], t["background"]) < 4.5}
        assert not low, (scheme, low)

    page.goto(f"{examples}sketch.html")
    page.wait_for_function("() => document.body.dataset.state", timeout=120_000)
    assert page.evaluate("document.body.dataset.state") == "done", page.text_content("#status")
    assert page.text_content("[data-testid=sketch-text]") == sampled("the meaning of life is", [0.8], 400, 7)[0]
    assert errors == []
    context.close()
