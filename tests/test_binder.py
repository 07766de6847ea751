"""Binder: build the environment as repo2docker would and run the Playground notebook in it.

repo2docker reads ``binder/runtime.txt`` (the Python version) and runs
``pip install -r binder/requirements.txt`` from the repository root, then serves
JupyterLab.  This test does the same in a fresh virtual environment in a
temporary directory, then checks that JupyterLab sees the two frontend
extensions the widget needs and that ``notebooks/playground.ipynb`` executes
with that environment's own kernel and its installed (not the source tree's)
nbplayground.  pip's cache keeps it to a minute or two.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"

#: (labextension name, Python package that ships it)
EXTENSIONS = (("@jupyter-widgets/jupyterlab-manager", "jupyterlab_widgets"),
              ("bqplot", "bqplot"))


def runtime_python() -> str:
    """An interpreter of the version binder/runtime.txt names (skip if there is none)."""
    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+)\.(\d+)", text)
    assert match, f"binder/runtime.txt: {text!r} is not of the form python-3.X"
    version = tuple(map(int, match.groups()))
    if sys.version_info[:2] == version:
        return sys.executable
    other = shutil.which("python{}.{}".format(*version))
    if other is None:
        pytest.skip(f"no Python {version[0]}.{version[1]} here (binder/runtime.txt)")
    return other


def clean_env(tmp_path: Path) -> dict:
    """No PYTHONPATH (so the source tree is not importable) and private Jupyter dirs
    (so nothing the user installed elsewhere shows up)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
           and not k.startswith("JUPYTER")}
    for name in ("JUPYTER_DATA_DIR", "JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR"):
        path = tmp_path / name.lower()
        path.mkdir(exist_ok=True)
        env[name] = str(path)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(args, *, timeout: float, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, **kwargs)
    assert done.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({done.returncode}):\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


@pytest.mark.slow
def test_binder_environment(tmp_path):
    python = runtime_python()
    env = clean_env(tmp_path)
    venv = tmp_path / "venv"
    run([python, "-m", "venv", venv], timeout=180, env=env)
    vpy = venv / "bin" / "python"

    # what repo2docker runs, from the repository root
    run([vpy, "-m", "pip", "install", "--progress-bar", "off", "-r",
         "binder/requirements.txt"], timeout=900, cwd=ROOT, env=env)

    # JupyterLab in that environment sees both frontend extensions, enabled and OK
    done = run([vpy, "-m", "jupyter", "labextension", "list"], timeout=180, cwd=tmp_path,
               env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # no colours
    where = None
    found = {}
    for line in listing.splitlines():
        if line.strip() and not line[0].isspace() and line.strip().startswith("/"):
            where = line.strip()
        for name, _package in EXTENSIONS:
            if line.split()[:1] == [name]:
                found[name] = (where, line)
    for name, package in EXTENSIONS:
        assert name in found, f"{name} is not listed:\n{listing}"
        where, line = found[name]
        assert where and where.startswith(str(venv)), (name, where)
        assert " enabled " in f" {line} " and " OK" in line, line
        assert package in line, line

    # the package's Jupyter server extension (TCP_NODELAY, nbplayground/server.py) is
    # enabled there by the config file the wheel installs, and imports
    done = run([vpy, "-m", "jupyter", "server", "extension", "list"], timeout=180,
               cwd=tmp_path, env=env)
    listing = re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)
    assert re.search(r"^\s*nbplayground\.server\s+enabled\b", listing, re.M), listing
    assert re.search(r"^\s*nbplayground\.server\s+OK\b", listing, re.M), listing
    assert (venv / "etc" / "jupyter" / "jupyter_server_config.d" / "nbplayground.json").is_file()

    # the Playground notebook runs with this environment's kernel and package
    work = tmp_path / "run"
    work.mkdir()
    notebook = json.loads((ROOT / "notebooks" / "playground.ipynb").read_text())
    notebook["cells"].append({
        "cell_type": "code", "execution_count": None, "id": "binder-probe", "metadata": {},
        "outputs": [],
        "source": "import sys, nbplayground\nprint(sys.executable)\n"
                  "print(nbplayground.__file__)",
    })
    (work / "playground.ipynb").write_text(json.dumps(notebook))
    run([vpy, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--ExecutePreprocessor.kernel_name=python3",
         "--output", "executed.ipynb", "playground.ipynb"], timeout=300, cwd=work, env=env)
    executed = json.loads((work / "executed.ipynb").read_text())
    outputs = [o for cell in executed["cells"] if cell["cell_type"] == "code"
               for o in cell["outputs"]]
    assert not [o for o in outputs if o["output_type"] == "error"], outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in outputs), "the Playground widget was not displayed"
    kernel_python, package_file = "".join(executed["cells"][-1]["outputs"][0]["text"]).split()
    assert Path(kernel_python).parent == venv / "bin", kernel_python
    assert Path(package_file).is_relative_to(venv), package_file


