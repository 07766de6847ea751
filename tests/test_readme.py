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
