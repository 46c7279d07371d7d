"""Synthetic figure frames and clips: the gates' calibration targets, used by tests, benchmarks and evals.

A figure is a torso rectangle with a head (and hair) on a set, everything lit by light of a given colour
temperature: pixel = reflectance × light, as a camera sees it. Changing ``torso`` is a wardrobe change,
changing ``kelvin`` a lighting change, and the sidecar written beside a clip carries the figure boxes the way
the previz renderer does. Nothing here depends on the renderer, so the gates can be checked on their own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from backends.media import write_clip
from domain.files import write_text
from tools.gates.boxes import Box, pixel_box
from tools.gates.lighting import kelvin_to_rgb

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Figure:
    """A character as reflectances (0..1): what it looks like under white light."""

    character_id: str
    torso: RGB = (0.75, 0.12, 0.15)
    legs: RGB = (0.15, 0.15, 0.2)
    skin: RGB = (0.85, 0.65, 0.52)
    hair: RGB = (0.12, 0.08, 0.05)
    box: Box = (0.3, 0.25, 0.7, 0.95)


@dataclass(frozen=True)
class Set:
    """A location: a wall with a soft vertical gradient, a floor, and one accent panel (a window, a sign)."""

    wall: RGB = (0.7, 0.7, 0.68)
    floor: RGB = (0.45, 0.42, 0.4)
    accent: RGB = (0.9, 0.88, 0.8)
    accent_box: Box = (0.06, 0.1, 0.26, 0.4)
    kelvin: float = 5600.0
    exposure: float = 1.0


@dataclass(frozen=True)
class Scene:
    figures: tuple[Figure, ...] = ()
    set: Set = field(default_factory=Set)


def _fill(image: np.ndarray, box: Box, colour: RGB | np.ndarray) -> None:
    x0, y0, x1, y1 = pixel_box(image.shape, box)
    image[y0:y1, x0:x1] = colour


def _oval(image: np.ndarray, box: Box, colour: RGB, *, hair: RGB) -> None:
    """An elliptical head in ``box``, its top third hair: curved outlines, as faces have."""
    x0, y0, x1, y1 = pixel_box(image.shape, box)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1]
    cx, cy, rx, ry = (x0 + x1 - 1) / 2, (y0 + y1 - 1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    region = image[y0:y1, x0:x1]
    region[inside] = colour
    region[inside & (yy < y0 + (y1 - y0) * 0.35)] = hair


def paint(scene: Scene, width: int, height: int, *, seed: int = 0, noise: float = 2.0) -> np.ndarray:
    """One RGB uint8 frame of ``scene``."""
    s = scene.set
    reflect = np.empty((height, width, 3), dtype=np.float32)
    ramp = np.linspace(1.0, 0.82, height, dtype=np.float32)[:, None, None]
    reflect[:] = np.asarray(s.wall, dtype=np.float32) * ramp
    floor_top = int(height * 0.78)
    reflect[floor_top:] = s.floor
    _fill(reflect, s.accent_box, s.accent)
    for fig in scene.figures:
        x0, y0, x1, y1 = fig.box
        head_h = (y1 - y0) * 0.22
        head = (x0 + (x1 - x0) * 0.3, y0, x1 - (x1 - x0) * 0.3, y0 + head_h)
        _oval(reflect, head, fig.skin, hair=fig.hair)
        torso_bottom = y0 + (y1 - y0) * 0.68
        _fill(reflect, (x0, head[3], x1, torso_bottom), fig.torso)
        _fill(reflect, (x0 + (x1 - x0) * 0.1, torso_bottom, x1 - (x1 - x0) * 0.1, y1), fig.legs)
    light = kelvin_to_rgb(s.kelvin).astype(np.float32)
    light = light / light.max()
    image = reflect * light * 255.0 * s.exposure
    if noise > 0:
        image += np.random.default_rng(seed).normal(0.0, noise, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def moved(scene: Scene, dx: float, dy: float = 0.0) -> Scene:
    """The scene with every figure shifted by (dx, dy) of the frame: motion between frames."""
    figures = tuple(replace(f, box=(f.box[0] + dx, f.box[1] + dy, f.box[2] + dx, f.box[3] + dy)) for f in scene.figures)
    return replace(scene, figures=figures)


def write_figure_clip(
    scene: Scene,
    target: Path,
    *,
    width: int = 180,
    height: int = 320,
    fps: int = 12,
    duration_s: float = 1.0,
    drift: float = 0.06,
    frames: Sequence[np.ndarray] | None = None,
    sidecar: bool = True,
) -> Path:
    """Encode ``scene`` as an mp4 whose figures drift sideways by ``drift`` of the frame, with a box sidecar.

    ``frames`` overrides the painted frames (for artifact tests); the sidecar is then still written.
    """
    count = max(round(duration_s * fps), 2)
    if frames is None:
        steps = [moved(scene, drift * i / (count - 1)) for i in range(count)]
        frames = [paint(step, width, height, seed=i) for i, step in enumerate(steps)]
    write_clip(frames, target, fps=fps, width=width, height=height)
    if sidecar and scene.figures:
        boxes = {
            f.character_id: {
                "start": list(f.box),
                "middle": list(moved(scene, drift / 2).figures[i].box),
                "end": list(moved(scene, drift).figures[i].box),
            }
            for i, f in enumerate(scene.figures)
        }
        write_text(target.with_name(target.name + ".json"), json.dumps({"boxes": boxes}, indent=2))
    return target
