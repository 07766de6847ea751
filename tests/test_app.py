"""The standalone app: option checks, the generated notebook, and a real Voila server."""

from __future__ import annotations

import ast
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nbplayground import app
from nbplayground.config import Config
from nbplayground.presets import names, preset

ROOT = Path(__file__).resolve().parent.parent
XOR_URL = ("https://playground.tensorflow.org/#activation=relu&dataset=xor&networkShape=5,3"
           "&learningRate=0.1&seed=app-test")


def env_with_package() -> dict:
    """The environment for a child process (a kernel, the app) that must import us."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def parse_error(capsys, argv) -> str:
    """Parse ``argv``, expect argparse's exit status 2, return stderr."""
    with pytest.raises(SystemExit) as info:
        app.parse_args(argv)
    assert info.value.code == 2
    return capsys.readouterr().err


@pytest.fixture
def port() -> int:
    return app.free_port()


# -- options ---------------------------------------------------------------------------

def test_defaults():
    args = app.build_parser().parse_args([])
    assert (args.preset, args.url, args.port, args.browser, args.theme) == (
        None, None, app.DEFAULT_PORT, False, "light")
    assert app.HOST == "127.0.0.1"


def test_full_playground_by_default(port):
    args = app.parse_args(["--port", str(port)])
    assert args.config is None and args.port == port and args.browser is False


def test_preset_option(port):
    args = app.parse_args(["--preset", "xor-5", "--port", str(port), "--browser"])
    assert args.preset == "xor-5" and args.browser is True
    assert args.config.replace(seed="s") == preset("xor-5", seed="s")
    assert app.parse_args(["--no-browser", "--port", str(port)]).browser is False


def test_unknown_preset_fails_before_anything_starts(capsys, port):
    err = parse_error(capsys, ["--preset", "xor-4", "--port", str(port)])
    assert "--preset" in err and "'xor-4'" in err
    for name in names():
        assert name in err


def test_url_option(port):
    args = app.parse_args(["--url", XOR_URL, "--port", str(port)])
    c = args.config
    assert (c.dataset, c.network_shape, c.activation, c.learning_rate, c.seed) == (
        "xor", (5, 3), "relu", 0.1, "app-test")
    # the fragment alone works too
    fragment = "#" + XOR_URL.split("#", 1)[1]
    assert app.parse_args(["--url", fragment, "--port", str(port)]).config == c


@pytest.mark.parametrize("url, words", [
    ("https://example.com/page", ["no #fragment"]),
    ("ftp://playground.tensorflow.org/#dataset=xor", ["scheme", "'ftp'"]),
    ("https://playground.tensorflow.org/#dataset=moons", ["dataset", "'moons'", "spiral"]),
    ("#networkShape=4,x", ["networkShape", "'4,x'"]),
    ("#learningRate=fast", ["learningRate", "'fast'"]),
    ("just words", ["'just words'"]),
    ("   ", ["expected a Playground link"]),
])
def test_bad_urls_fail_with_the_reason(capsys, port, url, words):
    err = parse_error(capsys, ["--url", url, "--port", str(port)])
    assert "--url" in err
    for word in words:
        assert word in err, (word, err)


def test_preset_and_url_exclude_each_other(capsys, port):
    err = parse_error(capsys, ["--preset", "xor-5", "--url", XOR_URL, "--port", str(port)])
    assert "not allowed with" in err


@pytest.mark.parametrize("bad", ["-1", "65536", "eighty"])
def test_bad_port(capsys, bad):
    err = parse_error(capsys, ["--port", bad])
    assert "port" in err and bad in err


def test_busy_port_is_reported(capsys):
    with socket.socket() as busy:
        busy.bind((app.HOST, 0))
        busy.listen()
        taken = busy.getsockname()[1]
        err = parse_error(capsys, ["--port", str(taken)])
    assert f"port {taken}" in err and "in use" in err


def test_port_zero_picks_a_free_port():
    chosen = app.parse_args(["--port", "0"]).port
    assert 0 < chosen <= 65535
    with socket.socket() as sock:  # it is free: we can bind it
        sock.bind((app.HOST, chosen))


