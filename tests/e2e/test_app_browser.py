"""The standalone app (``python -m nbplayground``, Voila) in a real Chromium.

The app is started as a user would start it, in its own process group, and ended at
the end of the test (SIGTERM, which lets Voila shut its kernels down; SIGKILL to the
group if it lingers).  JupyterLab is not needed, so the test makes its own page from
the session's ``browser`` instead of using the ``page`` fixture.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from e2e.helpers import (
    REPO_ROOT,
    TIMEOUT_MS,
    epoch_shown,
    press_play,
    screenshot,
)
from nbplayground.app import LESSONS, free_port

ROOT = ".nbp-playground"
EPOCH = f"{ROOT} .nbp-epoch"
PLAY = f"{ROOT} .nbp-play"
HEATMAP_IMAGE = f"{ROOT} .nbp-heatmap svg image"
#: Voila's "lab" template links Font Awesome's CSS from a CDN; the app's own template
#: (nbplayground/app_data/voila/templates/nbplayground) leaves those links out, so the
#: page asks no other host for anything.
OFFLINE_CDN = "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@"
START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 20.0


def _env() -> dict[str, str]:
    """The child's environment: this checkout importable, Jupyter state kept out of $HOME."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def _wait_for_page(url: str, process: subprocess.Popen, log_path) -> None:
    """Poll ``url`` until it answers 200 (Voila runs the notebook before answering)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}:\n"
                               + log_path.read_text(errors="replace")[-3000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the app did not answer {url} within {START_TIMEOUT_S:.0f} s:\n"
                       + log_path.read_text(errors="replace")[-3000:])


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=STOP_TIMEOUT_S)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # anything left in the group
    except (ProcessLookupError, PermissionError):
        pass
    process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture
def app_url():
    """Run ``python -m nbplayground --preset playground`` on a free port; yield its URL."""
    log_path = REPO_ROOT / "artifacts" / "e2e" / "app.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "nbplayground", "--port", str(port), "--preset", "playground"],
            cwd=REPO_ROOT, env=_env(), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_page(url, process, log_path)
        yield url
    finally:
        _stop(process)


def test_app_plays_in_a_browser(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []

    def on_console(message):
        url = message.location.get("url", "")
        if message.type == "error" and not url.startswith(OFFLINE_CDN):
            errors.append(f"console.error: {message.text} ({url})")

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    failed_requests: list[str] = []
    page.on("requestfailed", lambda r: failed_requests.append(f"{r.url} ({r.failure})"))
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url)
            if not r.url.startswith((app_url, "data:", "blob:")) else None)
    try:
        page.goto(app_url)
        page.locator(ROOT).wait_for(state="visible")
        page.wait_for_function(
            "sel => /^(blob|data):/.test(document.querySelector(sel)?.getAttribute('href') || '')",
            arg=HEATMAP_IMAGE)
        assert page.locator(EPOCH).inner_text().strip() == "000,000"
        # Voila strips the code: the page shows the widget, not the cell
        assert "from nbplayground" not in page.content()
        # a title, a line of introduction and the lessons, centred with the widget
        header = page.locator(".nbp-app-header")
        assert "tinker with a neural network" in header.inner_text()
        assert header.locator("a").count() == len(LESSONS)
        width = page.viewport_size["width"]
        for box in (header.bounding_box(), page.locator(ROOT).bounding_box()):
            centre = box["x"] + box["width"] / 2
            assert abs(centre - width / 2) < 40, (box, width)
        assert elsewhere == [], elsewhere   # no CDN (Font Awesome) or other host

        press_play(page, PLAY, EPOCH)
        first = epoch_shown(page, EPOCH)
        page.wait_for_timeout(1500)
        second = epoch_shown(page, EPOCH)
        assert second > first > 0, f"the counter went {first} -> {second} while playing"
        shot = screenshot(page, "app-playing")
        assert shot.stat().st_size > 20_000

        page.locator(PLAY).click()
        page.locator(f"{PLAY}:not(.nbp-playing)").wait_for(state="attached", timeout=15_000)
        page.wait_for_timeout(500)
        paused = epoch_shown(page, EPOCH)
        page.wait_for_timeout(1500)
        assert epoch_shown(page, EPOCH) == paused, "the counter moved after Pause"
        assert errors == [], (errors, failed_requests)
    except BaseException:
        try:
            screenshot(page, "FAILED-test_app_plays_in_a_browser")
        except Exception:
            pass
        raise
    finally:
        context.close()
