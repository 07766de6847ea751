"""The Playground as a standalone web app: ``nbplayground`` / ``python -m nbplayground``.

The app is the widget served by Voila: :func:`main` writes a one-cell notebook
(``Playground(...)``) into a temporary directory and runs Voila on it, on
127.0.0.1 only.  Voila strips the cell's code, so a visitor sees the
Playground and nothing else.  Each browser tab gets its own kernel, hence its
own network.

::

    nbplayground                          # the full Playground on http://127.0.0.1:8866/
    nbplayground --preset spiral-deep     # start from a lesson's preset
    nbplayground --url 'https://playground.tensorflow.org/#dataset=xor&networkShape=5'
    nbplayground --port 0 --browser       # any free port, and open a browser
    nbplayground --list-presets

Kernels nobody uses are shut down: a Playground pauses itself when its tab
closes (no frame is acknowledged), its kernel then falls idle, and Voila's
kernel manager culls kernels that have been idle and disconnected for
``--cull-idle`` seconds (default :data:`CULL_IDLE_TIMEOUT`; 0 keeps them).

Options are checked before Voila starts: an unknown preset, a URL the
Playground cannot read or a busy port ends the command with a message (exit
status 2) and no server.

The page: a title, one line of introduction and links to the lessons
(:data:`LESSONS`) above the Playground, centred (:func:`header_html`).  It is
served with nbplayground's own Voila template (``app_data/voila/templates/
nbplayground``), Voila's "lab" template without its Font Awesome links to a CDN
(which fail offline; Voila's bundle carries the icons).  The page loads only the
widget's own JupyterLab extensions (:data:`LAB_EXTENSIONS`).  The browser's
console still shows some "Unsatisfied version ... of shared singleton module" warnings:
webpack's module federation noting that the widget extensions (ipywidgets,
bqplot, ipyevents) were built against other versions of the shared JupyterLab
packages than Voila's page provides; the shared copy is used and works (the
widget's tests play it), so they are warnings, not errors, and only a rebuild of
those extensions against Voila's versions would silence them.

Nothing here imports ipywidgets or Voila until the server starts, so the
option checks work without them.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import socket
import sys
import tempfile
import urllib.parse
from pathlib import Path
from typing import Sequence

from . import __version__
from . import presets as _presets
from .config import PLAYGROUND_URL, Config

__all__ = ["HOST", "DEFAULT_PORT", "NOTEBOOK_NAME", "build_parser", "parse_args",
           "check_url", "free_port", "notebook_code", "make_notebook", "write_notebook",
           "voila_argv", "main", "CULL_IDLE_TIMEOUT", "CULL_INTERVAL", "TEMPLATE",
           "LESSONS", "header_html"]

#: The app listens on the loopback interface only.
HOST = "127.0.0.1"
#: Voila's usual port.
DEFAULT_PORT = 8866
#: Seconds a kernel with no open page may stay idle before Voila shuts it down.
CULL_IDLE_TIMEOUT = 300
#: Seconds between two looks for such kernels.
CULL_INTERVAL = 60

#: The Voila template the app is served with (in app_data/voila/templates/).
TEMPLATE = "nbplayground"
#: Where that template lives: a Jupyter data directory inside the package.
APP_DATA = Path(__file__).resolve().parent / "app_data"
#: The JupyterLab extensions the page loads: Voila's widget managers and the widget's
#: own (ipywidgets, bqplot, ipyevents).  Others installed next to them (Notebook 7's, the Voila preview) are
#: not needed, and some fail in Voila's page ("The getter for the shared module is not
#: a function"); each loaded extension also adds to the page's start-up.
LAB_EXTENSIONS = ("@voila-dashboards/widgets-manager8", "@voila-dashboards/widgets-manager7",
                  "@jupyter-widgets/jupyterlab-manager", "bqplot", "bqscales", "ipyevents")
#: The repository's lessons: (notebook file, title), linked from the page.
LESSONS = (
    ("01-learning-process.ipynb", "The learning process"),
    ("02-activations.ipynb", "Activation functions"),
    ("03-loss-backprop.ipynb", "Loss and backpropagation"),
    ("04-gradient-descent.ipynb", "Gradient descent"),
    ("05-momentum-optimizers.ipynb", "Momentum"),
    ("06-batch-size-epochs.ipynb", "Batch size and epochs"),
    ("07-learning-rate.ipynb", "Learning rate"),
    ("08-optimizers.ipynb", "Optimizers"),
    ("09-one-neuron.ipynb", "One neuron"),
    ("10-circle.ipynb", "The circle"),
    ("11-xor.ipynb", "XOR"),
    ("12-spiral.ipynb", "The spiral"),
    ("13-keras.ipynb", "To Keras"),
)
#: Where the lessons are read (the repository's notebooks folder).
LESSONS_URL = "https://github.com/nbplayground/nbplayground/blob/main/notebooks/"

#: The generated notebook's file name (Voila shows it as the page title).
NOTEBOOK_NAME = "nbplayground.ipynb"

_PLAYGROUND_HOST = urllib.parse.urlsplit(PLAYGROUND_URL).hostname


# --------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """The command-line parser (no checks beyond argparse's own)."""
    parser = argparse.ArgumentParser(
        prog="nbplayground",
        description="Serve TensorFlow Playground (nbplayground's widget) as a web app "
                    f"through Voila, on {HOST} only.",
        epilog="Examples: nbplayground --preset xor-5 | nbplayground --url "
               "'https://playground.tensorflow.org/#dataset=spiral&networkShape=8,8,8' "
               "| nbplayground --list-presets")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--preset", metavar="NAME",
                       help="start from a named preset (see --list-presets)")
    start.add_argument("--url", metavar="PLAYGROUND_URL",
                       help="start from a playground.tensorflow.org link (or just its "
                            "#fragment); without a seed in it, every visitor gets a new one")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free "
                             "port)")
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=False,
                        help="open the app in a web browser once started (default: no, "
                             "it is a server)")
    parser.add_argument("--cull-idle", type=int, default=CULL_IDLE_TIMEOUT, metavar="SECONDS",
                        help="shut a visitor's kernel down once its page is closed and it "
                             f"has been idle this long (default {CULL_IDLE_TIMEOUT}; 0: never)")
    parser.add_argument("--theme", choices=("light", "dark"), default="light",
                        help="Voila's page theme (default light)")
    parser.add_argument("--list-presets", action="store_true",
                        help="print the preset names with a line about each, and exit")
    parser.add_argument("--version", action="version",
                        version=f"nbplayground {__version__}")
    return parser


