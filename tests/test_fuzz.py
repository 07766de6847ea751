"""benchmarks/fuzz.py in small: every config, URL fragment and corrupted save file is
accepted (and round-trips) or rejected with an error naming its field; nothing else."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "fuzz.py"


def test_small_fuzz_finds_nothing_else(capsys):
    spec = importlib.util.spec_from_file_location("fuzz", SCRIPT)
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    status = fuzz.main(["--configs", "600", "--urls", "600", "--files", "60",
                        "--seconds", "30", "--seed", "5"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "anything else:" not in out