def test_list_presets(capsys):
    assert app.main(["--list-presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(names())


def test_python_dash_m_runs_the_app():
    done = subprocess.run([sys.executable, "-m", "nbplayground", "--list-presets"],
                          capture_output=True, text=True, timeout=60, env=env_with_package())
    assert done.returncode == 0, done.stderr
    assert "spiral-deep" in done.stdout
    done = subprocess.run([sys.executable, "-m", "nbplayground", "--preset", "nope"],
                          capture_output=True, text=True, timeout=60, env=env_with_package())
    assert done.returncode == 2 and "'nope'" in done.stderr



def test_list_presets_into_a_closed_pipe_is_quiet():
    """`nbplayground --list-presets | head -3`: the reader leaves early; no traceback."""
    read, write = os.pipe()
    os.close(read)  # every write the command makes meets a closed pipe
    try:
        done = subprocess.run([sys.executable, "-m", "nbplayground", "--list-presets"],
                              stdout=write, stderr=subprocess.PIPE, text=True, timeout=60,
                              env=env_with_package())
    finally:
        os.close(write)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr


def test_without_voila_nothing_claims_to_serve(monkeypatch, capsys, port):
    """A bare `pip install nbplayground` has no Voila: say so, and never print a URL
    that nothing will serve."""
    monkeypatch.setitem(sys.modules, "voila.app", None)  # `import voila.app` fails
    assert app.main(["--port", str(port)]) == 1
    out, err = capsys.readouterr()
    assert "serving" not in out and "http://" not in out, out
    assert "Voila is not installed" in err and "nbplayground[lab]" in err

def test_voila_arguments():
    argv = app.voila_argv("/tmp/x/nbplayground.ipynb", 9999, browser=False, theme="dark")
    assert argv[0] == "/tmp/x/nbplayground.ipynb"
    for option in ("--port=9999", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
                   "--Voila.open_browser=False", "--strip_sources=True", "--theme=dark"):
        assert option in argv


def test_voila_culls_idle_disconnected_kernels():
    """The cull options reach jupyter_server's kernel manager through Voila's own
    command-line parser (a misspelt option would be ignored silently)."""
    voila_app = pytest.importorskip("voila.app")
    argv = app.voila_argv("/tmp/x/nbplayground.ipynb", 9999, cull_idle=120)
    assert "--MappingKernelManager.cull_idle_timeout=120" in argv
    voila = voila_app.Voila()
    voila.parse_command_line(argv)
    # the class Voila's kernel manager derives from, configured as Voila configures it
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    mkm = AsyncMappingKernelManager(config=voila.config)
    assert (mkm.cull_idle_timeout, mkm.cull_interval) == (120, 60)
    assert mkm.cull_connected is False and mkm.cull_busy is False
    assert not any("cull" in a for a in app.voila_argv("/x.ipynb", 9999, cull_idle=0))
    # and the page loads the widget's extensions only
    from voila.configuration import VoilaConfiguration
    assert list(VoilaConfiguration(config=voila.config).extension_allowlist) == list(
        app.LAB_EXTENSIONS)
    assert app.parse_args(["--port", "0"]).cull_idle == app.CULL_IDLE_TIMEOUT


def test_negative_cull_time_is_refused(capsys, port):
    assert "--cull-idle" in parse_error(capsys, ["--port", str(port), "--cull-idle", "-5"])


def test_the_app_has_its_voila_template_and_lessons():
    conf = app.APP_DATA / "voila" / "templates" / app.TEMPLATE / "conf.json"
    assert '"lab"' in conf.read_text()
    index = (conf.parent / "index.html.j2").read_text()
    assert "voila/templates/lab/index.html.j2" in index and "fontawesome" in index
    assert f"--template={app.TEMPLATE}" in app.voila_argv("/x.ipynb", 9999)
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    assert [name for name, _ in app.LESSONS] == notebooks
    header = app.header_html()
    for name, title in app.LESSONS:
        assert name in header and title in header
    code = app.notebook_code()
    assert "display(HTML(header_html()))" in code and code.endswith("pg")


# -- the generated notebook ------------------------------------------------------------

def constructor_argument(code: str):
    """The expression given to Playground(...) in the cell, as an AST node (or None)."""
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Playground":
            return node.args[0] if node.args else None
    raise AssertionError(f"no Playground(...) call in {code!r}")


def test_notebook_code_for_each_start():
    default = constructor_argument(app.notebook_code())
    assert default is None
    arg = constructor_argument(app.notebook_code(preset="spiral-deep"))
    assert ast.unparse(arg) == "preset('spiral-deep')"
    arg = constructor_argument(app.notebook_code(url=XOR_URL))
    assert ast.unparse(arg.func) == "Config.from_url"
    assert ast.literal_eval(arg.args[0]) == XOR_URL
    with pytest.raises(ValueError):
        app.notebook_code(preset="nope")
    with pytest.raises(ValueError):
        app.notebook_code(preset="xor-5", url=XOR_URL)


def test_a_url_cannot_inject_code():
    """The link goes into the cell as a string literal, whatever quotes it holds."""
    url = "#seed=a'b\"c\\d"
    config = Config.from_url(url)
    code = app.notebook_code(url=url)
    arg = constructor_argument(code)
    assert ast.literal_eval(arg.args[0]) == url
    assert Config.from_url(ast.literal_eval(arg.args[0])).seed == config.seed == "a'b\"c\\d"


def test_notebook_file(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    path = app.write_notebook(tmp_path, preset="xor-5")
    assert path == tmp_path / app.NOTEBOOK_NAME
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    (cell,) = nb.cells
    assert cell.cell_type == "code" and cell.outputs == [] and cell.execution_count is None
    assert cell.source == app.notebook_code(preset="xor-5")


@pytest.mark.parametrize("start, expected", [
    ({"preset": "xor-5"}, preset("xor-5", seed="s")),
    ({"url": XOR_URL}, Config.from_url(XOR_URL)),
    ({}, Config(seed="s")),
])
def test_generated_notebook_runs(tmp_path, monkeypatch, start, expected):
    """Execute the notebook with a kernel, as Voila will, and look at the Playground."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("PYTHONPATH", env_with_package()["PYTHONPATH"])
    nb = nbformat.read(app.write_notebook(tmp_path, **start), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("print(pg.trainer.epoch, pg.config.to_json())"))
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = nb.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in shown), shown
    epoch, state = "".join(o.get("text", "") for o in nb.cells[1].outputs).split(" ", 1)
    config = Config.from_json(state)
    assert epoch == "0"
    if "seed=" not in start.get("url", ""):  # a random seed: compare the rest
        config = config.replace(seed=expected.seed)
    assert config == expected


# -- a real server ---------------------------------------------------------------------

def fetch(url: str, timeout: float) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        assert response.status == 200
        return response.read().decode("utf-8", "replace")


@pytest.mark.slow
def test_serves_the_playground_over_http():
    """Start ``python -m nbplayground`` for real, fetch its page, stop it."""
    port = app.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nbplayground", "--preset", "xor-5", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env_with_package(),
        start_new_session=True)
    try:
        first = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in first, first
        deadline = time.monotonic() + 60
        page = None
        while page is None:
            try:
                page = fetch(f"http://127.0.0.1:{port}/", timeout=30)
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, "the app exited early"
                assert time.monotonic() < deadline, "no page within 60 s"
                time.sleep(0.5)
        assert "<title>nbplayground" in page
        # the app's own template: no Font Awesome from a CDN; the title and lessons
        assert "cdn.jsdelivr.net" not in page, "a CDN link is still on the page"
        assert "tinker with a neural network" in page and app.LESSONS[0][0] in page
        # the cell ran: its output is the widget, and the kernel's state lives on
        assert "application/vnd.jupyter.widget-view+json" in page
        # and its code is sent nowhere
        assert "from nbplayground" not in page and "preset(" not in page
        assert '"output_type": "error"' not in page and "Traceback" not in page
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # Voila shuts its kernels down
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log = proc.stdout.read()
        proc.stdout.close()
    assert proc.returncode == 0, log
    assert "Kernel shutdown" in log