def check_url(text: str) -> Config:
    """The :class:`Config` a Playground link describes, or ``ValueError`` saying why not.

    Accepts a full link (``https://playground.tensorflow.org/#...``) or its
    fragment alone (``#activation=relu&...`` or ``activation=relu&...``).  A
    link to another site must carry a ``#fragment`` of Playground settings.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"url={text!r}: expected a Playground link such as "
                         f"{PLAYGROUND_URL}#dataset=xor&networkShape=5")
    text = text.strip()
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"url={text!r}: the scheme must be http or https, not "
                             f"{parts.scheme!r}")
        if not parts.fragment and parts.hostname != _PLAYGROUND_HOST:
            raise ValueError(f"url={text!r}: not a Playground link: it has no "
                             f"#fragment with settings (expected something like "
                             f"{PLAYGROUND_URL}#dataset=xor&networkShape=5)")
    try:
        return Config.from_url(text)
    except ValueError as exc:  # ConfigError, with the key and value at fault
        raise ValueError(f"url={text!r}: {exc}") from None


def _port_is_free(port: int) -> bool:
    """True if a server could listen on HOST:port now (as Tornado binds: SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def free_port() -> int:
    """A port on HOST that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the options; on a bad option print why and exit with status 2.

    The result has ``preset``, ``url``, ``port`` (never 0: a free port is
    chosen), ``browser``, ``theme``, ``list_presets``, and ``config``: the
    Config the preset or URL gives (``None`` for the full default
    Playground).  Checking builds that Config, so an unknown preset or an
    unreadable URL fails here, before any server starts.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    args.config = None
    if args.list_presets:
        return args
    if args.preset is not None:
        try:
            args.config = _presets.preset(args.preset)
        except ValueError as exc:
            parser.error(f"--preset: {exc}")
    if args.url is not None:
        try:
            args.config = check_url(args.url)
        except ValueError as exc:
            parser.error(f"--url: {exc}")
    if not 0 <= args.port <= 65535:
        parser.error(f"--port: port={args.port} is not a port number; allowed: 1..65535, "
                     f"or 0 for any free port")
    if args.cull_idle < 0:
        parser.error(f"--cull-idle: {args.cull_idle} is negative; allowed: seconds >= 1, "
                     f"or 0 to keep idle kernels")
    if args.port == 0:
        args.port = free_port()
    elif not _port_is_free(args.port):
        parser.error(f"--port: port {args.port} on {HOST} is in use (or not allowed); "
                     f"choose another with --port N, or --port 0 for any free port")
    return args


# --------------------------------------------------------------------------------------
# The notebook Voila serves
# --------------------------------------------------------------------------------------

def header_html() -> str:
    """The page's head: title, one line of introduction, the lessons; and the CSS
    that centres it and the Playground."""
    links = " · ".join(
        f'<a href="{LESSONS_URL}{name}" target="_blank" rel="noopener">{i}. {title}</a>'
        for i, (name, title) in enumerate(LESSONS, 1))
    return (
        "<style>"
        "body[data-voila] #rendered_cells .jp-OutputArea-output { display: flex; "
        "flex-direction: column; align-items: center; }"
        "body[data-voila] .nbp-playground { margin-left: auto; margin-right: auto; "
        "width: 100%; }"
        ".nbp-app-header { text-align: center; max-width: 1100px; margin: 0 auto 12px auto; "
        "color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family); }"
        ".nbp-app-header h1 { font-size: 26px; font-weight: 400; margin: 8px 0 4px 0; }"
        ".nbp-app-header p { margin: 2px 0; font-size: 14px; color: var(--jp-ui-font-color2); }"
        ".nbp-app-header a { color: var(--jp-content-link-color, #1976d2); "
        "text-decoration: none; }"
        "</style>"
        '<div class="nbp-app-header">'
        "<h1>nbplayground: tinker with a neural network</h1>"
        "<p>Pick data, shape the network, press play and watch it learn, as in "
        "TensorFlow Playground, with the engine in plain NumPy.</p>"
        f"<p>Lessons: {links}</p>"
        "</div>")


def notebook_code(preset: str | None = None, url: str | None = None) -> str:
    """The code of the served notebook's one cell.

    It rebuilds the Config in the kernel (from the preset name or the URL)
    rather than freezing one, so that a preset or a URL without a seed gives
    every visitor a fresh random seed, as a fresh Playground page does.
    Names and URLs go in as Python string literals (``repr``).
    """
    if preset is not None and url is not None:
        raise ValueError("notebook_code(): give preset or url, not both")
    if preset is not None:
        _presets.preset(preset)  # unknown names fail here, not in the kernel
        lines = ["from nbplayground.presets import preset",
                 "from nbplayground.ui import Playground",
                 "",
                 f"pg = Playground(preset({preset!r}))"]
    elif url is not None:
        check_url(url)
        lines = ["from nbplayground import Config",
                 "from nbplayground.ui import Playground",
                 "",
                 f"pg = Playground(Config.from_url({url!r}))"]
    else:
        lines = ["from nbplayground.ui import Playground",
                 "",
                 "pg = Playground()"]
    header = ["from IPython.display import HTML, display",
              "from nbplayground.app import header_html",
              "display(HTML(header_html()))"]
    return "\n".join(header + lines + ["pg"])


def make_notebook(preset: str | None = None, url: str | None = None) -> dict:
    """The served notebook as an nbformat 4.5 dict: one code cell, no outputs."""
    return {
        "cells": [{
            "cell_type": "code",
            "execution_count": None,
            "id": "nbplayground-app",
            "metadata": {},
            "outputs": [],
            "source": notebook_code(preset, url),
        }],
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                           "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def write_notebook(directory: str | os.PathLike, preset: str | None = None,
                   url: str | None = None) -> Path:
    """Write :func:`make_notebook` to ``directory``/:data:`NOTEBOOK_NAME`; its path."""
    path = Path(directory) / NOTEBOOK_NAME
    path.write_text(json.dumps(make_notebook(preset, url), indent=1) + "\n",
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------

def voila_argv(notebook: str | os.PathLike, port: int, browser: bool = False,
               theme: str = "light", cull_idle: int = CULL_IDLE_TIMEOUT) -> list[str]:
    """Voila's command-line arguments for serving ``notebook`` on HOST:port.

    ``cull_idle`` > 0: jupyter_server's kernel manager (which Voila uses)
    shuts down kernels that have had no page connected and no activity for
    that many seconds, looking every :data:`CULL_INTERVAL` seconds (or
    sooner for a short timeout); a kernel still training (busy or sending
    frames) is active, so only a paused one is culled.
    """
    cull = []
    if cull_idle > 0:
        cull = [
            f"--MappingKernelManager.cull_idle_timeout={int(cull_idle)}",
            f"--MappingKernelManager.cull_interval={max(1, min(CULL_INTERVAL, int(cull_idle)))}",
            "--MappingKernelManager.cull_connected=False",
            "--MappingKernelManager.cull_busy=False",
        ]
    return [
        str(notebook),
        f"--port={port}",
        f"--Voila.ip={HOST}",
        "--Voila.port_retries=0",  # the port we printed, or fail
        f"--Voila.open_browser={browser}",
        "--strip_sources=True",    # the cell's code is never sent to the page
        f"--theme={theme}",
        f"--template={TEMPLATE}",
        *(f"--VoilaConfiguration.extension_allowlist={name}" for name in LAB_EXTENSIONS),
        # kernel WebSockets with TCP_NODELAY (nbplayground/server.py): Voila reads voila.json,
        # not jupyter_server_config.d, so the option is given here
        "--Voila.kernel_websocket_connection_class=nbplayground.server.NoDelayWebsocketConnection",
        *cull,
    ]


def _kernel_can_import_us() -> None:
    """Make the kernels Voila starts import this very nbplayground.

    A kernel starts in the notebook's (temporary) directory; when the package
    is not installed (run from a source tree), it would not find it.
    """
    root = str(Path(__file__).resolve().parent.parent)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


def _voila_finds_our_template() -> None:
    """Put the package's Jupyter data directory (with the app's Voila template) first
    on JUPYTER_PATH, where Voila looks for templates."""
    root = str(APP_DATA)
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if root not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([root, *paths])


def _voila_installed() -> bool:
    """True if Voila can be imported; otherwise say how to install it (on stderr)."""
    try:
        import voila.app  # noqa: F401
    except ImportError:
        print("nbplayground: Voila is not installed; install it with "
              "pip install 'nbplayground[lab]' (or pip install voila)", file=sys.stderr)
        return False
    return True


def _serve(notebook: Path, args: argparse.Namespace) -> int:
    if not _voila_installed():
        return 1
    from voila.app import Voila

    _kernel_can_import_us()
    _voila_finds_our_template()
    Voila.launch_instance(argv=voila_argv(notebook, args.port, args.browser, args.theme,
                                                  args.cull_idle))
    return 0


def _describe(args: argparse.Namespace) -> str:
    if args.preset is not None:
        return f"preset {args.preset!r}"
    if args.url is not None:
        return "the given Playground link"
    return "the full Playground"


def main(argv: Sequence[str] | None = None) -> int:
    """The ``nbplayground`` command; returns the exit status."""
    args = parse_args(argv)
    if args.list_presets:
        width = max(map(len, _presets.names()))
        try:
            for name in _presets.names():
                print(f"{name:<{width}}  {_presets.description(name)}", flush=True)
        except BrokenPipeError:  # `nbplayground --list-presets | head`: the reader has enough
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    # before "serving ... at" is printed: without Voila nothing will be served
    if not _voila_installed():
        return 1
    with tempfile.TemporaryDirectory(prefix="nbplayground-app-") as directory:
        notebook = write_notebook(directory, args.preset, args.url)
        print(f"nbplayground: serving {_describe(args)} at http://{HOST}:{args.port}/ "
              f"(press Ctrl-C to stop)", flush=True)
        return _serve(notebook, args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
