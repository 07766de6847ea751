"""Lessons 01 to 05 in a real JupyterLab: "Run All" runs every cell with no error, the
widgets (Playground, Step inside, Descent and its races, Compare, the activation and loss
figures) render, and the challenge's check shows a red cross (Run All does not solve it).
"""

from __future__ import annotations

import shutil

import pytest

from e2e.helpers import (
    REPO_ROOT,
    TIMEOUT_MS,
    cell_outputs,
    open_notebook,
    run_all_cells,
    screenshot,
)


#: the widgets each lesson shows (CSS classes of their roots)
WIDGETS = {
    "01-learning-process": (".nbp-playground",),
    "02-activations": (".nbp-playground", ".nbp-compare", ".nbp-figures"),
    "03-loss-backprop": (".nbp-playground", ".nbp-compare", ".nbp-figures"),
    "04-gradient-descent": (".nbp-descent",),
    "05-momentum-optimizers": (".nbp-descent", ".nbp-compare"),
}


@pytest.mark.parametrize("stem", list(WIDGETS))
def test_run_all_renders_the_lesson_and_leaves_the_challenge_unsolved(page, jupyter_server,
                                                                      stem):
    name = f"{stem}.ipynb"
    shutil.copy(REPO_ROOT / "notebooks" / name, jupyter_server.root_dir / name)
    open_notebook(page, jupyter_server.base_url, name)
    run_all_cells(page, timeout=3 * TIMEOUT_MS)
    outputs = cell_outputs(page)
    errors = [o for cell in outputs for o in cell if o["type"] == "error"]
    assert not errors, errors
    for css in WIDGETS[stem]:
        assert page.locator(css).count() >= 1, css
    first = page.locator(WIDGETS[stem][0]).first
    first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)   # JupyterLab renders the cells scrolled into view
    screenshot(page, f"lesson-{stem}-{WIDGETS[stem][0][5:]}")
    check = [o["html"] for o in outputs[-1] if o["html"]]
    assert check and "✗" in check[0] and "✓" not in check[0], outputs[-1]
    screenshot(page, f"lesson-{stem}-run-all", full_page=True)
