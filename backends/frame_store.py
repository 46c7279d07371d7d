"""The frame store: every sampled frame's embedding in Chroma, with what it shows and whether it was approved.

One collection per project and embedder (``frames-offline``, ``frames-open_clip-ViT-B-32-…``), since vectors
from different embedders cannot be compared. Two kinds of rows: ``frame`` (a sampled frame, or the plate of
one; ``approved`` once its shot passes) and ``reference`` (a character's locked look, one character each).
Ids are chosen by the caller and stable (a frame's path inside OUT), so re-running a step upserts instead of
duplicating. Metadata is flat (Chroma's rule): character ids of a frame are a comma-separated string. Rows
carry the shot type and its framing group, so a close-up is compared with close-ups, and how much of the set a
frame shows, so a frame filled by a face is not taken as evidence of what a location looks like, and the time of
day of the light it was shot under, so a location seen at night is not evidence of how it looks by day.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from backends.chroma import collection

FrameKind = Literal["frame", "reference"]


class FrameMeta(BaseModel):
    """What a stored frame shows. ``character`` is set on references only: whose look it holds."""

    shot: str
    path: str
    kind: FrameKind = "frame"
    episode: int = 0
    scene: str = ""
    attempt: int = 0
    characters: list[str] = Field(default_factory=list)
    character: str = ""
    look: str = Field(default="", description="on references: the outfit in force (a wardrobe change is a new look)")
    location: str = ""
    shot_type: str = Field(default="", description="e.g. CU, MS, LS; '' unknown")
    angle: str = Field(default="", description="camera angle (eye-level, low, dutch ...): where the set's horizon is")
    framing: str = Field(default="", description="framing group of the shot (face, chest, waist, body); '' unknown")
    set_share: float = Field(default=1.0, description="share of the frame showing the set, not the characters")
    time_of_day: str = Field(
        default="", description="the time of day of the location's light in the frame's scene, e.g. 'NIGHT'; '' unknown"
    )
    approved: bool = False
    time_s: float = 0.0

    def to_chroma(self) -> dict[str, Any]:
        data = self.model_dump()
        data["characters"] = ",".join(self.characters)
        return data

    @classmethod
    def from_chroma(cls, data: dict[str, Any]) -> FrameMeta:
        chars = str(data.get("characters") or "")
        return cls.model_validate({**data, "characters": [c for c in chars.split(",") if c]})


class FrameHit(BaseModel):
    id: str
    similarity: float = Field(description="cosine similarity to the query, 1 = same direction")
    meta: FrameMeta


def collection_name(embedder_name: str, project: str = "") -> str:
    """A valid Chroma collection name (3..512 of [A-Za-z0-9._-], alphanumeric at both ends)."""
    raw = f"{project}-frames-{embedder_name}" if project else f"frames-{embedder_name}"
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-._")[:500].strip("-._")
    return name if len(name) >= 3 else f"frames-{name or 'x'}"


def _and(conditions: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not conditions:
        return None
    return conditions[0] if len(conditions) == 1 else {"$and": conditions}


class FrameStore:
    """Frame embeddings with metadata, in one Chroma collection; safe to share between threads."""

    def __init__(self, client: Any, embedder_name: str, project: str = "") -> None:
        self.name = collection_name(embedder_name, project)
        self.collection = collection(client, self.name)

    def add(self, ids: Sequence[str], embeddings: np.ndarray, metas: Sequence[FrameMeta]) -> list[str]:
        """Store (or replace) frames under ``ids``; returns the ids."""
        if not ids:
            return []
        if not len(ids) == len(metas) == len(embeddings):
            raise ValueError(f"{len(ids)} ids, {len(embeddings)} embeddings and {len(metas)} metadata rows differ")
        self.collection.upsert(
            ids=list(ids),
            embeddings=np.asarray(embeddings, dtype=np.float32),
            metadatas=[m.to_chroma() for m in metas],
        )
        return list(ids)

    def get(self, ids: Sequence[str]) -> dict[str, tuple[np.ndarray, FrameMeta]]:
        """The stored embedding and metadata of each id that exists."""
        if not ids:
            return {}
        found = self.collection.get(ids=list(ids), include=["embeddings", "metadatas"])
        return {
            fid: (np.asarray(vec, dtype=np.float32), FrameMeta.from_chroma(dict(meta)))
            for fid, vec, meta in zip(found["ids"], _rows(found), found["metadatas"] or [], strict=False)
        }

    def where(self, where: dict[str, Any] | None, *, limit: int | None = None) -> tuple[list[str], np.ndarray]:
        """Ids and embeddings matching a Chroma ``where`` filter."""
        found = self.collection.get(where=where, limit=limit, include=["embeddings"])
        return list(found["ids"]), _rows(found)

    def references(self, character_id: str, framing: str | None = None, look: str | None = None) -> np.ndarray:
        """The character's locked reference embeddings (of one framing group and one look if given), (n, dim);
        n = 0 when it has none yet."""
        conditions: list[dict[str, Any]] = [{"kind": "reference"}, {"character": character_id}]
        if framing:
            conditions.append({"framing": framing})
        if look is not None:
            conditions.append({"look": look})
        return self.where(_and(conditions))[1]

    def location_frames(
        self,
        location_id: str,
        approved: bool = True,
        *,
        shot_type: str | None = None,
        framing: str | None = None,
        exclude_shot: str | None = None,
        min_set_share: float = 0.0,
        angle: str | None = None,
        time_of_day: str | None = None,
    ) -> np.ndarray:
        """Embeddings of the location's frames (approved ones by default; of one shot type, framing group,
        camera angle or time of day's light if given), (n, dim); ``exclude_shot`` leaves out one shot's own frames
        (a shot is not evidence for itself), and ``min_set_share`` frames that show too little of the set."""
        where = _location_where(
            location_id, approved, shot_type, framing, exclude_shot, min_set_share, angle, time_of_day
        )
        return self.where(where)[1]

    def location_shots(
        self,
        location_id: str,
        *,
        shot_type: str | None = None,
        angle: str | None = None,
        exclude_shot: str | None = None,
        min_set_share: float = 0.0,
        time_of_day: str | None = None,
    ) -> dict[str, np.ndarray]:
        """The location's approved frames grouped by shot: shot id → embeddings (n, dim); with ``time_of_day``
        only frames shot under that time of day's light."""
        where = _location_where(location_id, True, shot_type, None, exclude_shot, min_set_share, angle, time_of_day)
        found = self.collection.get(where=where, include=["embeddings", "metadatas"])
        rows, shots = _rows(found), [str(m.get("shot", "")) for m in found["metadatas"] or []]
        return {shot: rows[[i for i, s in enumerate(shots) if s == shot]] for shot in dict.fromkeys(shots)}

    def location_frame_paths(
        self,
        location_id: str,
        *,
        shot_type: str | None = None,
        exclude_shot: str | None = None,
        min_set_share: float = 0.0,
        limit: int = 6,
        time_of_day: str | None = None,
    ) -> list[str]:
        """Image paths of up to ``limit`` approved frames of the location (what a colour grade matches); with
        ``time_of_day`` only frames shot under that time of day's light."""
        where = _location_where(location_id, True, shot_type, None, exclude_shot, min_set_share, None, time_of_day)
        found = self.collection.get(where=where, limit=limit, include=["metadatas"])
        return [str(m["path"]) for m in found["metadatas"] or [] if m.get("path")]

    def mark_approved(self, ids: Sequence[str], approved: bool = True) -> int:
        """Flag stored frames as approved (or not); ids that are not stored are skipped. Returns how many."""
        present = list(self.get(ids))
        if present:
            self.collection.update(ids=present, metadatas=[{"approved": approved} for _ in present])
        return len(present)

    def query(
        self,
        embedding: np.ndarray,
        n: int = 5,
        *,
        kind: FrameKind | None = None,
        character: str | None = None,
        location: str | None = None,
        approved: bool | None = None,
    ) -> list[FrameHit]:
        """The ``n`` stored frames most similar to ``embedding`` among those matching the filters."""
        conditions: list[dict[str, Any]] = []
        for key, value in (("kind", kind), ("character", character), ("location", location), ("approved", approved)):
            if value is not None:
                conditions.append({key: value})
        total = self.count()
        if total == 0:
            return []
        result = self.collection.query(
            query_embeddings=np.asarray(embedding, dtype=np.float32).reshape(1, -1),
            n_results=min(n, total),
            where=_and(conditions),
            include=["metadatas", "distances"],
        )
        return [
            FrameHit(id=fid, similarity=round(1.0 - float(dist), 6), meta=FrameMeta.from_chroma(dict(meta)))
            for fid, dist, meta in zip(result["ids"][0], result["distances"][0], result["metadatas"][0], strict=True)
        ]

    def count(self) -> int:
        return int(self.collection.count())


def _location_where(
    location_id: str,
    approved: bool,
    shot_type: str | None,
    framing: str | None,
    exclude_shot: str | None,
    min_set_share: float,
    angle: str | None = None,
    time_of_day: str | None = None,
) -> dict[str, Any] | None:
    conditions: list[dict[str, Any]] = [{"kind": "frame"}, {"location": location_id}, {"approved": approved}]
    if shot_type:
        conditions.append({"shot_type": shot_type})
    if angle:
        conditions.append({"angle": angle})
    if framing:
        conditions.append({"framing": framing})
    if exclude_shot:
        conditions.append({"shot": {"$ne": exclude_shot}})
    if min_set_share > 0:
        conditions.append({"set_share": {"$gte": min_set_share}})
    if time_of_day:
        conditions.append({"time_of_day": time_of_day})
    return _and(conditions)


def _rows(found: Any) -> np.ndarray:
    vectors = found.get("embeddings")
    if vectors is None or len(vectors) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.asarray(vectors, dtype=np.float32)
