"""Atomic writes: a reader (or a crash) never sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temp path beside ``target``; rename it over ``target`` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o644)  # mkstemp makes 0600; outputs are meant to be shared and served
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return target


def write_text(target: Path, text: str) -> Path:
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: Path, data: BaseModel | dict[str, Any] | list[Any]) -> Path:
    if isinstance(data, BaseModel):
        return write_text(target, data.model_dump_json(indent=2) + "\n")
    return write_text(target, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def sidecar(path: Path) -> Path:
    """Where a file's side data lives: ``shot.mp4`` → ``shot.mp4.json`` (renderer metadata, figure boxes)."""
    return path.with_name(path.name + ".json")
