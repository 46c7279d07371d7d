"""Chroma, embedded inside OUT (``PersistentClient``) or a server for a team (``HttpClient``).

Collections are created with ``embedding_function=None`` and cosine space; we always pass our own
embeddings (``query_embeddings``), because Chroma's default embedding function downloads a model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from domain.settings import StoreSettings


def open_client(settings: StoreSettings, out: Path) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_mode == "server":
        return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
    path = out / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def collection(client: Any, name: str) -> Any:
    """A collection that never embeds on its own: callers pass vectors."""
    return client.get_or_create_collection(name=name, embedding_function=None, metadata={"hnsw:space": "cosine"})
