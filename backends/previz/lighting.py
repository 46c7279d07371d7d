"""The light of a shot: time of day, colour temperature, pools of light, and the colour balance of the set.

The time of day sets the ambient level and the sky; the colour temperature tints every surface the way an
uncorrected camera would (a 3200 K room reads orange, 8000 K blue), after Helland's blackbody fit, so the
lighting gate, which inverts the same curve, reads the bible's kelvin back from the frame.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from backends.previz.figures import Light
from backends.previz.palette import RGB, colors_in, has_word, hex_rgb, kelvin_to_rgb, multiply
from domain.bibles import SceneBible

SETS_PATH = Path(__file__).parent / "data" / "sets.toml"

FIGURE_WHITE_BALANCE = 0.5
"""How far figures follow the set's colour temperature (0 = not at all, 1 = fully): faces are exposed and
balanced for, so a character keeps their colours across locations while the set carries the light."""

FIGURE_NEUTRAL_K = 6500.0
"""The temperature figures are balanced toward (a figure under this light shows its own colours)."""


@cache
def sets_table() -> dict[str, Any]:
    with SETS_PATH.open("rb") as handle:
        return tomllib.load(handle)


def words_text(location: SceneBible) -> str:
    return f"{location.name} {location.description}".lower()


def is_interior(location: SceneBible) -> bool:
    """INT (and INT/EXT) shows a room, EXT an exterior; with neither, the name and description decide."""
    tag = location.int_ext.strip().upper()
    if tag.startswith(("INT", "I/E", "I./E")):
        return True
    if tag.startswith("EXT"):
        return False
    return not any(has_word(words_text(location), word) for word in sets_table()["exterior_words"])


def period_of(location: SceneBible) -> str:
    """day, dusk, dawn or night, from the bible's time of day (or its lighting palette)."""
    times: dict[str, Any] = sets_table()["times"]
    for text in (location.time_of_day, location.lighting_palette):
        for name, entry in times.items():
            if any(has_word(text, word) for word in entry["words"]):
                return name
    return str(sets_table()["default_time"])


@dataclass(frozen=True)
class SetLight:
    """The light of a location in one shot: colour temperature, level, sky, practical light colours."""

    kelvin: float
    period: str
    interior: bool
    ambient: float
    figure_ambient: float
    sky_top: RGB
    sky_horizon: RGB
    sun: str
    windows_lit: bool
    practicals: tuple[RGB, ...]
    hard: bool

    @property
    def factors(self) -> tuple[float, float, float]:
        """Per-channel multipliers of the light on a white surface."""
        return kelvin_to_rgb(self.kelvin)

    def figure_light(self) -> Light:
        kelvin = FIGURE_NEUTRAL_K + (self.kelvin - FIGURE_NEUTRAL_K) * FIGURE_WHITE_BALANCE
        r, g, b = kelvin_to_rgb(kelvin)
        a = self.figure_ambient
        return lambda rgb: multiply(rgb, (r * a, g * a, b * a))

    def figure_policy(self) -> dict[str, float]:
        """How figures respond to a scene's light, for the side file: a gate that knows the scene's intended
        colour temperature can then divide out the light a figure *should* be under (and a drifted light
        still shows on the figures). It deliberately does not say which temperature was rendered."""
        return {"neutral_k": FIGURE_NEUTRAL_K, "follows": FIGURE_WHITE_BALANCE, "level": self.figure_ambient}

    def emit(self, rgb: RGB, strength: float = 1.0) -> RGB:
        """A light source's colour as the camera sees it (tinted by the temperature, not dimmed by ambient)."""
        r, g, b = self.factors
        return multiply(rgb, (r * strength, g * strength, b * strength))


def set_light(location: SceneBible, *, kelvin: float | None = None) -> SetLight:
    """The light for ``location``; ``kelvin`` overrides its colour temperature (a simulated lighting drift)."""
    period = period_of(location)
    entry = sets_table()["times"][period]
    interior = is_interior(location)
    palette = location.lighting_palette.lower()
    hard = any(has_word(palette, w) for w in ("hard", "harsh", "noir", "high contrast", "high-contrast", "chiaroscuro"))
    ambient = float(entry["ambient_interior" if interior else "ambient"]) * (0.85 if hard else 1.0)
    return SetLight(
        kelvin=float(kelvin if kelvin is not None else location.color_temperature_k),
        period=period,
        interior=interior,
        ambient=ambient,
        figure_ambient=float(entry["figure"]),
        sky_top=hex_rgb(entry["sky_top"]),
        sky_horizon=hex_rgb(entry["sky_horizon"]),
        sun=str(entry["sun"]),
        windows_lit=bool(entry["windows_lit"]),
        practicals=tuple(colors_in(location.lighting_palette)[:3]),
        hard=hard,
    )


