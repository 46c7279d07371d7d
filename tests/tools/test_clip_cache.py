"""The cache key covers everything that changes a clip, and a stored clip comes back free."""

from __future__ import annotations

from pathlib import Path

from domain.bibles import SceneBible
from domain.files import sidecar
from domain.production import GenerationRequest, GenerationResult, ShotContext
from domain.shot import Shot, ShotType
from tools.clip_cache import ClipCache, cache_key


def request(**changes: object) -> GenerationRequest:
    shot = Shot(id="E01-S001-SH01", episode=1, scene_id="E01-S001", index=1, location_id="pier", shot_type=ShotType.MS)
    base = GenerationRequest(
        shot=shot,
        context=ShotContext(location=SceneBible(location_id="pier", name="Pier")),
        model="seedance-2.0-fast",
        prompt="a pier at dawn",
        seed=1,
        duration_s=4,
    )
    return base.model_copy(update=changes)


def test_key_changes_with_every_input(tmp_path: Path) -> None:
    ref = tmp_path / "ref.png"
    ref.write_bytes(b"frame-a")
    keys = {
        cache_key(request()),
        cache_key(request(model="kling-v3-std")),
        cache_key(request(prompt="a pier at dusk")),
        cache_key(request(seed=2)),
        cache_key(request(duration_s=6)),
        cache_key(request(reference_frames=[str(ref)])),
    }
    assert len(keys) == 6
    before = cache_key(request(reference_frames=[str(ref)]))
    ref.write_bytes(b"frame-b")  # same path, different picture: a different clip
    assert cache_key(request(reference_frames=[str(ref)])) != before
    assert cache_key(request()) == cache_key(request(attempt=3))  # the attempt number alone changes nothing


def test_put_then_get_is_free(tmp_path: Path) -> None:
    cache = ClipCache(tmp_path / "cache")
    key = cache_key(request())
    assert cache.get(key) is None
    staging = cache.staging_path(key)
    staging.write_bytes(b"mp4 bytes")
    sidecar(staging).write_text('{"figures": []}')
    stored = cache.put(key, GenerationResult(clip=str(staging), model="seedance-2.0-fast", seed=1, cost_usd=0.48))
    hit = cache.get(key)
    assert hit is not None and hit.cached and hit.cost_usd == 0.0
    assert Path(hit.clip).read_bytes() == b"mp4 bytes" and hit.clip == stored.clip
    assert sidecar(Path(hit.clip)).is_file()  # the renderer's sidecar travels with the clip
    assert not staging.exists()
