"""Helpers for browser tests: notebooks on disk, JupyterLab driven through Playwright.

Everything here takes a Playwright ``Page`` (sync API) and, where the server is needed,
the server's base URL (``jupyter_server.base_url`` from ``conftest.py``).

Typical use::

    path = write_notebook(jupyter_server.root_dir, "demo.ipynb", ["x = 1", "print(x)"])
    open_notebook(page, jupyter_server.base_url, path)
    run_all_cells(page)
    assert cell_output_text(page, 1) == "1"
    screenshot(page, "demo")

API (all waits bounded by ``TIMEOUT_MS`` = 60 s unless a call says otherwise):

- files and server: ``write_notebook``, ``api_request``, ``shutdown_kernels``
- opening and state: ``open_notebook``, ``wait_for_idle``, ``kernel_status``,
  ``notebook_state``, ``dismiss_dialogs``
- running: ``run_all_cells``, ``run_cell``, ``execute_command`` (any JupyterLab command)
- reading: ``prompt_texts``, ``execution_counts``, ``cell_output_text``
- looks: ``screenshot`` (``artifacts/screenshots/<name>.png``), ``set_theme`` /
  ``wait_for_theme`` (``LIGHT_THEME``, ``DARK_THEME``)

Running goes through JupyterLab's command registry (``window.jupyterapp``, exposed by the
test server) rather than menus or key presses: a menu click made while JupyterLab is still
wiring up the notebook is silently ignored, which made menu-driven runs flaky under load.
Tests that check what a person does (sliders, buttons, keys) still use real input events.
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat

#: Upper bound for any single wait on the browser or the server, in milliseconds.
TIMEOUT_MS = 60_000

#: Repository root (this file is tests/e2e/helpers.py).
REPO_ROOT = Path(__file__).resolve().parents[2]

#: Where ``screenshot`` saves its PNG files.
SCREENSHOT_DIR = REPO_ROOT / "artifacts" / "screenshots"
#: Pictures meant for the README and docs/: tests write them here (never into a tracked
#: folder); ``make screenshots`` runs the browser tests and copies them to docs/screenshots/.
DOC_SCREENSHOT_DIR = SCREENSHOT_DIR / "docs"

#: Paths saved by ``screenshot`` in this session (the conftest prints the folder at the end).
SAVED_SCREENSHOTS: list[Path] = []

LIGHT_THEME = "JupyterLab Light"
DARK_THEME = "JupyterLab Dark"

# CSS selectors of JupyterLab 4 (checked against 4.6).
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
CODE_CELL = f"{NOTEBOOK} .jp-CodeCell"
DIALOG = ".jp-Dialog"
# The loading animation JupyterLab shows at start-up and while it switches themes.
SPLASH = "#jupyterlab-splash"

_PROMPT_NUMBER = re.compile(r"\[(\d+)\]")


# --------------------------------------------------------------------------- files


def write_notebook(root_dir: str | Path, name: str, cells: list) -> Path:
    """Write a notebook with the ``python3`` kernel and return its path relative to ``root_dir``.

    ``cells`` holds one entry per cell: a ``str`` is a code cell; a ``("markdown", text)``
    or ``("code", text)`` pair chooses the cell type. ``name`` may contain ``/`` to place
    the notebook in a subfolder, which is created.
    """
    if not isinstance(name, str) or not name.endswith(".ipynb"):
        raise ValueError(f"name must be a str ending in '.ipynb', got {name!r}")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            kind, source = "code", cell
        elif isinstance(cell, tuple) and len(cell) == 2 and cell[0] in ("code", "markdown"):
            kind, source = cell
        else:
            raise TypeError(
                f"cells[{index}] must be a str or a ('code'|'markdown', str) pair, got {cell!r}"
            )
        maker = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(maker(source))
    target = Path(root_dir) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return Path(name)


# --------------------------------------------------------------------------- server API


def api_request(base_url: str, method: str, path: str, body=None, timeout: float = 30.0):
    """Call the Jupyter REST API (no token, XSRF off in the test server); return parsed JSON.

    Returns ``None`` for an empty answer (e.g. 204 No Content).
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url.rstrip("/") + "/" + path.lstrip("/"),
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw.strip() else None


