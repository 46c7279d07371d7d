"""CLIP image embeddings through open_clip: what the reference system's continuity agent uses.

``pretrained`` is an open_clip tag (needs the weights in the local cache: nothing is downloaded here), a
local checkpoint file (``torch.save(model.state_dict())`` or safetensors), or empty for random weights
(only good for benchmarks and plumbing tests). A ``local-dir:`` model name loads config and weights from a
folder. Models are cached per process by (model, pretrained, device), so 8 workers share one copy.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any

import numpy as np

from backends.embedders.base import l2_normalise
from domain.errors import BackendError

_CACHE: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_LOCK = threading.Lock()


def _weights_label(pretrained: str) -> str:
    if not pretrained:
        return "random"
    if Path(pretrained).is_file():
        return "file-" + hashlib.sha256(str(Path(pretrained).resolve()).encode()).hexdigest()[:10]
    return pretrained


def load_model(model_name: str, pretrained: str, device: str) -> tuple[Any, Any]:
    """(model in eval mode, image preprocess) for the key, built once per process."""
    key = (model_name, pretrained, device)
    with _LOCK:
        if key not in _CACHE:
            import open_clip

            try:
                model, _, preprocess = open_clip.create_model_and_transforms(
                    model_name, pretrained=pretrained or None, device=device
                )
            except Exception as exc:  # open_clip raises RuntimeError, FileNotFoundError, HF errors...
                raise BackendError(
                    "open_clip",
                    f"cannot load model {model_name!r} with pretrained={pretrained!r}: {exc}. Nothing is "
                    "downloaded at run time: set embedder.open_clip_pretrained to a local checkpoint file, "
                    "or use gates.embedder = 'offline'.",
                ) from exc
            model.eval()
            _CACHE[key] = (model, preprocess)
        return _CACHE[key]


class OpenClipEmbedder:
    """open_clip's image tower; batched, no gradients, unit-length float32 rows."""

    kind = "open_clip"

    def __init__(self, model_name: str, pretrained: str = "", device: str = "cpu", batch_size: int = 16) -> None:
        self.model_name = model_name
        self.pretrained = pretrained
        self.device = device
        self.batch_size = max(int(batch_size), 1)
        self.name = re.sub(r"[^A-Za-z0-9._-]+", "-", f"open_clip-{model_name}-{_weights_label(pretrained)}")[:120]
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        if self._dim is None:
            model, _ = load_model(self.model_name, self.pretrained, self.device)
            out = getattr(getattr(model, "visual", None), "output_dim", None)
            self._dim = int(out) if out else int(self.embed([np.zeros((32, 32, 3), dtype=np.uint8)]).shape[1])
        return self._dim

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        import torch
        from PIL import Image

        model, preprocess = load_model(self.model_name, self.pretrained, self.device)
        rows: list[np.ndarray] = []
        with torch.no_grad():
            for start in range(0, len(images), self.batch_size):
                chunk = images[start : start + self.batch_size]
                batch = torch.stack(
                    [preprocess(Image.fromarray(np.ascontiguousarray(im)).convert("RGB")) for im in chunk]
                )
                features = model.encode_image(batch.to(self.device))
                rows.append(features.float().cpu().numpy())
        if not rows:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        return l2_normalise(np.concatenate(rows))
