"""Checkpoints: a trainer's whole state in one JSON file, saved and loaded.

:func:`save` / :func:`load` (and :func:`to_json` / :func:`from_json` for
strings, :func:`to_dict` / :func:`from_dict` for dicts) keep what
:meth:`Trainer.state() <nbplayground.trainer.Trainer.state>` returns, under a
header and a checksum::

    {"format": "nbplayground", "version": 2,
     "sha256": checksum of the rest (see :func:`checksum`),
     "config": ..., "epoch": ..., "params": ..., ...   # Trainer.state(), key by key}

Floats go through ``repr``, which JSON keeps exactly, so a loaded trainer has
bit-identical parameters and continues as the original would: same updates,
same losses, and the same draws on ``reset()`` or ``regenerate()``.  The data
of a Playground dataset are not stored: the config's seed regenerates them.

Loading checks, in this order, before building anything: the JSON (strict: no
NaN literals, no repeated keys, no nesting deeper than a state has), the header,
the checksum (a file changed by hand or by a bad disk is refused), and the
config with its limits (:data:`~nbplayground.config.LIMIT_PARAMETERS` and the
others); then :meth:`Trainer.from_state` checks every other part.  Every
failure raises :class:`SaveFileError` naming the file and the field.  Version 1
files (written before checksums) are still read, without the checksum check.

This module uses the trainer's public state only; ``trainer.py`` imports it
lazily inside ``Trainer.save`` / ``Trainer.load``.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from .config import short_repr as _r
from .trainer import StateError, Trainer

__all__ = ["FORMAT", "VERSION", "LIMIT_FILE_BYTES", "SaveFileError", "checksum", "to_dict", "from_dict",
           "to_json", "from_json", "save", "load"]

#: The "format" field of a saved file.
FORMAT = "nbplayground"
#: The version of the file layout this module writes (it reads 1 and 2).
VERSION = 2
#: Largest file :func:`load` reads.  A file within the engine's limits (5,000 parameters,
#: 20,000 history rows, 10,000 points) takes a few MB.
LIMIT_FILE_BYTES = 64 * 2**20
#: The header keys; everything else is the trainer's state.
_HEADER = ("format", "version", "sha256")


class SaveFileError(ValueError):
    """A saved file (or dict) that cannot be loaded, or a path that cannot be written;
    the message says where and why."""


class SaveFileMissingError(SaveFileError, FileNotFoundError):
    """The file to load does not exist (also a ``FileNotFoundError``)."""


# --------------------------------------------------------------------------------------
# Saving
# --------------------------------------------------------------------------------------

def _canonical(data: dict) -> str:
    body = {k: v for k, v in data.items() if k != "sha256"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False,
                      ensure_ascii=True)


def checksum(data: dict) -> str:
    """SHA-256 (hex) of ``data`` without its ``"sha256"`` key, written as canonical
    JSON (sorted keys, no spaces, ASCII).  Any change of a value changes it; a
    change of layout that keeps every value (spaces, ``1e-05`` for ``1e-5``) does not.
    """
    return hashlib.sha256(_canonical(data).encode("ascii")).hexdigest()


def to_dict(trainer: Trainer) -> dict:
    """The file's content as a dict: header, checksum and ``trainer.state()``."""
    if not isinstance(trainer, Trainer):
        raise TypeError(f"trainer must be a Trainer, got {type(trainer).__name__}")
    data: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    data.update(trainer.state())
    data["sha256"] = checksum(data)
    return data


def to_json(trainer: Trainer) -> str:
    """:func:`to_dict` as strict JSON text (no NaN literals)."""
    return json.dumps(to_dict(trainer), allow_nan=False, separators=(",", ":"))


def save(trainer: Trainer, path) -> None:
    """Write the trainer's state to ``path`` as JSON (see the module docstring)."""
    text = to_json(trainer)
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"path={_r(path)}: must be a file path (str or os.PathLike)") from None
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:  # a directory, a missing folder, no permission: nothing written
        raise SaveFileError(f"{path}: cannot be written ({exc})") from exc


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------

