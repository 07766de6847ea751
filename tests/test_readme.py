"""The README's Python examples stand alone: a reader pastes one into a fresh kernel."""

import ast
import builtins
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def _undefined_names(source):
    """Names an example reads that it neither imports nor assigns (nor are builtins)."""
    tree = ast.parse(source)
    bound = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return sorted({n.id for n in ast.walk(tree)
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} - bound)


def test_readme_has_examples():
    assert len(_examples()) >= 8


def test_every_readme_example_defines_what_it_uses():
    for source in _examples():
        assert _undefined_names(source) == [], source


def test_the_clear_points_example_says_what_step_does():
    """The example's comment on step() after clear_points() is what a Trainer does: it
    raises, naming what is missing (only the widget's Play waits)."""
    import pytest

    from nbplayground.custom_data import CustomDataError

    (source,) = [s for s in _examples() if "t.clear_points()" in s]
    namespace = {}
    exec(compile(source, "README example", "exec"), namespace)
    t = namespace["t"]
    assert not t.trainable
    with pytest.raises(CustomDataError, match="nothing to train yet"):
        t.step()
    (comment,) = [line.split("#", 1)[1] for line in source.splitlines()
                  if line.startswith("t.clear_points()")]
    assert "step() raises" in comment, comment


def test_the_control_table_states_the_engine_limits():
    """The table's "from code" ranges are the engine's: a Config beyond LIMIT_BATCH_SIZE or
    the network limits is refused, so "any" would promise what the engine refuses."""
    from nbplayground import config as cfg

    rows = {line.split("|")[1].strip(): line for line in
            README.read_text(encoding="utf-8").splitlines() if line.startswith("| ")}
    batch = rows["Batch size"]
    assert "any" not in batch and f"{cfg.LIMIT_BATCH_SIZE:,}" in batch, batch
    shape = rows["Hidden layers +/−, neurons +/−"]
    assert "any" not in shape, shape
    for limit in (cfg.LIMIT_HIDDEN_LAYERS, cfg.LIMIT_NEURONS, f"{cfg.LIMIT_PARAMETERS:,}"):
        assert str(limit) in shape.split("|")[3], (limit, shape)
    assert str(cfg.MAX_URL_NOISE) in rows["Noise"], rows["Noise"]


ROOT = README.parent
#: The folders a README path may start with (checked against the tree).
_TOP = ("benchmarks", "binder", "docs", "notebooks", "nbplayground", "tests", ".ci", "jupyter-config")


def test_every_path_and_module_the_readme_names_exists():
    """A newcomer follows `python benchmarks/x.py`, `tests/test_x.py`, `ui/displays.py`,
    `config.py`, the Binder badge's notebook: each must be there (a bare module name is
    under nbplayground/ or, in the benchmark table, benchmarks/)."""
    text = README.read_text(encoding="utf-8")
    code = re.findall(r"`([^`\n]+)`", text) + re.findall(r"\]\(([^)\s]+)\)", text)
    missing = []
    for span in code:
        for token in re.findall(r"(?<![\w/.:])([\w.-]+(?:/[\w.-]+)*\.(?:py|md|ipynb|png|txt)"
                                r"|\.ci/run)\b", span):
            token = token.removeprefix("lab/tree/")  # the Binder badge's urlpath
            first = token.split("/")[0]
            if first in _TOP or token == ".ci/run":
                found = (ROOT / token).exists()
            elif "/" not in token and token.endswith(".py"):
                found = any((ROOT / folder / token).exists()
                            for folder in ("nbplayground", "nbplayground/ui", "benchmarks"))
            else:
                found = (ROOT / token).exists() or (ROOT / "nbplayground" / token).exists()
            if not found:
                missing.append(token)
    assert missing == []


def test_every_limit_the_readme_names_exists():
    import nbplayground.checkpoint
    import nbplayground.config
    import nbplayground.custom_data

    modules = (nbplayground.config, nbplayground.custom_data, nbplayground.checkpoint)
    names = set(re.findall(r"\bLIMIT_[A-Z_]*[A-Z]", README.read_text(encoding="utf-8")))
    assert names and all(any(hasattr(m, n) for m in modules) for n in names), names


def _make_env():
    """The environment for a make run from a test: without the variables of a `make test`
    that may be running this test (its command-line overrides reach sub-makes that way)."""
    import os

    return {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}


def test_make_lab_opens_the_playground_notebook():
    """`make lab` (the README's first command) starts JupyterLab on the front page, on the
    loopback interface, from the .venv it sets up."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        import pytest

        pytest.skip("no make here")
    done = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, env=_make_env())
    assert done.returncode == 0, done.stderr
    lab = done.stdout.strip().splitlines()[-1].split()
    assert lab[:4] == [".venv/bin/python", "-m", "jupyter", "lab"], lab
    assert "--ServerApp.ip=127.0.0.1" in lab and lab[-1] == "notebooks/playground.ipynb", lab
    # from scratch (-B), it installs the lab extra only: no Playwright, Keras or JAX
    done = subprocess.run(["make", "-nB", "lab"], cwd=ROOT, capture_output=True, text=True,
                          timeout=30, env=_make_env())
    assert done.returncode == 0, done.stderr
    [pip] = [line for line in done.stdout.splitlines() if " pip install " in line]
    assert pip.endswith("-e '.[lab]'"), pip


def test_a_failed_venv_is_not_left_behind(tmp_path):
    """On Debian without python3-venv, `python3 -m venv .venv` makes .venv/bin/python and
    then fails (no ensurepip). make must not keep that .venv, or the next `make lab`, once
    python3-venv is installed, would skip the venv and fail in pip."""
    import shutil
    import subprocess

    if shutil.which("make") is None:
        import pytest

        pytest.skip("no make here")
    shutil.copy(ROOT / "Makefile", tmp_path)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    fake = tmp_path / "python-without-venv"
    fake.write_text('#!/bin/sh\n[ "$2" = venv ] && mkdir -p "$3/bin" && touch "$3/bin/python"\n'
                    'echo "ensurepip is not available" >&2\nexit 1\n')
    fake.chmod(0o755)
    done = subprocess.run(["make", "setup", f"PYTHON={fake}"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=30, env=_make_env())
    assert done.returncode != 0
    assert not (tmp_path / ".venv").exists(), "a broken .venv was left behind"
    assert "python3-venv" in done.stderr, done.stderr


def test_every_readme_example_runs_as_written():
    """Each ```python block, pasted into a fresh namespace, runs without an error (one
    interpreter for all of them, with this source tree first on the path; no display)."""
    import json
    import os
    import subprocess
    import sys

    runner = ("import json, sys, traceback\n"
              "failed = []\n"
              "for i, source in enumerate(json.load(sys.stdin)):\n"
              "    try:\n"
              "        exec(compile(source, f'README example {i}', 'exec'), {'__name__': 'readme'})\n"
              "    except Exception:\n"
              "        failed.append(traceback.format_exc())\n"
              "print(json.dumps(failed))\n")
    env = dict(os.environ, MPLBACKEND="Agg")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run([sys.executable, "-c", runner], input=json.dumps(_examples()),
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    failed = json.loads(done.stdout.strip().splitlines()[-1])
    assert failed == [], "\n".join(failed)
