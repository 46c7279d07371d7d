"""The bibles in Chroma: each character and location as JSON plus a text document, searchable by meaning.

Why Chroma and not a JSON file: a producer (or an LLM policy) asks for "the location with warm evening light"
or "the woman in the grey coat", and a team can share one Chroma server across runs. Each record holds the
full bible as JSON in its metadata (so ``all()`` rebuilds ``Bibles`` exactly) and a plain-English document
that is what gets embedded. We pass our own vectors: Chroma's default embedding function would download a model.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from backends.chroma import collection as open_collection
from backends.text_embedding import HashingTextEmbedder, TextEmbedder
from domain.bibles import Bibles, CharacterBible, SceneBible

BibleKind = Literal["character", "location"]


class BibleHit(BaseModel):
    """One search result: ``score`` is cosine similarity (1 = same meaning)."""

    id: str
    kind: BibleKind
    name: str
    score: float
    doc: str


def character_document(bible: CharacterBible) -> str:
    """The searchable text of a character: who they are, how they look, what they wear, how they sound."""
    look = bible.appearance
    parts = [f"Character {bible.name}."]
    if bible.aliases:
        parts.append(f"Also called {', '.join(bible.aliases)}.")
    voice = bible.voice_profile
    who = " ".join(x for x in (voice.gender if voice.gender != "neutral" else "", look.age_range) if x)
    if who:
        parts.append(f"A {who}.")
    for label, value in (("Face", look.face), ("Hair", look.hair), ("Build", look.build), ("Skin", look.skin_tone)):
        if value:
            parts.append(f"{label}: {value}.")
    if look.distinguishing:
        parts.append(f"Distinguishing: {', '.join(look.distinguishing)}.")
    for outfit in bible.wardrobe:
        parts.append(f"Wears from {outfit.from_scene}: {outfit.description}.")
    if voice.style:
        parts.append(f"Voice: {voice.style}.")
    if bible.emotional_range:
        parts.append(f"Emotional range: {', '.join(bible.emotional_range)}.")
    if bible.description:
        parts.append(bible.description)
    return " ".join(parts)


def location_document(bible: SceneBible) -> str:
    """The searchable text of a location: where, when, its light, its colours and its camera."""
    parts = [f"Location {bible.name}."]
    when = ", ".join(x for x in (bible.int_ext, bible.time_of_day) if x)
    if when:
        parts.append(f"{when}.")
    if bible.lighting_palette:
        parts.append(f"Lighting: {bible.lighting_palette}, {bible.color_temperature_k}K.")
    if bible.key_colors:
        parts.append(f"Key colours: {', '.join(bible.key_colors)}.")
    if bible.camera_style:
        parts.append(f"Camera: {bible.camera_style}.")
    if bible.description:
        parts.append(bible.description)
    return " ".join(parts)


class BibleStore:
    """Character and location bibles in one Chroma collection (``bibles``), with our own text embeddings.

    A non-default embedder gets its own collection (``bibles-<name>``): vectors of different models and
    sizes must never share an index.
    """

    def __init__(
        self,
        client: Any,
        embedder: TextEmbedder | None = None,
        collection_name: str | None = None,
        project: str = "",
    ) -> None:
        self.embedder: TextEmbedder = embedder or HashingTextEmbedder()
        if collection_name is None:
            collection_name = "bibles" if self.embedder.name == "hashing" else f"bibles-{self.embedder.name}"
            collection_name = f"{project}-{collection_name}" if project else collection_name
        self.collection = open_collection(client, collection_name)

    @staticmethod
    def record_id(kind: BibleKind, bible_id: str) -> str:
        return f"{kind}:{bible_id}"

    def upsert(self, bible: CharacterBible | SceneBible) -> str:
        """Store (or replace) one bible; returns its record id."""
        return self.upsert_many([bible])[0]

    def upsert_many(self, bibles: list[CharacterBible | SceneBible]) -> list[str]:
        """Store several bibles in one call (one embedding batch, one write)."""
        if not bibles:
            return []
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        for bible in bibles:
            if isinstance(bible, CharacterBible):
                kind: BibleKind = "character"
                bible_id, doc = bible.character_id, character_document(bible)
            else:
                kind, bible_id, doc = "location", bible.location_id, location_document(bible)
            ids.append(self.record_id(kind, bible_id))
            docs.append(doc)
            metas.append({"kind": kind, "bible_id": bible_id, "name": bible.name, "json": bible.model_dump_json()})
        vectors = self.embedder.embed(docs)
        self.collection.upsert(ids=ids, documents=docs, metadatas=metas, embeddings=vectors.tolist())
        return ids

    def upsert_all(self, bibles: Bibles) -> list[str]:
        """Store every character and location of ``bibles``."""
        items: list[CharacterBible | SceneBible] = [*bibles.characters.values(), *bibles.locations.values()]
        return self.upsert_many(items)

    def _get(self, record_id: str) -> dict[str, Any] | None:
        got = self.collection.get(ids=[record_id], include=["metadatas"])
        metas = got.get("metadatas") or []
        return dict(metas[0]) if metas else None

    def get_character(self, character_id: str) -> CharacterBible | None:
        meta = self._get(self.record_id("character", character_id))
        return CharacterBible.model_validate_json(meta["json"]) if meta else None

    def get_location(self, location_id: str) -> SceneBible | None:
        meta = self._get(self.record_id("location", location_id))
        return SceneBible.model_validate_json(meta["json"]) if meta else None

    def count(self) -> int:
        return int(self.collection.count())

    def all(self) -> Bibles:
        """Every stored bible, as the domain's ``Bibles``."""
        got = self.collection.get(include=["metadatas"])
        bibles = Bibles()
        for meta in got.get("metadatas") or []:
            if meta["kind"] == "character":
                character = CharacterBible.model_validate_json(meta["json"])
                bibles.characters[character.character_id] = character
            else:
                location = SceneBible.model_validate_json(meta["json"])
                bibles.locations[location.location_id] = location
        bibles.characters = dict(sorted(bibles.characters.items()))
        bibles.locations = dict(sorted(bibles.locations.items()))
        return bibles

    def search(self, query: str, kind: BibleKind | None = None, k: int = 5) -> list[BibleHit]:
        """The ``k`` bibles closest in meaning to ``query``, best first; ``kind`` limits to characters or locations."""
        total = self.count()
        if total == 0 or k <= 0:
            return []
        vector = self.embedder.embed([query])[0].tolist()
        result = self.collection.query(
            query_embeddings=[vector],
            n_results=min(k, total),
            where={"kind": kind} if kind else None,
            include=["metadatas", "documents", "distances"],
        )
        hits: list[BibleHit] = []
        metas = (result.get("metadatas") or [[]])[0]
        docs = (result.get("documents") or [[]])[0]
        distances = (result.get("distances") or [[]])[0]
        for meta, doc, distance in zip(metas, docs, distances, strict=False):
            hits.append(
                BibleHit(
                    id=str(meta["bible_id"]),
                    kind=meta["kind"],
                    name=str(meta["name"]),
                    score=round(1.0 - float(distance), 4),
                    doc=doc or "",
                )
            )
        return hits
