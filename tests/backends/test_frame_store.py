"""The frame store on a real embedded Chroma: references, approved location frames, queries, reopening."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.chroma import open_client
from backends.frame_store import FrameMeta, FrameStore, collection_name
from domain.settings import StoreSettings


def unit(seed: int, dim: int = 16) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def reopen(out: Path) -> object:
    """A client that reads the store from disk again (Chroma caches systems per path within a process)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    return open_client(StoreSettings(), out)


@pytest.fixture
def store(tmp_path: Path) -> FrameStore:
    frames = FrameStore(open_client(StoreSettings(), tmp_path), "offline")
    metas = [
        FrameMeta(shot="E01-S001-SH01", path="f/1a.png", characters=["mei", "jun"], location="diner", approved=True),
        FrameMeta(shot="E01-S001-SH01", path="f/1b.png", characters=["mei", "jun"], location="diner", approved=True),
        FrameMeta(shot="E01-S001-SH02", path="f/2a.png", characters=["mei"], location="diner", attempt=2),
        FrameMeta(shot="E01-S002-SH01", path="f/3a.png", characters=["jun"], location="roof", approved=True),
        FrameMeta(shot="E01-S001-SH01", path="r/mei.png", kind="reference", character="mei", characters=["mei"]),
        FrameMeta(shot="E01-S002-SH01", path="r/jun.png", kind="reference", character="jun", characters=["jun"]),
    ]
    ids = ["f/1a.png", "f/1b.png", "f/2a.png", "f/3a.png", "r/mei.png", "r/jun.png"]
    frames.add(ids, np.stack([unit(i) for i in range(len(ids))]), metas)
    return frames


def test_references_and_location_frames_are_filtered_by_metadata(store: FrameStore) -> None:
    mei = store.references("mei")
    assert mei.shape == (1, 16) and np.allclose(mei[0], unit(4), atol=1e-6)
    assert store.references("nobody").shape[0] == 0
    assert store.location_frames("diner").shape[0] == 2
    assert store.location_frames("diner", approved=False).shape[0] == 1
    assert store.location_frames("diner", exclude_shot="E01-S001-SH01").shape[0] == 0
    assert store.location_frames("roof").shape[0] == 1


def test_framing_shot_type_and_set_share_narrow_the_evidence(tmp_path: Path) -> None:
    frames = FrameStore(open_client(StoreSettings(), tmp_path), "offline")
    rows = [
        ("r/cu.png", FrameMeta(shot="A", path="r/cu.png", kind="reference", character="mei", framing="face")),
        ("r/ls.png", FrameMeta(shot="B", path="r/ls.png", kind="reference", character="mei", framing="body")),
        ("f/ls.png", FrameMeta(shot="B", path="f/ls.png", location="diner", shot_type="LS", approved=True)),
        (
            "f/cu.png",
            FrameMeta(shot="A", path="f/cu.png", location="diner", shot_type="CU", approved=True, set_share=0.1),
        ),
    ]
    frames.add([r[0] for r in rows], np.stack([unit(i) for i in range(len(rows))]), [r[1] for r in rows])
    assert len(frames.references("mei")) == 2 and len(frames.references("mei", "face")) == 1
    assert len(frames.references("mei", "chest")) == 0
    assert len(frames.location_frames("diner", shot_type="LS")) == 1
    assert len(frames.location_frames("diner", min_set_share=0.2)) == 1
    assert frames.location_frame_paths("diner", shot_type="CU") == ["f/cu.png"]
    assert frames.location_frame_paths("diner", exclude_shot="B", min_set_share=0.2) == []


def test_mark_approved_and_upsert_keep_one_row_per_id(store: FrameStore) -> None:
    assert store.mark_approved(["f/2a.png", "missing.png"]) == 1
    assert store.location_frames("diner").shape[0] == 3
    before = store.count()
    store.add(["f/2a.png"], unit(99)[None], [FrameMeta(shot="E01-S001-SH02", path="f/2a.png", location="diner")])
    assert store.count() == before
    vector, meta = store.get(["f/2a.png"])["f/2a.png"]
    assert np.allclose(vector, unit(99), atol=1e-6) and meta.approved is False and meta.attempt == 0


def test_query_ranks_by_cosine_similarity_within_filters(store: FrameStore) -> None:
    hits = store.query(unit(0), n=3, kind="frame")
    assert hits[0].id == "f/1a.png" and hits[0].similarity == pytest.approx(1.0, abs=1e-5)
    assert hits[0].meta.characters == ["mei", "jun"]
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    only_refs = store.query(unit(0), n=10, kind="reference", character="jun")
    assert [h.id for h in only_refs] == ["r/jun.png"]


def test_the_store_survives_reopening_and_keeps_embedders_apart(store: FrameStore, tmp_path: Path) -> None:
    client = reopen(tmp_path)
    again = FrameStore(client, "offline")
    assert again.count() == 6
    assert np.allclose(again.references("mei")[0], unit(4), atol=1e-6)
    assert again.location_frames("diner").shape[0] == 2
    assert FrameStore(client, "open_clip-ViT-B-32-random").count() == 0


def test_collection_names_are_valid_for_chroma() -> None:
    assert collection_name("offline") == "frames-offline"
    assert collection_name("open_clip-ViT-B-32-laion2b_s34b_b79k", "my film") == (
        "my-film-frames-open_clip-ViT-B-32-laion2b_s34b_b79k"
    )
    assert collection_name("x/y") == "frames-x-y"