def shutdown_kernels(base_url: str) -> None:
    """Delete every session and shut down every kernel of the server."""
    for session in api_request(base_url, "GET", "api/sessions") or []:
        try:
            api_request(base_url, "DELETE", f"api/sessions/{session['id']}")
        except OSError:
            pass  # already gone
    for kernel in api_request(base_url, "GET", "api/kernels") or []:
        try:
            api_request(base_url, "DELETE", f"api/kernels/{kernel['id']}")
        except OSError:
            pass


def set_theme(base_url: str, theme: str = DARK_THEME, page=None, timeout: float = TIMEOUT_MS) -> None:
    """Switch JupyterLab to ``theme`` (``"JupyterLab Dark"`` or ``"JupyterLab Light"``).

    With ``page``, clicks *Settings → Theme → <theme>* in that page: the theme changes in place,
    cell outputs and widgets stay. Without ``page``, stores the theme through the settings API
    (``PUT /lab/api/settings/@jupyterlab/apputils-extension:themes``), which pages opened
    afterwards pick up. Either way the choice is saved in the test server's user settings and
    lasts for the session; the ``page`` fixture puts the light theme back after each test.
    """
    if theme not in (LIGHT_THEME, DARK_THEME):
        raise ValueError(f"theme must be {LIGHT_THEME!r} or {DARK_THEME!r}, got {theme!r}")
    if page is None:
        api_request(
            base_url,
            "PUT",
            "lab/api/settings/@jupyterlab/apputils-extension:themes",
            {"raw": json.dumps({"theme": theme})},
        )
        return
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Settings$")).click(timeout=timeout)
    page.locator(
        '#jp-mainmenu-settings .lm-Menu-item[data-type="submenu"]',
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Theme$")),
    ).hover(timeout=timeout)
    page.locator(
        '.lm-Menu-item[data-command="apputils:change-theme"]',
        has=page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(theme)}$")),
    ).click(timeout=timeout)
    wait_for_theme(page, theme, timeout=timeout)


def wait_for_theme(page, theme: str, timeout: float = TIMEOUT_MS) -> None:
    """Wait until JupyterLab shows ``theme``: ``body[data-jp-theme-name]`` names it and the
    theme's stylesheet has been applied (``--jp-layout-color0`` dark or light as expected)."""
    page.wait_for_selector(f'body[data-jp-theme-name="{theme}"]', state="attached", timeout=timeout)
    want_light = "true" if theme == LIGHT_THEME else "false"
    page.wait_for_selector(f'body[data-jp-theme-light="{want_light}"]', state="attached", timeout=timeout)
    page.wait_for_selector(SPLASH, state="detached", timeout=timeout)


# --------------------------------------------------------------------------- browser
#
# The test server runs with --LabApp.expose_app_in_browser=True, so the page has
# ``window.jupyterapp`` (JupyterLab's application object, as JupyterLab's own Galata tests
# use it). The helpers read the kernel's real state from it and run notebook commands
# through its command registry; what a test checks is still read from the DOM.

# JS: the notebook panel the helpers act on (the current tab if it is a notebook, else the
# first notebook in the main area), or null.
_FIND_PANEL = """
const isNotebook = w => !!(w && w.sessionContext && w.content && w.content.widgets && w.context);
const findPanel = app => {
    if (isNotebook(app.shell.currentWidget)) return app.shell.currentWidget;
    for (const w of app.shell.widgets("main")) if (isNotebook(w)) return w;
    return null;
};
"""

