"""Framing and camera moves for the previz renderer.

A shot is drawn once, as a *plate* a little larger than the frame; the camera is a zoom and a centre on that
plate that change frame by frame. The moves are written as ffmpeg expressions in the frame number ``n`` so
ffmpeg animates them without Python touching a frame, and the same expression strings are evaluated here to
know where each figure lands in the frame (the figure boxes in the clip's side file).

Units: the *world* is measured in figure heights (a standing figure is 1.0 tall, feet at y = 0, y up);
the plate in pixels (y down).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from backends.previz.palette import stable_rng
from domain.shot import CameraAngle, Movement, Shot, ShotType

FRAMING_PATH = Path(__file__).parent / "data" / "framing.toml"

PLATE_MARGIN = 1.32
"""Plate size over frame size: the room camera moves have before they run off the drawing."""


@cache
def framing_table() -> dict[str, Any]:
    """Shot-type framings, angle horizons and move sizes (``data/framing.toml``)."""
    with FRAMING_PATH.open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Projection:
    """World (figure heights, y up) → plate pixels (y down)."""

    scale: float
    origin_x: float
    origin_y: float

    def x(self, wx: float) -> float:
        return self.origin_x + wx * self.scale

    def y(self, wy: float) -> float:
        return self.origin_y - wy * self.scale

    def point(self, wx: float, wy: float) -> tuple[float, float]:
        return (self.x(wx), self.y(wy))

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """A world rectangle (any corner order) as a plate box (left, top, right, bottom)."""
        xs = sorted((self.x(x0), self.x(x1)))
        ys = sorted((self.y(y0), self.y(y1)))
        return (xs[0], ys[0], xs[1], ys[1])

    def length(self, w: float) -> float:
        return w * self.scale


def even(value: float) -> int:
    """``value`` rounded down to an even number of pixels (H.264 in yuv420p needs even sizes), at least 2."""
    return max(int(value) // 2 * 2, 2)


def framing_for(shot_type: ShotType, *, interior: bool) -> dict[str, float]:
    """How much of the world a shot type shows: ``view`` (world units the frame spans vertically) and the world
    height ``focus_y`` that sits ``focus_at`` of the way down the frame."""
    entry = dict(framing_table()["shot_types"][shot_type.value])
    if interior and "view_interior" in entry:
        entry["view"] = entry["view_interior"]
        entry["focus_y"] = entry.get("focus_y_interior", entry["focus_y"])
    return entry


def horizon_for(angle: CameraAngle, *, interior: bool) -> float:
    """World height of the set's horizon (exterior) or the wall's foot (interior) for a camera angle.

    A low camera sees the horizon drop toward the feet, a high one sees it rise above the heads; overhead sees
    only ground.
    """
    entry = framing_table()["angles"][angle.value]
    return float(entry["interior_floor_line" if interior else "horizon"])


def dutch_degrees(angle: CameraAngle) -> float:
    return float(framing_table()["angles"][angle.value].get("roll_deg", 0.0))


def _num(value: float) -> str:
    """A float as ffmpeg expression text: plain decimal, enough digits, never exponent notation."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _functions() -> dict[str, Any]:
    return {
        "sin": math.sin,
        "cos": math.cos,
        "clip": lambda x, lo, hi: min(max(x, lo), hi),
        "trunc": math.trunc,
        "min": min,
        "max": max,
        "PI": math.pi,
    }


