"""What an image embedder is: a name, a dimension, and a batched ``embed`` returning unit vectors.

Gates compare vectors by cosine similarity, so every embedder returns L2-normalised float32 rows; a dot
product is then the cosine. ``kind`` picks the gate thresholds calibrated for that family of embedder.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Unique per model and weights: frames embedded by different embedders never share a collection."""
        ...

    @property
    def kind(self) -> str:
        """The family the gate thresholds are keyed by: "offline" or "open_clip"."""
        ...

    @property
    def dim(self) -> int:
        """Length of each embedding."""
        ...

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        """RGB uint8 images (H×W×3, any size) → (n, dim) float32 rows of unit length."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (a zero row stays zero), as float32."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