_STATE_JS = (
    "() => {"
    + _FIND_PANEL
    + """
    const app = window.jupyterapp;
    if (!app) return {phase: "no-app"};
    const panel = findPanel(app);
    if (!panel) return {phase: "no-notebook"};
    const ctx = panel.sessionContext;
    const kernel = ctx.session ? ctx.session.kernel : null;
    return {
        phase: panel.context.isReady && ctx.isReady ? "ready" : "loading",
        status: kernel ? kernel.status : "no-kernel",
        connection: kernel ? kernel.connectionStatus : "none",
        path: panel.context.path,
    };
}"""
)

# JS: each code cell's execution count from the notebook model (null: never run), or null
# when there is no notebook.
_COUNTS_JS = (
    "() => {"
    + _FIND_PANEL
    + """
    const app = window.jupyterapp;
    const panel = app ? findPanel(app) : null;
    if (!panel || !panel.content.model) return null;
    const cells = panel.content.model.cells;
    const counts = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type === "code") counts.push(cell.executionCount ?? null);
    }
    return counts;
}"""
)

_COMMAND_JS = (
    "([command, args, codeCellIndex]) => {"
    + _FIND_PANEL
    + """
    const app = window.jupyterapp;
    const panel = findPanel(app);
    if (panel) {
        app.shell.activateById(panel.id);
        if (codeCellIndex !== null) {
            const codeCells = panel.content.widgets
                .map((cell, position) => [cell, position])
                .filter(([cell]) => cell.model.type === "code");
            panel.content.deselectAll();
            panel.content.activeCellIndex = codeCells[codeCellIndex][1];
            panel.content.mode = "command";
        }
    }
    app.commands.execute(command, args).catch(
        error => console.error(`e2e: command ${command} failed: ${error}`));
}"""
)


def open_notebook(page, base_url: str, path: str | Path, timeout: float = TIMEOUT_MS) -> None:
    """Open ``path`` (relative to the server's root) in JupyterLab and wait for an idle kernel.

    Uses a fresh workspace named after the notebook, so tabs from earlier tests are not
    restored (and their kernels not started again).
    """
    path = Path(path).as_posix()
    workspace = re.sub(r"[^A-Za-z0-9_-]", "-", path) + f"-{time.monotonic_ns()}"
    url = f"{base_url.rstrip('/')}/lab/workspaces/{workspace}/tree/{urllib.parse.quote(path)}"
    page.goto(url, timeout=timeout)
    page.wait_for_selector(NOTEBOOK, timeout=timeout)
    page.wait_for_selector(SPLASH, state="detached", timeout=timeout)
    wait_for_idle(page, timeout=timeout)


def dismiss_dialogs(page) -> int:
    """Accept every open JupyterLab dialog (e.g. kernel selection); return how many."""
    count = 0
    while page.locator(DIALOG).count() > 0 and count < 10:
        dialog = page.locator(DIALOG).first
        accept = dialog.locator(".jp-mod-accept")
        if accept.count() > 0:
            accept.first.click()
        else:
            page.keyboard.press("Escape")
        count += 1
        page.wait_for_timeout(200)
    return count


def notebook_state(page) -> dict:
    """The open notebook's state as JupyterLab knows it.

    ``{"phase": "ready" | "loading" | "no-notebook" | "no-app", "status": kernel status
    ("idle", "busy", "starting", ..., "no-kernel"), "connection": "connected" |
    "connecting" | "disconnected" | "none", "path": notebook path}``.
    """
    return page.evaluate(_STATE_JS)


def kernel_status(page) -> str:
    """The notebook's kernel status (``"idle"``, ``"busy"``, ...) once connected, else the
    connection or loading phase (``"connecting"``, ``"loading"``, ``"no-notebook"``, ...)."""
    state = notebook_state(page)
    if state["phase"] != "ready":
        return state["phase"]
    if state["connection"] != "connected":
        return state["connection"]
    return state["status"]