def _check_header(data, source: str, verify: bool) -> None:
    if not isinstance(data, dict):
        raise SaveFileError(f"{source}: not an nbplayground file (the JSON is a "
                            f"{type(data).__name__}, not an object)")
    if data.get("format") != FORMAT:
        raise SaveFileError(f"{source}: not an nbplayground file (format="
                            f"{_r(data.get('format'))}, expected {FORMAT!r})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SaveFileError(f"{source}: version={_r(version, 60)} is not an integer; "
                            f"this nbplayground reads versions 1 and {VERSION}")
    if version not in (1, VERSION):
        newer = " (written by a newer nbplayground)" if version > VERSION else ""
        raise SaveFileError(f"{source}: version={_r(version, 60)}{newer}; this nbplayground "
                            f"reads versions 1 and {VERSION}")
    missing = [k for k in ("config", "epoch", "params", "dead", "history", "optimizer")
               if k not in data]
    if missing:
        raise SaveFileError(f"{source}: file: missing key(s) {', '.join(missing)}")
    if version == 1:
        if "sha256" in data:
            raise SaveFileError(f"{source}: version=1 files have no sha256; the header "
                                f"is damaged")
        return
    if not verify:
        return
    stored = data.get("sha256")
    if not isinstance(stored, str):
        raise SaveFileError(f"{source}: sha256: missing; the file has no checksum "
                            f"(load(..., verify=False) reads it anyway)")
    try:
        actual = checksum(data)
    except (ValueError, TypeError) as exc:  # NaN, infinities from 1e999
        raise SaveFileError(f"{source}: holds a value JSON cannot write back ({exc})") \
            from None
    if actual != stored:
        raise SaveFileError(f"{source}: sha256: the checksum does not match the content: "
                            f"the file was changed or corrupted after it was saved")


def from_dict(data: dict, source: str = "data", verify: bool = True) -> Trainer:
    """The Trainer the dict :func:`to_dict` made describes.

    Checks the header and (with ``verify``) the checksum, then
    :meth:`Trainer.from_state` checks the config and its limits before building,
    then every other part.  Any failure raises :class:`SaveFileError` naming
    ``source`` and the field.
    """
    _check_header(data, source, verify)
    state = {k: v for k, v in data.items() if k not in _HEADER}
    try:
        return Trainer.from_state(state)
    except StateError as exc:
        raise SaveFileError(f"{source}: {exc}") from exc
    except SaveFileError:
        raise
    except Exception as exc:  # anything else (MemoryError, ...) is a failure to load too
        raise SaveFileError(f"{source}: cannot be loaded ({type(exc).__name__}: {exc})") \
            from exc


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _unique_keys(pairs: list) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {_r(key, 40)} appears twice")
        out[key] = value
    return out


def from_json(text, source: str = "text", verify: bool = True) -> Trainer:
    """The Trainer saved in JSON ``text`` (see :func:`from_dict`)."""
    if not isinstance(text, (str, bytes, bytearray)):
        raise SaveFileError(f"{source}: text must be a str, got {type(text).__name__}")
    try:
        data = json.loads(text, parse_constant=_no_constant,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise SaveFileError(f"{source}: not an nbplayground file: invalid JSON at line "
                            f"{exc.lineno} column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise SaveFileError(f"{source}: not an nbplayground file: the JSON nests too "
                            f"deep") from None
    except (ValueError, UnicodeDecodeError) as exc:  # NaN, repeated keys, huge ints
        raise SaveFileError(f"{source}: not an nbplayground file: {exc}") from None
    return from_dict(data, source, verify)


def load(path, verify: bool = True) -> Trainer:
    """The Trainer saved at ``path`` by :func:`save`, ready to continue training.

    ``verify=False`` skips the checksum (for a file edited by hand on purpose);
    every other check still runs.
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"path={_r(path)}: must be a file path (str or os.PathLike)") from None
    try:
        with open(path, "rb") as f:
            raw = f.read(LIMIT_FILE_BYTES + 1)
    except FileNotFoundError as exc:
        raise SaveFileMissingError(f"{path}: no such file") from exc
    except OSError as exc:
        raise SaveFileError(f"{path}: cannot be read ({exc})") from exc
    if len(raw) > LIMIT_FILE_BYTES:
        raise SaveFileError(f"{path}: larger than {LIMIT_FILE_BYTES // 2**20} MB "
                            f"(LIMIT_FILE_BYTES); a saved trainer takes a few MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise SaveFileError(f"{path}: not an nbplayground file (not UTF-8 text)") from None
    return from_json(text, source=path, verify=verify)