@dataclass(frozen=True)
class CameraPath:
    """Zoom and plate-pixel centre of the camera as expressions in the frame number ``n``.

    The expressions use only + - * / ( ), sin, cos, clip, trunc, min, max and PI, so ffmpeg and Python
    evaluate the very same text.
    """

    zoom: str
    center_x: str
    center_y: str

    def at(self, n: int) -> tuple[float, float, float]:
        names = {"n": float(n), **_functions()}
        return (
            float(eval(self.zoom, {"__builtins__": {}}, names)),
            float(eval(self.center_x, {"__builtins__": {}}, names)),
            float(eval(self.center_y, {"__builtins__": {}}, names)),
        )

    def _scaled(self, plate: int) -> str:
        return f"trunc({plate}*({self.zoom})/2)*2"

    def _offset(self, center: str, size: int, plate: int) -> str:
        return f"clip(({center})*({self.zoom})-{size / 2:g},0,{self._scaled(plate)}-{size})"

    def crop(self, n: int, frame: tuple[int, int], plate: tuple[int, int]) -> tuple[float, float, float, float]:
        """(x, y, scaled plate width, scaled plate height) of frame ``n``: what the ffmpeg filter does."""
        names = {"n": float(n), **_functions()}
        values = [
            float(eval(expr, {"__builtins__": {}}, names))
            for expr in (
                self._offset(self.center_x, frame[0], plate[0]),
                self._offset(self.center_y, frame[1], plate[1]),
                self._scaled(plate[0]),
                self._scaled(plate[1]),
            )
        ]
        return (math.floor(values[0] / 2) * 2, math.floor(values[1] / 2) * 2, values[2], values[3])

    def ffmpeg_filter(self, frame: tuple[int, int], plate: tuple[int, int]) -> str:
        """The scale-then-crop filter chain that moves this camera over a looped plate."""
        width, height = frame
        return (
            f"scale=w='{self._scaled(plate[0])}':h='{self._scaled(plate[1])}':eval=frame:flags=bilinear,"
            f"crop={width}:{height}:x='{self._offset(self.center_x, width, plate[0])}'"
            f":y='{self._offset(self.center_y, height, plate[1])}'"
        )

    def to_frame(self, n: int, box: tuple[float, float, float, float], frame: tuple[int, int], plate: tuple[int, int]):
        """A plate box at frame ``n`` as a normalised (x, y, w, h) box clipped to the frame, or None if unseen."""
        x, y, scaled_w, scaled_h = self.crop(n, frame, plate)
        kx, ky = scaled_w / plate[0], scaled_h / plate[1]
        left = max((box[0] * kx - x) / frame[0], 0.0)
        top = max((box[1] * ky - y) / frame[1], 0.0)
        right = min((box[2] * kx - x) / frame[0], 1.0)
        bottom = min((box[3] * ky - y) / frame[1], 1.0)
        if right - left < 0.01 or bottom - top < 0.01:
            return None
        return (round(left, 4), round(top, 4), round(right - left, 4), round(bottom - top, 4))


def _ease(u: str) -> str:
    """Smoothstep in expression form: slow out, slow in."""
    return f"({u})*({u})*(3-2*({u}))"


