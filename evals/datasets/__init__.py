"""The labelled datasets the suites score against, one folder each, every one versioned by its manifest.

A manifest (``manifest.yaml``) says what the dataset labels, where it came from and its ``version``; bump the
version whenever a label changes, so a score and the labels it was measured on always travel together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from domain.errors import ConfigError

DATASETS_DIR = Path(__file__).resolve().parent


class Manifest(BaseModel):
    name: str
    version: str
    description: str = ""
    source: str = ""
    licence: str = ""
    files: list[str] = Field(default_factory=list)
    extra: dict[str, Any] = Field(default_factory=dict)


def dataset_dir(name: str, root: Path | None = None) -> Path:
    """The folder of dataset ``name`` (under ``root`` if given, e.g. a copy with extra labels)."""
    folder = (root or DATASETS_DIR) / name
    if not (folder / "manifest.yaml").is_file():
        raise ConfigError(f"eval dataset {name!r} not found: {folder}/manifest.yaml is missing")
    return folder


def load_yaml(path: Path) -> Any:
    """A YAML file, with a message naming the file when it is broken."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read eval data ({exc})") from None


def manifest(name: str, root: Path | None = None) -> Manifest:
    folder = dataset_dir(name, root)
    return Manifest.model_validate(load_yaml(folder / "manifest.yaml"))