def wait_for_idle(page, timeout: float = TIMEOUT_MS) -> None:
    """Wait until the notebook is loaded, its kernel connected and idle, and no cell queued.

    Dialogs that pop up meanwhile (kernel selection, restart prompts) are accepted.
    Raises ``TimeoutError`` naming the last status seen.
    """
    deadline = time.monotonic() + timeout / 1000
    status = "unknown"
    while time.monotonic() < deadline:
        dismiss_dialogs(page)
        status = kernel_status(page)
        if status == "no-app":
            raise RuntimeError(
                "window.jupyterapp is missing: start JupyterLab with "
                "--LabApp.expose_app_in_browser=True (the jupyter_server fixture does)"
            )
        if status == "idle" and not any("*" in p for p in prompt_texts(page)):
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"kernel not idle after {timeout / 1000:.0f} s (last status {status!r})")


def prompt_texts(page) -> list[str]:
    """The input prompts of the open notebook's code cells, e.g. ``["[1]:", "[*]:", "[ ]:"]``."""
    return [t.strip() for t in page.locator(f"{CODE_CELL} .jp-InputPrompt").all_inner_texts()]


def execution_counts(page) -> list[int | None]:
    """Each code cell's execution count (``None`` for never run or still queued).

    Read from the notebook's model, not the page: JupyterLab 4 renders only the cells near
    the viewport, so the prompts of cells scrolled off screen are empty in the DOM although
    the cells ran. Falls back to the prompts when the model cannot be reached.
    """
    counts = page.evaluate(_COUNTS_JS)
    if counts is not None:
        return [None if c is None else int(c) for c in counts]
    counts = []
    for text in prompt_texts(page):
        match = _PROMPT_NUMBER.search(text)
        counts.append(int(match.group(1)) if match else None)
    return counts


def _wait_for_counts_above(page, cell_indices, floor: int, timeout: float) -> None:
    """Wait until each listed code cell shows an execution count above ``floor``, then idle."""
    deadline = time.monotonic() + timeout / 1000
    counts: list[int | None] = []
    while time.monotonic() < deadline:
        dismiss_dialogs(page)
        counts = execution_counts(page)
        if all(counts[i] is not None and counts[i] > floor for i in cell_indices):
            wait_for_idle(page, timeout=max(1.0, (deadline - time.monotonic()) * 1000))
            return
        page.wait_for_timeout(100)
    raise TimeoutError(
        f"cells {list(cell_indices)} not executed after {timeout / 1000:.0f} s "
        f"(execution counts {counts}, kernel {kernel_status(page)!r})"
    )


def execute_command(
    page, command: str, args: dict | None = None, code_cell_index: int | None = None
) -> None:
    """Start JupyterLab command ``command`` (e.g. ``"notebook:run-all-cells"``) on the notebook.

    The notebook is activated first and, with ``code_cell_index``, that code cell (0-based,
    counting code cells only) is made the active, only selected one. Does not wait for the
    command to finish; a failure is logged as a console error (so ``page.console_errors`` catches it).
    """
    page.evaluate(_COMMAND_JS, [command, args or {}, code_cell_index])


def run_all_cells(page, timeout: float = TIMEOUT_MS) -> None:
    """Run every cell (``notebook:run-all-cells``) and wait until all have run and idle.

    Waits on the notebook model's execution counts (every code cell's count above the
    highest before the run) and the kernel's idle status, so cells that JupyterLab has not
    rendered (scrolled off screen, empty prompts) do not hold the wait to its timeout.
    """
    wait_for_idle(page, timeout=timeout)
    floor = max([c for c in execution_counts(page) if c is not None], default=0)
    cells = range(len(execution_counts(page)))
    execute_command(page, "notebook:run-all-cells")
    _wait_for_counts_above(page, cells, floor, timeout)


def run_cell(page, index: int, timeout: float = TIMEOUT_MS) -> None:
    """Run the ``index``-th code cell (0-based) in place (``notebook:run-cell``) and wait."""
    n_cells = page.locator(CODE_CELL).count()
    if not 0 <= index < n_cells:
        raise ValueError(f"index must be in [0, {n_cells}), got {index}")
    wait_for_idle(page, timeout=timeout)
    floor = max([c for c in execution_counts(page) if c is not None], default=0)
    execute_command(page, "notebook:run-cell", code_cell_index=index)
    _wait_for_counts_above(page, [index], floor, timeout)