def camera_path(
    shot: Shot,
    *,
    frames: int,
    fps: int,
    plate: tuple[int, int],
    frame: tuple[int, int],
    target: tuple[float, float],
    seed: int,
    frozen: bool = False,
) -> CameraPath:
    """The camera move for ``shot`` over ``frames`` frames.

    ``target`` is the plate point a push-in closes on (the subject's face). Pans, tilts and handheld shake are
    seeded by the shot id and the request seed, never by the clock. A static shot still drifts very slightly so
    a clip is never a frozen frame; ``frozen`` (a simulated fault) is the exception.
    """
    moves = framing_table()["movements"]
    pw, ph = plate
    cx0, cy0 = pw / 2, ph / 2
    rng = stable_rng("camera", shot.id, seed)
    sign = 1 if rng.random() < 0.5 else -1
    u = f"(n/{max(frames - 1, 1)})"
    e = _ease(u)
    if frozen:
        return CameraPath(zoom=_num(moves["static"]["zoom"]), center_x=_num(cx0), center_y=_num(cy0))

    def room(zoom: float, size: int, plate_size: int) -> float:
        """Half the distance the centre may travel at ``zoom`` without leaving the plate."""
        return max((plate_size * zoom - size) / (2 * zoom), 0.0)

    movement = shot.movement
    tx, ty = target
    if movement in (Movement.PUSH_IN, Movement.DOLLY, Movement.PULL_OUT, Movement.CRANE):
        spec = moves[movement.value]
        z0, z1 = float(spec["zoom_from"]), float(spec["zoom_to"])
        curve = e if spec.get("ease", True) else u
        zoom = f"({_num(z0)}+{_num(z1 - z0)}*{curve})"
        z_close = max(z0, z1)
        # close on the target as far as the plate allows at the tight end of the move
        lim_x, lim_y = room(z_close, frame[0], pw), room(z_close, frame[1], ph)
        end_x = cx0 + max(min(tx - cx0, lim_x), -lim_x) * float(spec.get("follow", 1.0))
        end_y = cy0 + max(min(ty - cy0, lim_y), -lim_y) * float(spec.get("follow", 1.0))
        rise = float(spec.get("rise", 0.0)) * frame[1]
        if z1 >= z0:  # closing in: start centred, end on the target
            center_x = f"({_num(cx0)}+{_num(end_x - cx0)}*{curve})"
            center_y = f"({_num(cy0 + rise)}+{_num(end_y - cy0 - rise)}*{curve})"
        else:  # opening out: start on the target, end centred
            center_x = f"({_num(end_x)}+{_num(cx0 - end_x)}*{curve})"
            center_y = f"({_num(end_y + rise)}+{_num(cy0 - end_y - rise)}*{curve})"
        return CameraPath(zoom=zoom, center_x=center_x, center_y=center_y)
    if movement in (Movement.PAN, Movement.TRACKING):
        spec = moves[movement.value]
        level = float(spec["zoom"])
        span = room(level, frame[0], pw) * float(spec["travel"])
        curve = e if spec.get("ease", True) else u
        center_x = f"({_num(cx0 - sign * span)}+{_num(2 * sign * span)}*{curve})"
        bob = float(spec.get("bob", 0.0)) * frame[1]
        center_y = _num(cy0) if bob == 0 else f"({_num(cy0)}+{_num(bob)}*sin(n*{_num(2 * math.pi * 1.6 / fps)}))"
        return CameraPath(zoom=_num(level), center_x=center_x, center_y=center_y)
    if movement == Movement.TILT:
        spec = moves["tilt"]
        level = float(spec["zoom"])
        span = room(level, frame[1], ph) * float(spec["travel"])
        center_y = f"({_num(cy0 + sign * span)}-{_num(2 * sign * span)}*{e})"
        return CameraPath(zoom=_num(level), center_x=_num(cx0), center_y=center_y)
    if movement == Movement.HANDHELD:
        spec = moves["handheld"]
        level = float(spec["zoom"])
        terms_x: list[str] = []
        terms_y: list[str] = []
        for terms, amplitude, size in (
            (terms_x, spec["amplitude_x"], frame[0]),
            (terms_y, spec["amplitude_y"], frame[1]),
        ):
            weights = [1.0, 0.55, 0.3]
            for weight, base_hz in zip(weights, (0.45, 1.3, 3.1), strict=True):
                hz = base_hz * (0.8 + 0.4 * rng.random())
                phase = rng.random() * 2 * math.pi
                amp = float(amplitude) * size * weight / sum(weights)
                terms.append(f"{_num(amp)}*sin(n*{_num(2 * math.pi * hz / fps)}+{_num(phase)})")
        return CameraPath(
            zoom=_num(level),
            center_x=f"({_num(cx0)}+{'+'.join(terms_x)})",
            center_y=f"({_num(cy0)}+{'+'.join(terms_y)})",
        )
    spec = moves["static"]
    drift_x = float(spec["drift"]) * frame[0] * sign
    drift_y = float(spec["drift"]) * frame[1] * (1 if rng.random() < 0.5 else -1) * 0.5
    zoom = f"({_num(spec['zoom'])}+{_num(spec['zoom_drift'])}*{u})"
    return CameraPath(
        zoom=zoom,
        center_x=f"({_num(cx0 - drift_x / 2)}+{_num(drift_x)}*{u})",
        center_y=f"({_num(cy0 - drift_y / 2)}+{_num(drift_y)}*{u})",
    )
