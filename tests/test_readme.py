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