def cell_output_text(page, index: int) -> str:
    """The visible text of the ``index``-th code cell's outputs (0-based), stripped."""
    cell = page.locator(CODE_CELL).nth(index)
    return "\n".join(cell.locator(".jp-OutputArea-output").all_inner_texts()).strip()


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """Save a PNG of the page as ``artifacts/screenshots/<name>.png`` and return its path."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise ValueError(f"name must be letters, digits, '_', '-' or '.', got {name!r}")
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    SAVED_SCREENSHOTS.append(path)
    return path


def doc_screenshot(page, locator, name: str, margin: int = 8) -> Path:
    """Save a picture of ``locator`` (with ``margin`` px around it) as
    ``artifacts/screenshots/docs/<name>.png``, for ``make screenshots`` to publish in
    docs/screenshots/. Returns its path."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name or ""):
        raise ValueError(f"name must be letters, digits, '_', '-' or '.', got {name!r}")
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    DOC_SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    clip = {
        "x": max(0.0, box["x"] - margin),
        "y": max(0.0, box["y"] - margin),
        "width": box["width"] + 2 * margin,
        "height": box["height"] + 2 * margin,
    }
    path = DOC_SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), clip=clip)
    SAVED_SCREENSHOTS.append(path)
    return path


def cell_json(page, index: int) -> dict:
    """Run code cell ``index`` (0-based) and parse the JSON line it printed last."""
    run_cell(page, index)
    text = cell_output_text(page, index)
    try:
        return json.loads(text.splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError(f"cell {index} printed {text!r}, not a JSON line") from None


def wait_for_cell_json(page, index: int, predicate, what: str, timeout: float = 15.0) -> dict:
    """Run cell ``index`` until the JSON it prints satisfies ``predicate``; fail naming
    ``what``. A change made in the browser travels as a comm message, which JupyterLab 4.6
    sends to a kernel subshell (another thread) while the cell runs on the main shell: the
    two are not ordered, so the read is retried (for at most ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        state = cell_json(page, index)
        if predicate(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"the kernel never showed {what}; last state: {state}")
        page.wait_for_timeout(300)


# JS: per code cell of the open notebook's model, its outputs: type, error name, whether it
# is a widget, and its text/html.
_CELL_OUTPUTS_JS = """() => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const out = [];
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type !== "code") continue;
        const outputs = [];
        for (let j = 0; j < cell.outputs.length; j++) {
            const o = cell.outputs.get(j).toJSON();
            const html = o.data && o.data["text/html"];
            outputs.push({type: o.output_type, ename: o.ename || null,
                          widget: !!(o.data && o.data["application/vnd.jupyter.widget-view+json"]),
                          html: html ? [].concat(html).join("") : null});
        }
        out.push(outputs);
    }
    return out;
}"""


def cell_outputs(page) -> list:
    """Per code cell of the open notebook (JupyterLab), its outputs as dicts: ``type``
    (the output type), ``ename``, ``widget`` (a widget view) and ``html``."""
    return page.evaluate(_CELL_OUTPUTS_JS)


def epoch_shown(page, selector: str) -> int:
    """The epoch counter at ``selector`` as shown ("001,234" -> 1234); anything else fails."""
    text = page.locator(selector).inner_text().strip()
    assert re.fullmatch(r"\d{1,3}(,\d{3})+", text), f"epoch counter shows {text!r}"
    return int(text.replace(",", ""))


def press_play(page, play: str, epoch: str, timeout: float = 15_000) -> None:
    """Click the Play button at ``play`` and wait until it shows playing and the epoch
    counter at ``epoch`` has left 000,000 (at most ``timeout`` ms each)."""
    page.locator(play).click()
    page.locator(f"{play}.nbp-playing").wait_for(state="attached", timeout=timeout)
    page.wait_for_function(
        "sel => document.querySelector(sel).innerText.trim() !== '000,000'", arg=epoch,
        timeout=timeout)
