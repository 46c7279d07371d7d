"""The artifact gate on clips built to fail one way each, and the lanczos rescale that fixes a small clip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from backends.media import probe
from domain.errors import ToolError
from domain.production import GateResult
from domain.settings import Config
from tools.context import ToolContext
from tools.gates.artifacts import grid_fit, thresholds
from tools.gates.synthetic import Figure, Scene, moved, paint, write_figure_clip
from tools.qa import CheckArtifactsArgs, UpscaleArgs, check_artifacts, upscale_clip

W, H = 180, 320
SCENE = Scene((Figure("mei"),))


def good_frames(count: int = 12, width: int = W, height: int = H) -> list[np.ndarray]:
    return [paint(moved(SCENE, 0.06 * i / (count - 1)), width, height, seed=i) for i in range(count)]


def textured(frame: np.ndarray) -> np.ndarray:
    """The frame over a smooth texture: detail for an encoder to starve."""
    h, w, _ = frame.shape
    yy, xx = np.mgrid[0:h, 0:w]
    texture = 110 + 70 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    return np.clip(0.4 * frame + 0.6 * texture[..., None], 0, 255).astype(np.uint8)


def blocky(frame: np.ndarray, block: int = 8) -> np.ndarray:
    """Textured content flattened to 8x8 block means: what a starved encoder leaves."""
    image = textured(frame).astype(np.float32)
    h, w = (image.shape[0] // block) * block, (image.shape[1] // block) * block
    blocks = image[:h, :w].reshape(h // block, block, w // block, block, 3).mean(axis=(1, 3))
    image[:h, :w] = np.repeat(np.repeat(blocks, block, 0), block, 1)
    return np.clip(image, 0, 255).astype(np.uint8)


def pixelated(frame: np.ndarray, block: int = 11) -> np.ndarray:
    """Scaled down and blown up with nearest-neighbour filtering: blocks that are not the codec's 8x8."""
    h, w, _ = frame.shape
    small = Image.fromarray(frame).resize((w // block, h // block), Image.Resampling.NEAREST)
    return np.asarray(small.resize((w, h), Image.Resampling.NEAREST))


@pytest.fixture
def ctx(tmp_path: Path) -> ToolContext:
    return ToolContext.create(Config(), tmp_path)


def gate_for(ctx: ToolContext, frames: list[np.ndarray], name: str, size: tuple[int, int] = (W, H)) -> GateResult:
    clip = write_figure_clip(SCENE, ctx.out / "clips" / f"{name}.mp4", frames=frames, width=size[0], height=size[1])
    return check_artifacts(ctx, CheckArtifactsArgs(clip=str(clip), width=W, height=H)).gate


def test_a_clean_clip_passes(ctx: ToolContext) -> None:
    gate = gate_for(ctx, good_frames(), "good")
    assert gate.passed and gate.details["problems"] == [] and gate.score < gate.threshold
    assert gate_for(ctx, [textured(f) for f in good_frames()], "textured").passed


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("black", "black_frames"),
        ("frozen", "frozen_clip"),
        ("flicker", "flicker"),
        ("blocky", "blockiness"),
        ("pixelated", "blockiness"),
    ],
)
def test_each_fault_fails_with_its_reason(ctx: ToolContext, name: str, reason: str) -> None:
    frames = good_frames()
    if name == "black":
        frames[0] = np.zeros_like(frames[0])
    elif name == "frozen":
        frames = [frames[0]] * len(frames)
    elif name == "flicker":
        frames = [np.clip(f.astype(int) + (45 if i % 2 else 0), 0, 255).astype(np.uint8) for i, f in enumerate(frames)]
    elif name == "blocky":
        frames = [blocky(f) for f in frames]
    else:
        frames = [pixelated(f) for f in frames]
    gate = gate_for(ctx, frames, name)
    assert not gate.passed and gate.reason == reason and gate.details["problems"] == [reason]
    assert gate.details["rescalable"] is False


def test_a_regular_pattern_in_one_direction_is_not_read_as_blocks() -> None:
    grey = good_frames()[0].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    blinds = grey.copy()
    blinds[:, (np.arange(grey.shape[1]) // 6) % 2 == 0] *= 0.6
    assert grid_fit(blinds) > thresholds()["grid_fit_below"] + 0.1
    assert grid_fit(np.asarray(pixelated(good_frames()[0]), dtype=np.float32).mean(axis=-1)) < 0.1


def test_a_small_clip_of_the_right_aspect_is_rescaled_and_then_passes(ctx: ToolContext) -> None:
    small = [f[::2, ::2].copy() for f in good_frames()]
    clip = write_figure_clip(SCENE, ctx.out / "clips" / "small.mp4", frames=small, width=W // 2, height=H // 2)
    gate = check_artifacts(ctx, CheckArtifactsArgs(clip=str(clip), width=W, height=H)).gate
    assert not gate.passed and gate.reason == "wrong_resolution" and gate.details["rescalable"]
    scaled = upscale_clip(ctx, UpscaleArgs(clip=str(clip), shot_id="E01-S001-SH01", width=W, height=H))
    info = probe(Path(scaled.clip))
    assert (info.width, info.height) == (W, H) and scaled.from_size == [W // 2, H // 2]
    assert check_artifacts(ctx, CheckArtifactsArgs(clip=scaled.clip, width=W, height=H)).gate.passed


def test_a_clip_of_the_wrong_aspect_is_not_stretched(ctx: ToolContext) -> None:
    wide = good_frames(width=H, height=W)
    clip = write_figure_clip(SCENE, ctx.out / "clips" / "wide.mp4", frames=wide, width=H, height=W)
    gate = check_artifacts(ctx, CheckArtifactsArgs(clip=str(clip), width=W, height=H)).gate
    assert not gate.passed and gate.reason == "wrong_resolution" and not gate.details["rescalable"]
    with pytest.raises(ToolError, match="aspect"):
        upscale_clip(ctx, UpscaleArgs(clip=str(clip), shot_id="E01-S001-SH01", width=W, height=H))
