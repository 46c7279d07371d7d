"""Embedders: the offline one tells looks apart; open_clip loads a real (tiny) model through its real path."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from backends.embedders import Embedder, OfflineEmbedder, OpenClipEmbedder, make_embedder
from backends.embedders.openclip import load_model
from domain.errors import BackendError
from domain.settings import EmbedderSettings, GateSettings
from tools.gates.boxes import crop
from tools.gates.character import neutralise
from tools.gates.synthetic import Figure, Scene, Set, paint

MEI = Figure("mei")


def look(figure: Figure, kelvin: float = 5600.0, size: tuple[int, int] = (180, 320), seed: int = 0) -> np.ndarray:
    frame = paint(Scene((figure,), Set(kelvin=kelvin)), *size, seed=seed)
    return crop(neutralise(frame, kelvin), figure.box)


def test_offline_embeddings_are_unit_float32_rows_and_deterministic() -> None:
    embedder = OfflineEmbedder()
    images = [look(MEI), look(MEI, seed=3), np.zeros((10, 7, 3), dtype=np.uint8)]
    vectors = embedder.embed(images)
    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors, embedder.embed(images))
    assert embedder.embed([]).shape == (0, embedder.dim)
    assert isinstance(embedder, Embedder)


def test_offline_same_character_stays_above_threshold_and_a_recoloured_outfit_falls_below() -> None:
    embedder = OfflineEmbedder()
    threshold = GateSettings().character_threshold["offline"]
    reference = embedder.embed([look(MEI)])[0]
    same = [
        look(MEI, seed=7),
        look(replace(MEI, box=(0.1, 0.3, 0.45, 0.9))),  # moved and smaller
        look(MEI, size=(360, 640)),  # another resolution
        look(MEI, kelvin=3000.0),  # warm light, neutralised
    ]
    other = [
        look(replace(MEI, torso=(0.15, 0.2, 0.7))),  # blue top
        look(replace(MEI, torso=(0.9, 0.9, 0.9))),  # white top
        look(Figure("jun", torso=(0.2, 0.3, 0.6), hair=(0.8, 0.7, 0.3), skin=(0.6, 0.45, 0.35))),
    ]
    same_scores = embedder.embed(same) @ reference
    other_scores = embedder.embed(other) @ reference
    assert same_scores.min() >= threshold, same_scores
    assert other_scores.max() < threshold - 0.15, other_scores


TINY = "reelcrew-tiny-test"
TINY_CONFIG = {
    "embed_dim": 64,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 1},
}


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, list[np.ndarray]]:
    """A tiny open_clip model built from a custom config, saved as a state dict, with its own outputs."""
    import open_clip
    import torch
    from PIL import Image

    folder = tmp_path_factory.mktemp("open_clip")
    (folder / f"{TINY}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(folder)
    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms(TINY, pretrained=None)
    model.eval()
    checkpoint = folder / "tiny.pt"
    torch.save(model.state_dict(), checkpoint)
    images = [look(MEI), look(replace(MEI, torso=(0.15, 0.2, 0.7))), look(MEI, size=(90, 160))]
    with torch.no_grad():
        batch = torch.stack([preprocess(Image.fromarray(im)) for im in images])
        expected = torch.nn.functional.normalize(model.encode_image(batch), dim=-1).numpy()
    return checkpoint, expected, images


def test_open_clip_loads_a_local_checkpoint_through_the_real_path(
    tiny_checkpoint: tuple[Path, np.ndarray, list[np.ndarray]],
) -> None:
    checkpoint, expected, images = tiny_checkpoint
    embedder = OpenClipEmbedder(TINY, pretrained=str(checkpoint), batch_size=2)  # two batches for three images
    vectors = embedder.embed(images)
    assert vectors.shape == (3, 64) and vectors.dtype == np.float32
    assert np.allclose(vectors, expected, atol=1e-5)
    assert embedder.dim == 64
    assert isinstance(embedder, Embedder)
    assert embedder.name.startswith(f"open_clip-{TINY}-file-")
    # cached per process: a second embedder with the same key shares the model
    again = OpenClipEmbedder(TINY, pretrained=str(checkpoint))
    assert load_model(TINY, str(checkpoint), "cpu") is load_model(again.model_name, again.pretrained, again.device)


def test_open_clip_with_an_unknown_tag_fails_with_advice_instead_of_downloading(
    tiny_checkpoint: tuple[Path, np.ndarray, list[np.ndarray]],
) -> None:
    embedder = OpenClipEmbedder(TINY, pretrained="no-such-tag")
    with pytest.raises(BackendError, match="local checkpoint"):
        embedder.embed([look(MEI)])


def test_make_embedder_follows_the_gate_settings() -> None:
    assert isinstance(make_embedder(GateSettings(), EmbedderSettings()), OfflineEmbedder)
    made = make_embedder(GateSettings(embedder="open_clip"), EmbedderSettings(open_clip_model="ViT-B-32", batch_size=4))
    assert isinstance(made, OpenClipEmbedder)
    assert made.kind == "open_clip" and made.batch_size == 4 and made.name == "open_clip-ViT-B-32-random"


def test_an_open_clip_gate_without_weights_is_refused_before_a_run(tmp_path: Path) -> None:
    from domain.errors import ConfigError
    from reelcrew.config import load_settings

    with pytest.raises(ConfigError, match="open_clip_pretrained"):
        load_settings(gates={"embedder": "open_clip"})
    checkpoint = tmp_path / "weights.pt"
    settings = load_settings(gates={"embedder": "open_clip"}, embedder={"open_clip_pretrained": str(checkpoint)})
    assert settings.embedder.open_clip_pretrained == str(checkpoint)
    timing = load_settings(gates={"embedder": "open_clip"}, embedder={"random_weights": True})
    assert make_embedder(timing.gates, timing.embedder).name.endswith("-random")


def _subject(colour: tuple[int, int, int]) -> np.ndarray:
    """A matte-cut subject (RGBA): a coat of one colour under a brown head, transparent around them."""
    picture = np.zeros((96, 48, 4), dtype=np.uint8)
    picture[8:36, 12:36] = (110, 60, 40, 255)  # head
    picture[36:96, 4:44, :3] = colour  # coat
    picture[36:96, 4:44, 3] = 255
    return picture


def test_a_coat_on_a_hue_bins_edge_reads_the_same_when_a_light_nudges_it() -> None:
    embedder = OfflineEmbedder()
    yellow, warmer, purple = (253, 253, 0), (255, 240, 0), (140, 40, 180)  # 60°, 56°, and another coat entirely
    vectors = embedder.embed([_subject(yellow), _subject(warmer), _subject(purple)])
    assert float(vectors[0] @ vectors[1]) > 0.95
    assert float(vectors[0] @ vectors[2]) < 0.7
