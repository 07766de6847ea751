"""Fixtures for browser tests: one JupyterLab server per session, headless Debian Chromium.

Fixtures
--------
``jupyter_server`` (session)
    A running JupyterLab on 127.0.0.1 with no token, no XSRF check, no network look-ups
    (news, update checks, extension manager) and isolated settings/workspaces/runtime
    folders, and ``window.jupyterapp`` exposed to the page (the helpers use it). A
    ``JupyterServer`` with ``base_url`` (ends in ``/``), ``root_dir`` (a ``Path``; write
    notebooks there with ``helpers.write_notebook``) and ``log_path`` (the server's log,
    ``artifacts/e2e/jupyterlab.log``).
``browser`` (session)
    A Playwright (sync API) Chromium browser, headless, from ``/usr/bin/chromium``
    (override with the environment variable ``NBPLAYGROUND_CHROMIUM``).
``page`` (function)
    A fresh 1400x1000 page in its own browser context. It collects what the browser says:
    ``page.console_messages`` (every console message as ``(type, text)``),
    ``page.console_errors`` (console errors and uncaught page errors as strings, minus the
    documented ``HARMLESS_CONSOLE_ERRORS``) and ``page.failed_requests`` (URLs). After the
    test, kernels are shut down and the light theme is restored. A failed test leaves
    ``artifacts/screenshots/FAILED-<test>.png`` and gets the browser console in its report.

Every test under ``tests/e2e/`` is marked ``e2e``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from e2e import helpers

CHROMIUM = os.environ.get("NBPLAYGROUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT_S = 60.0
SERVER_STOP_TIMEOUT_S = 15.0

#: Console errors that say nothing about our code, each with the reason it is harmless.
#: Keep every pattern as narrow as possible: anything else fails the tests that check.
#: Empty on purpose: JupyterLab 4.6 with ipywidgets 8.1 and bqplot 0.13 logs no error while
#: loading a notebook and rendering widgets (news, update checks and the PyPI extension
#: manager, which would log failed look-ups offline, are switched off in the server instead).
HARMLESS_CONSOLE_ERRORS: list[tuple[re.Pattern, str]] = []

_E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Mark every test collected from this folder as ``e2e``."""
    for item in items:
        if _E2E_DIR in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so the ``page`` fixture knows if the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def pytest_terminal_summary(terminalreporter):
    """Say once where the screenshots of this session went."""
    if helpers.SAVED_SCREENSHOTS:
        terminalreporter.write_line(
            f"e2e screenshots ({len(helpers.SAVED_SCREENSHOTS)}): {helpers.SCREENSHOT_DIR}"
        )


# --------------------------------------------------------------------------- server


@dataclass
class JupyterServer:
    """A JupyterLab server started for the test session."""

    base_url: str
    root_dir: Path
    log_path: Path
    process: subprocess.Popen = field(repr=False)


#: What nbplayground.server logs once the server's kernel WebSockets have TCP_NODELAY.
NODELAY_LOG_LINE = "nbplayground: kernel WebSockets with TCP_NODELAY"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_command(port: int, root_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        "--IdentityProvider.token=",
        "--PasswordIdentityProvider.hashed_password=",
        "--ServerApp.disable_check_xsrf=True",
        "--ServerApp.allow_root=True",  # CI runs as root
        # No look-ups on the network: news feed, update check, PyPI extension manager.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # window.jupyterapp, which the helpers use to read the kernel's state and run commands.
        "--LabApp.expose_app_in_browser=True",
    ]


def _server_env(state_dir: Path) -> dict[str, str]:
    """Environment isolating the server from the user's Jupyter config and lab state."""
    settings_dir = state_dir / "lab-settings"
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    # No "Would you like to receive Jupyter news?" toast, no update check.
    (notification / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}'
    )
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(state_dir / "config"),
        JUPYTER_RUNTIME_DIR=str(state_dir / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
        JUPYTERLAB_WORKSPACES_DIR=str(state_dir / "workspaces"),
        IPYTHONDIR=str(state_dir / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        # the checkout's server config (nbplayground.server: kernel WebSockets with TCP_NODELAY),
        # as a package install puts it in <prefix>/etc/jupyter
        JUPYTER_CONFIG_PATH=os.pathsep.join(
            p for p in (str(helpers.REPO_ROOT / "jupyter-config"), os.environ.get("JUPYTER_CONFIG_PATH"))
            if p),
    )
    return env


def _log_tail(log_path: Path, n_lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-n_lines:])
    except OSError:
        return "(no log)"