# -- the files agree with each other (no install) ---------------------------------------

def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_binder_requirements_agree_with_pyproject():
    """binder/requirements.txt installs the package with its `lab` extra, and each version
    it pins is one pyproject.toml allows (a pin outside would give Binder users a stack the
    package does not declare, or a resolver error)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = _pyproject()["project"]
    declared = {}
    for text in project["dependencies"] + project["optional-dependencies"]["lab"]:
        req = Requirement(text)
        declared.setdefault(canonicalize_name(req.name), []).append(req.specifier)
    lines = [line.split("#", 1)[0].strip()
             for line in (BINDER / "requirements.txt").read_text().splitlines()]
    lines = [line for line in lines if line]
    assert ".[lab]" in lines, lines
    for line in lines:
        if line == ".[lab]":
            continue
        req = Requirement(line)
        pins = [spec.version for spec in req.specifier if spec.operator == "=="]
        assert pins, f"binder/requirements.txt: {line!r} is not pinned (name==version)"
        for specifier in declared.get(canonicalize_name(req.name), []):
            assert specifier.contains(pins[0]), (
                f"binder/requirements.txt pins {line!r}, outside pyproject.toml's "
                f"{req.name}{specifier}")


def test_binder_runtime_is_a_python_the_package_supports():
    from packaging.specifiers import SpecifierSet

    text = (BINDER / "runtime.txt").read_text().strip()
    match = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert match, f"binder/runtime.txt: {text!r} is not of the form python-3.X"
    assert SpecifierSet(_pyproject()["project"]["requires-python"]).contains(match[1]), text


def test_the_binder_badge_opens_the_playground_notebook():
    """The README's badge: urlpath lab/tree/<path> must name a notebook in the repository,
    the one the README calls the front page, on the repository the app links to."""
    from nbplayground.app import LESSONS_URL

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"https://mybinder\.org/v2/gh/([\w.-]+/[\w.-]+)/([\w.-]+)"
                      r"\?urlpath=lab/tree/([^)\s]+)", readme)
    assert badge, "no Binder badge with urlpath=lab/tree/... in README.md"
    repo, branch, path = badge.groups()
    assert path == "notebooks/playground.ipynb" and (ROOT / path).is_file(), path
    assert LESSONS_URL.startswith(f"https://github.com/{repo}/blob/{branch}/"), (repo, LESSONS_URL)


def test_the_wheel_enables_the_server_extension():
    """pyproject.toml installs jupyter-config/.../nbplayground.json into
    <prefix>/etc/jupyter/jupyter_server_config.d/, and that file enables an extension
    module that exists (Binder's install and `make lab` both rely on it)."""
    shared = _pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    source = "jupyter-config/jupyter_server_config.d/nbplayground.json"
    assert shared.get(source) == "etc/jupyter/jupyter_server_config.d/nbplayground.json", shared
    config = json.loads((ROOT / source).read_text())
    enabled = config["ServerApp"]["jpserver_extensions"]
    assert enabled == {"nbplayground.server": True}, enabled
    import nbplayground.server as server

    assert callable(getattr(server, "_load_jupyter_server_extension", None)), server
