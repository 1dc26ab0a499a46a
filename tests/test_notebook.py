"""docs/tempera.ipynb runs from top to bottom in a real Jupyter kernel, and shows what it says."""

import os
import re

import pytest

from conftest import ROOT

nbformat = pytest.importorskip("nbformat", reason="the test extra's nbclient is not installed")
nbclient = pytest.importorskip("nbclient", reason="the test extra's nbclient is not installed")

NOTEBOOK = os.path.join(ROOT, "docs", "tempera.ipynb")
RANK_CLASSES = ("rank-1", "rank-2-3", "rank-4-10", "rank-over-10")


@pytest.fixture(scope="module")
def executed():
    with open(NOTEBOOK, encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    # Run from the checkout's root, in a kernel of this Python (jupyter_client starts
    # sys.executable for the "python3" kernel).
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": ROOT}}).execute()
    return notebook


def outputs(notebook, kind: str) -> list:
    return [output for cell in notebook.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.get("output_type") == kind]


def test_the_notebook_is_stored_without_outputs():
    with open(NOTEBOOK, encoding="utf-8") as handle:
        notebook = nbformat.read(handle, as_version=4)
    nbformat.validate(notebook)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    assert "train" not in "".join(cell.source for cell in notebook.cells if cell.cell_type == "code")


@pytest.mark.slow  # a kernel starts and draws some 2,000 characters: 5 to 40 s here
def test_the_notebook_runs_and_shows_lanes_and_a_score_as_the_page_does(executed):
    assert not outputs(executed, "error")
    shown = [output["data"]["text/html"] for output in outputs(executed, "execute_result")
             if "text/html" in output.get("data", {})]
    lanes, filtered, scored = shown  # the temperatures, the filters, the scored sentence
    for page in (lanes, filtered):
        assert page.count('<section class="lane"') == 4 and "<script" not in page
        assert all(f'class="{name}"' in page for name in RANK_CLASSES[:2])
    assert "top-k 5" in filtered and "top-p 0.9" in filtered and "min-p 0.1" in filtered
    assert "bits/char" in scored and 'class="rank-1"' in scored
    printed = "".join(output["text"] for output in outputs(executed, "stream"))
    assert re.search(r"\d\.\d\d bits/char as written, \d\.\d\d shuffled", printed)
    written, shuffled = map(float, re.findall(r"(\d\.\d\d) bits/char as written, (\d\.\d\d)", printed)[0])
    assert written < shuffled
