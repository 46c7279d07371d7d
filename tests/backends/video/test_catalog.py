"""The model catalog: every entry is usable for vertical video and priced, and its arithmetic is right."""

from __future__ import annotations

from pathlib import Path

import pytest

from backends.catalog import ModelCatalog, ModelEntry
from domain.errors import ConfigError
from domain.settings import RouterSettings

CATALOG = ModelCatalog.load()
REQUIRED = [
    "veo-3.1",
    "veo-3.1-fast",
    "veo-3.1-lite",
    "kling-v2.5-turbo-std",
    "kling-v2.5-turbo-pro",
    "kling-v3-std",
    "kling-v3-pro",
    "seedance-2.0",
    "seedance-2.0-fast",
    "seedance-2.0-mini",
    "happyhorse-1.1-720p",
    "happyhorse-1.1-1080p",
    "wan-2.6-720p",
    "runway-gen4-turbo",
]


def test_the_routed_models_are_all_there() -> None:
    ids = {e.id for e in CATALOG.entries()}
    assert set(REQUIRED) <= ids
    assert any(e.provider == "fal" for e in CATALOG.entries())
    assert any(e.provider == "replicate" for e in CATALOG.entries())


def test_every_tier_and_the_baseline_in_the_default_router_exist() -> None:
    router = RouterSettings()
    for family, tiers in router.tiers.items():
        for model_id in tiers.values():
            assert CATALOG.get(model_id).family == family
    assert CATALOG.get(router.baseline_model)


@pytest.mark.parametrize("entry", CATALOG.entries(), ids=lambda e: e.id)
def test_entry_is_vertical_priced_and_cited(entry: ModelEntry) -> None:
    assert "9:16" in entry.aspect_ratios or "unsupported" in entry.portrait_note
    assert all(entry.price_usd_per_s[r] > 0 for r in entry.resolutions)
    assert entry.price(5, entry.resolutions[0]) > 0
    assert any(mark in entry.source for mark in ("[R", "[S", "[U"))
    assert entry.as_of.year >= 2025 and entry.typical_latency_s > 0
    assert entry.snap_duration(0.5) == entry.allowed_durations()[0]
    assert entry.snap_duration(999) == entry.allowed_durations()[-1]


@pytest.mark.parametrize(
    ("model", "seconds", "snapped"),
    [
        ("veo-3.1", 3.0, 4),
        ("veo-3.1", 4.0, 4),
        ("veo-3.1", 4.2, 6),
        ("veo-3.1", 8.5, 8),
        ("kling-v2.5-turbo-std", 5.01, 10),
        ("kling-v3-std", 3.0, 3),
        ("kling-v3-std", 3.01, 4),
        ("seedance-2.0", 2.0, 4),
        ("seedance-2.0", 16.0, 15),
        ("wan-2.6-720p", 7.5, 8),
    ],
)
def test_snap_duration(model: str, seconds: float, snapped: float) -> None:
    assert CATALOG.get(model).snap_duration(seconds) == snapped


def test_price_is_rate_times_the_generated_duration() -> None:
    assert CATALOG.get("veo-3.1-fast").price(6, "1080p") == pytest.approx(0.72)
    assert CATALOG.get("veo-3.1-fast").price(5, "720p") == pytest.approx(0.60), "5 s is generated as 6 s"
    assert CATALOG.get("kling-v2.5-turbo-std").price(5, "720p") == pytest.approx(0.21)
    assert CATALOG.get("kling-v2.5-turbo-pro").price(5, "720p") == pytest.approx(0.35), "pro only makes 1080p"
    assert CATALOG.get("seedance-2.0").price(10, "1080p") == pytest.approx(3.7)


def test_resolution_class_and_dimensions() -> None:
    veo = CATALOG.get("veo-3.1")
    assert veo.resolution_for(720, 1280) == "720p"
    assert veo.resolution_for(1080, 1920) == "1080p"
    assert veo.resolution_for(180, 320) == "720p"
    assert CATALOG.get("kling-v3-std").resolution_for(1080, 1920) == "720p"
    assert veo.dimensions("720p", "9:16") == (720, 1280)
    assert veo.dimensions("1080p", "16:9") == (1920, 1080)


def test_truncate_prompt_prefers_sentence_then_clause_then_word() -> None:
    entry = CATALOG.get("kling-v3-std").model_copy(update={"max_prompt_chars": 60})
    assert entry.truncate_prompt("  Short prompt.  ") == "Short prompt."
    sentences = "Mara turns to the window. Rain streaks the glass. Neon hums outside in the street."
    assert entry.truncate_prompt(sentences) == "Mara turns to the window. Rain streaks the glass."
    clauses = "Mara turns to the window, rain streaks the glass, neon hums outside in the street"
    assert entry.truncate_prompt(clauses) == "Mara turns to the window, rain streaks the glass"
    words = "Mara turns slowly toward the rain streaked window while neon hums outside forever"
    cut = entry.truncate_prompt(words)
    assert len(cut) <= 60 and words.startswith(cut) and not cut.endswith(" ")
    assert words[len(cut)] == " ", "cut at a word boundary"
    assert len(entry.truncate_prompt("x" * 500)) == 60


def test_unknown_model_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        CATALOG.get("veo-9")
    assert "veo-9" in str(caught.value) and "seedance-2.0-fast" in str(caught.value)


def test_load_is_cached() -> None:
    assert ModelCatalog.load() is ModelCatalog.load()


ENTRY = """
[models.{id}]
family = "x"
provider = "fal"
provider_model = "a/b"
modes = ["t2v"]
durations = [5]
aspect_ratios = {ratios}
resolutions = ["720p"]
price_usd_per_s = {{ "720p" = {price} }}
typical_latency_s = 10
max_prompt_chars = 100
max_reference_images = 0
supports_seed = false
source = "test [U]"
as_of = 2026-01-01
"""


def test_a_custom_catalog_loads(tmp_path: Path) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(ENTRY.format(id="mine", ratios='["9:16"]', price=0.2))
    assert ModelCatalog.load(path).get("mine").price(5, "720p") == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("ratios", "price", "problem"),
    [('["16:9"]', 0.2, "lacks 9:16"), ('["9:16"]', 0, "positive price")],
)
def test_bad_entries_are_named(tmp_path: Path, ratios: str, price: float, problem: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(ENTRY.format(id="broken", ratios=ratios, price=price))
    with pytest.raises(ConfigError, match=f"'broken'.*{problem}"):
        ModelCatalog.load(path)


def test_missing_catalog_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        ModelCatalog.load(tmp_path / "nope.toml")
