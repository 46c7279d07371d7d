"""Image embedders for the continuity gates: ``offline`` (no weights) or ``open_clip`` (CLIP image tower).

``make_embedder`` picks one from the configuration; both satisfy ``Embedder`` (name, kind, dim, embed).
"""

from __future__ import annotations

from backends.embedders.base import Embedder, l2_normalise
from backends.embedders.offline import OfflineEmbedder
from backends.embedders.openclip import OpenClipEmbedder
from domain.settings import EmbedderSettings, GateSettings

__all__ = ["Embedder", "OfflineEmbedder", "OpenClipEmbedder", "l2_normalise", "make_embedder"]


def make_embedder(gates: GateSettings, settings: EmbedderSettings) -> Embedder:
    """The embedder the gates are configured for (``gates.embedder``); open_clip loads lazily on first use."""
    if gates.embedder == "open_clip":
        return OpenClipEmbedder(
            settings.open_clip_model,
            settings.open_clip_pretrained,
            device=settings.device,
            batch_size=settings.batch_size,
        )
    return OfflineEmbedder()