def _wait_until_up(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    """Poll ``/api/status`` until it answers 200; raise with the log's tail if it never does."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited with code {process.returncode} while starting:\n"
                + _log_tail(log_path)
            )
        try:
            with urllib.request.urlopen(base_url + "api/status", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise TimeoutError(
        f"JupyterLab did not answer {base_url}api/status within {SERVER_START_TIMEOUT_S:.0f} s:\n"
        + _log_tail(log_path)
    )


def _stop(process: subprocess.Popen, base_url: str) -> None:
    """Shut kernels down, then end the server's whole process group (TERM, then KILL)."""
    if process.poll() is None:
        try:
            helpers.shutdown_kernels(base_url)
        except OSError:
            pass
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # leftovers in the group, if any
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=SERVER_STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory):
    """Start JupyterLab once for the session and yield a ``JupyterServer``."""
    root_dir = tmp_path_factory.mktemp("jupyter-root")
    state_dir = tmp_path_factory.mktemp("jupyter-state")
    log_path = helpers.REPO_ROOT / "artifacts" / "e2e" / "jupyterlab.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = _server_env(state_dir)

    last_error: Exception | None = None
    for _attempt in range(3):  # a free port can be taken by someone else before we bind it
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}/"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                _server_command(port, root_dir),
                cwd=root_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group, ended as a whole
            )
        try:
            _wait_until_up(process, base_url, log_path)
            break
        except (RuntimeError, TimeoutError) as error:
            last_error = error
            _stop(process, base_url)
    else:
        raise RuntimeError(f"could not start JupyterLab: {last_error}")
    if NODELAY_LOG_LINE not in log_path.read_text(errors="replace"):
        _stop(process, base_url)
        raise RuntimeError(f"JupyterLab started without nbplayground.server's TCP_NODELAY "
                           f"({NODELAY_LOG_LINE!r} not in its log):\n" + _log_tail(log_path))

    server = JupyterServer(base_url=base_url, root_dir=root_dir, log_path=log_path, process=process)
    try:
        yield server
    finally:
        _stop(process, base_url)


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright's sync API."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium; "
            ".ci/run does it) or set NBPLAYGROUND_CHROMIUM to a Chromium binary"
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _record_failure(report, failed_page, test_name: str) -> None:
    """Save a screenshot of a failed test's page; add it and the browser's console to the
    failure's report (shown with the traceback)."""
    name = "FAILED-" + re.sub(r"[^A-Za-z0-9_.-]", "_", test_name)[:120]
    try:
        shot = str(helpers.screenshot(failed_page, name))
    except Exception as error:  # a crashed page cannot be photographed; say so
        shot = f"(no screenshot: {error})"
    console = "\n".join(f"[{kind}] {text}" for kind, text in failed_page.console_messages)
    report.sections.append(("e2e screenshot", shot))
    report.sections.append(("browser console", console or "(empty)"))
    if failed_page.failed_requests:
        report.sections.append(("failed requests", "\n".join(failed_page.failed_requests)))


def _harmless(text: str) -> bool:
    return any(pattern.search(text) for pattern, _reason in HARMLESS_CONSOLE_ERRORS)


@pytest.fixture
def page(browser, jupyter_server, request):
    """A fresh page (own context, 1400x1000) that records console output and errors.

    When the test fails, a screenshot ``FAILED-<test name>.png`` is saved and the browser's
    console messages and failed requests are added to the test's report.
    """
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(helpers.TIMEOUT_MS)
    new_page = context.new_page()
    new_page.console_messages = []
    new_page.console_errors = []
    new_page.ignored_console_errors = []
    new_page.failed_requests = []

    def on_console(message):
        new_page.console_messages.append((message.type, message.text))
        if message.type == "error":
            text = f"console.error: {message.text} ({message.location.get('url', '')})"
            (new_page.ignored_console_errors if _harmless(text) else new_page.console_errors).append(text)

    def on_page_error(error):
        text = f"uncaught: {error}"
        (new_page.ignored_console_errors if _harmless(text) else new_page.console_errors).append(text)

    new_page.on("console", on_console)
    new_page.on("pageerror", on_page_error)
    new_page.on("requestfailed", lambda request: new_page.failed_requests.append(request.url))
    try:
        yield new_page
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            _record_failure(report, new_page, request.node.name)
        context.close()
        helpers.shutdown_kernels(jupyter_server.base_url)
        helpers.set_theme(jupyter_server.base_url, helpers.LIGHT_THEME)
