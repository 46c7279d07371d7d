"""The content-addressed clip cache: the one place idempotency lives.

A clip is keyed by (model, prompt, reference frames' bytes, seed, parameters). A rerun, a resume after a crash,
or a chat edit that leaves a shot untouched finds its key here and never calls (or pays) a model again.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

from domain.files import atomic_path, sidecar, write_json
from domain.production import GenerationRequest, GenerationResult


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def cache_key(request: GenerationRequest) -> str:
    refs = [file_digest(Path(p)) for p in request.reference_frames if Path(p).is_file()]
    material = {
        "model": request.model,
        "prompt": request.prompt,
        "references": refs,
        "seed": request.seed,
        "params": request.params(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()


class ClipCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, key: str) -> threading.Lock:
        """One generation per key at a time: two shots with identical inputs share one clip and one bill."""
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.mp4", folder / f"{key}.result.json"

    def get(self, key: str) -> GenerationResult | None:
        clip, meta = self._paths(key)
        if not (clip.is_file() and meta.is_file()):
            return None
        result = GenerationResult.model_validate_json(meta.read_text())
        return result.model_copy(update={"clip": str(clip), "cached": True, "cost_usd": 0.0, "latency_s": 0.0})

    def staging_path(self, key: str) -> Path:
        """Where a backend should write a new clip for ``key`` before ``put``."""
        clip, _ = self._paths(key)
        clip.parent.mkdir(parents=True, exist_ok=True)
        return clip.with_suffix(".partial.mp4")

    def put(self, key: str, result: GenerationResult) -> GenerationResult:
        """Move the generated clip (and its renderer sidecar ``<clip>.mp4.json``) into place; the result lands last."""
        clip, meta = self._paths(key)
        source = Path(result.clip)
        side = sidecar(source)
        if side.is_file():
            with atomic_path(sidecar(clip)) as tmp:
                shutil.copyfile(side, tmp)
            side.unlink()
        if source != clip:
            with atomic_path(clip) as tmp:
                shutil.move(str(source), tmp)
        stored = result.model_copy(update={"clip": str(clip)})
        write_json(meta, stored)
        return stored
