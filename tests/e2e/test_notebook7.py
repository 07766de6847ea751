"""The Playground in Jupyter Notebook 7 (the ``lab`` extra installs it), in Chromium.

Notebook 7 is started like the JupyterLab fixture starts JupyterLab (own process
group, isolated state, no network look-ups), on a free port; a notebook that shows a
Playground is opened at ``/notebooks/<name>``, its cells are run, Play makes the
epoch counter and the heatmap move, Pause stops both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from e2e.conftest import VIEWPORT, _free_port, _server_env, _stop, _wait_until_up
from e2e.helpers import (
    REPO_ROOT,
    TIMEOUT_MS,
    epoch_shown,
    press_play,
    screenshot,
    write_notebook,
)

ROOT = ".nbp-playground"
EPOCH = f"{ROOT} .nbp-epoch"
PLAY = f"{ROOT} .nbp-play"
HEATMAP_IMAGE = f"{ROOT} .nbp-heatmap svg image"

pytest.importorskip("notebook", minversion="7")


def _command(port: int, root_dir) -> list[str]:
    return [
        sys.executable, "-m", "jupyter", "notebook",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        "--IdentityProvider.token=",
        "--PasswordIdentityProvider.hashed_password=",
        "--ServerApp.disable_check_xsrf=True",
        "--ServerApp.allow_root=True",
    ]


#: Notebook 7's own setting: an extension app reads it from its config file, not from
#: the command line (window.jupyterapp, through which the test runs the cells).
NOTEBOOK_CONFIG = {"JupyterNotebookApp": {"expose_app_in_browser": True}}


def _configure(env: dict) -> dict:
    config_dir = Path(env["JUPYTER_CONFIG_DIR"])
    config_dir.mkdir(parents=True, exist_ok=True)
    for name in ("jupyter_notebook_config.json", "jupyter_server_config.json"):
        (config_dir / name).write_text(json.dumps(NOTEBOOK_CONFIG))
    return env


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("nb7-root")
    state = tmp_path_factory.mktemp("nb7-state")
    log_path = REPO_ROOT / "artifacts" / "e2e" / "notebook7.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(_command(port, root), cwd=root,
                                   env=_configure(_server_env(state)),
                                   stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_until_up(process, base_url, log_path)
        yield base_url, root
    finally:
        _stop(process, base_url)


def _notebooks_own(error) -> bool:
    """Notebook 7.6 itself throws "Cannot read properties of undefined (reading
    'schema')" while loading the settings of a plugin that has none in this isolated
    setup (the whole stack is in its notebook_core bundle); nothing of the widget's."""
    stack = str(getattr(error, "stack", "") or "")
    return ("reading 'schema'" in str(error) and "notebook_core" in stack
            and "nbplayground" not in stack and "jupyter-widgets" not in stack)


@pytest.mark.e2e
def test_a_playground_plays_in_notebook_7(browser, notebook_server):
    base_url, root = notebook_server
    path = write_notebook(root, "nb7.ipynb", [
        'from nbplayground import Playground\npg = Playground(dataset="xor", seed="nb7")',
        "pg"])
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: None if _notebooks_own(e) else errors.append(
        f"uncaught: {e} {e.stack}"))
    try:
        page.goto(f"{base_url}notebooks/{path.as_posix()}")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell")
        page.wait_for_function(
            "() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;"
            " return !!(w && w.sessionContext && w.sessionContext.session &&"
            " w.sessionContext.session.kernel &&"
            " w.sessionContext.session.kernel.status === 'idle'); }")
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(
            "sel => /^(blob|data):/.test(document.querySelector(sel)?.getAttribute('href') || '')",
            arg=HEATMAP_IMAGE)
        assert epoch_shown(page, EPOCH) == 0
        picture = page.locator(HEATMAP_IMAGE).get_attribute("href")
        press_play(page, PLAY, EPOCH)
        first = epoch_shown(page, EPOCH)
        time.sleep(1.0)
        assert epoch_shown(page, EPOCH) > first > 0
        assert page.locator(HEATMAP_IMAGE).get_attribute("href") != picture
        screenshot(page, "notebook7-playing")
        page.locator(PLAY).click()
        page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached", timeout=15_000)
        page.wait_for_timeout(500)
        paused = epoch_shown(page, EPOCH)
        page.wait_for_timeout(1000)
        assert epoch_shown(page, EPOCH) == paused
        assert errors == [], errors
    finally:
        context.close()
