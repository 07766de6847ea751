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