@dataclass
class Pool:
    """A soft pool of light on the set, in plate pixels."""

    x: float
    y: float
    radius: float
    strength: float


def illumination(size: tuple[int, int], ambient: float, pools: list[Pool], *, hard: bool) -> np.ndarray:
    """Light level per plate pixel (H×W float32): the ambient level, a gentle vignette, and the pools.

    Computed on a coarse grid and smoothed up, because light is soft at this scale and the plate is big.
    """
    w, h = size
    gw, gh = max(w // 8, 2), max(h // 8, 2)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    xs = (xs + 0.5) * (w / gw)
    ys = (ys + 0.5) * (h / gh)
    r2 = ((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2
    level = ambient * (1.0 - 0.12 * r2)
    gain = 1.6 if hard else 1.0
    for pool in pools:
        if pool.radius <= 1:
            continue
        d2 = ((xs - pool.x) ** 2 + (ys - pool.y) ** 2) / (pool.radius**2)
        level = level + pool.strength * gain * np.exp(-d2 * 2.0)
    level = np.clip(level, 0.05, 1.6).astype(np.float32)
    return np.asarray(Image.fromarray(level, mode="F").resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)


def gray_balance(
    albedo: np.ndarray,
    level: np.ndarray,
    tint: tuple[float, float, float],
    region: tuple[int, int, int, int],
    exclude: list[tuple[float, float, float, float]],
    *,
    peak: float = 236.0,
    overlay: np.ndarray | None = None,
) -> tuple[float, float]:
    """Red and blue gains that make the brighter half of the framed set read as exactly the light's colour.

    A set painted in strong key colours would otherwise read as a different colour temperature than its light;
    this is what a colourist does when a scene's whites must stay white. ``region`` is the framed part of the
    plate, ``exclude`` the figures' plate boxes (the gates ignore those pixels too) and ``overlay`` the caption
    overlay over the frame (H×W RGBA, 0..255), composited as the viewer will see it. The selection mirrors how
    the lighting gate reads a frame: unclipped, not black, brighter half by luma.
    """
    x0, y0, x1, y1 = region
    step = 3
    sample = albedo[y0:y1:step, x0:x1:step].astype(np.float32) * level[y0:y1:step, x0:x1:step, None]
    mask = np.ones(sample.shape[:2], dtype=bool)
    for bx0, by0, bx1, by1 in exclude:
        rows = slice(max(int((by0 - y0) / step), 0), max(math.ceil((by1 - y0) / step), 0))
        cols = slice(max(int((bx0 - x0) / step), 0), max(math.ceil((bx1 - x0) / step), 0))
        mask[rows, cols] = False
    if mask.sum() <= 64:
        mask[:] = True
    pixels = sample[mask]
    if overlay is not None:
        over = overlay[::step, ::step][: sample.shape[0], : sample.shape[1]].astype(np.float32)
        if over.shape[:2] != sample.shape[:2]:
            over = np.zeros((*sample.shape[:2], 4), dtype=np.float32)
        alpha = over[..., 3][mask][:, None] / 255.0
        painted = over[..., :3][mask] * alpha
    else:
        alpha = np.zeros((len(pixels), 1), dtype=np.float32)
        painted = np.zeros_like(pixels)
    if len(pixels) < 16:
        return (1.0, 1.0)
    base = np.array(tint, dtype=np.float32)
    if base[2] < 0.02:  # candle light and below: no blue to balance against
        return (1.0, 1.0)
    gain_r = 1.0
    for _ in range(6):
        lit = pixels * base * np.array([gain_r, 1.0, 1.0 / gain_r], dtype=np.float32)
        top = float(np.percentile(lit.max(axis=1), 99.5))
        lit = lit * (min(1.0, peak / top) if top > 0 else 1.0)
        seen = lit * (1.0 - alpha) + painted
        usable = (seen.max(axis=1) < 250) & (seen.min(axis=1) > 4)
        if usable.sum() < 16:
            break
        luma = seen[usable] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        bright = seen[usable][luma >= np.percentile(luma, 50)]
        ratio = (float(bright[:, 0].mean()) + 0.5) / (float(bright[:, 2].mean()) + 0.5)
        gain_r *= math.sqrt((base[0] / base[2]) / ratio)
        gain_r = min(max(gain_r, 0.5), 2.0)
    return (gain_r, 1.0 / gain_r)
