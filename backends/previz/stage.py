"""The set: a backdrop drawn from a location's bible, the same in every shot of that location.

A location's design (wall and floor colours, windows, doors, shelves, a skyline, trees or the sea) is seeded by
its ``location_id`` alone; each shot only sees a different part of it, from a different height. Surfaces are
painted with their own colours here; ``lighting`` lights them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from backends.previz.camera import Projection
from backends.previz.lighting import Pool, SetLight, is_interior, sets_table, words_text
from backends.previz.palette import RGB, color, has_word, hex_rgb, mix, scale, stable_rng
from domain.bibles import SceneBible

CEILING = 2.1
"""Height of an interior's ceiling above the foot of its back wall, in figure heights."""


@dataclass(frozen=True)
class Piece:
    """One thing on the set, in world units; interior pieces stand on the foot of the back wall."""

    kind: str
    x: float
    width: float
    bottom: float
    height: float
    color: RGB
    seed: int


@dataclass(frozen=True)
class SetDesign:
    location_id: str
    kind: str
    wall: RGB
    floor: RGB
    accent: RGB
    pieces: tuple[Piece, ...]

    @property
    def interior(self) -> bool:
        return self.kind == "interior"


def _exterior_kind(location: SceneBible) -> str:
    text = words_text(location)
    for kind, words in sets_table()["exteriors"].items():
        if any(has_word(text, w) for w in words):
            return str(kind)
    return "urban"


def design_for(location: SceneBible) -> SetDesign:
    """The location's set, seeded by its id: the same walls, windows and skyline in every shot."""
    table = sets_table()
    lid = location.location_id
    rng = stable_rng("set", lid)
    keys = [color(c, fallback_seed=f"{lid}:{c}") for c in location.key_colors if c.strip()]
    interior = is_interior(location)
    kind = "interior" if interior else _exterior_kind(location)
    seeded_wall = hex_rgb(rng.choice(table["defaults"]["wall"]))
    if interior:
        wall = mix(keys[0], (128, 128, 128), 0.35) if keys else seeded_wall
        floor = scale(keys[1], 0.7) if len(keys) > 1 else hex_rgb(rng.choice(table["defaults"]["floor"]))
    else:
        wall = mix(keys[0], (128, 128, 128), 0.5) if keys else seeded_wall
        floor = (
            mix(keys[1], hex_rgb(table["defaults"]["ground"][kind]), 0.5)
            if len(keys) > 1
            else hex_rgb(table["defaults"]["ground"][kind])
        )
    accent = keys[2] if len(keys) > 2 else (keys[0] if keys else scale(seeded_wall, 0.6))
    pieces = _interior_pieces(location, rng, wall, accent) if interior else _exterior_pieces(kind, rng, wall, keys)
    return SetDesign(location_id=lid, kind=kind, wall=wall, floor=floor, accent=accent, pieces=tuple(pieces))


def _interior_pieces(location: SceneBible, rng: Any, wall: RGB, accent: RGB) -> list[Piece]:
    text = words_text(location)
    weights = {
        kind: 1.0 + 3.0 * any(has_word(text, w) for w in words)
        for kind, words in sets_table()["interior_pieces"].items()
    }
    kinds = list(weights)
    slots = [-5.6 + 1.6 * i for i in range(8)]
    rng.shuffle(slots)
    chosen = ["window"]
    while len(chosen) < 6:
        pick = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        if pick == "counter" and "counter" in chosen:
            continue
        chosen.append(pick)
    pieces: list[Piece] = []
    for kind, x in zip(chosen, slots, strict=False):
        seed = rng.randrange(1 << 30)
        if kind == "window":
            pieces.append(Piece(kind, x, rng.uniform(0.8, 1.25), 0.6, rng.uniform(0.85, 1.15), scale(wall, 1.15), seed))
        elif kind == "door":
            pieces.append(Piece(kind, x, 0.55, 0.0, 1.25, scale(mix(wall, accent, 0.5), 0.7), seed))
        elif kind == "frame":
            pieces.append(
                Piece(kind, x, rng.uniform(0.35, 0.6), rng.uniform(0.95, 1.1), rng.uniform(0.3, 0.45), accent, seed)
            )
        elif kind == "shelf":
            pieces.append(
                Piece(kind, x, rng.uniform(0.8, 1.2), 0.0, 1.3, scale(mix(wall, (90, 60, 40), 0.6), 0.8), seed)
            )
        elif kind == "lamp":
            pieces.append(Piece(kind, x, 0.3, 0.0, 0.95, (60, 56, 52), seed))
        elif kind == "plant":
            pieces.append(Piece(kind, x, 0.4, 0.0, rng.uniform(0.5, 0.8), (70, 120, 70), seed))
        else:
            pieces.append(
                Piece(kind, x, rng.uniform(2.4, 3.6), 0.0, 0.55, scale(mix(accent, (110, 80, 60), 0.5), 0.85), seed)
            )
    return pieces


def _exterior_pieces(kind: str, rng: Any, wall: RGB, keys: list[RGB]) -> list[Piece]:
    pieces: list[Piece] = []
    x = -12.0
    tones = [wall, *[mix(k, (120, 120, 124), 0.6) for k in keys[:3]], scale(wall, 0.8), mix(wall, (150, 150, 160), 0.5)]
    while x < 12.0:
        seed = rng.randrange(1 << 30)
        if kind == "urban":
            width = rng.uniform(0.9, 2.4)
            pieces.append(Piece("building", x + width / 2, width, 0.0, rng.uniform(1.6, 6.5), rng.choice(tones), seed))
            x += width + rng.uniform(0.0, 0.25)
        elif kind == "nature":
            width = rng.uniform(0.7, 1.6)
            green = (rng.randint(50, 90), rng.randint(100, 150), rng.randint(50, 90))
            pieces.append(Piece("tree", x + width / 2, width, 0.0, rng.uniform(1.4, 3.6), green, seed))
            x += width * rng.uniform(0.6, 1.4)
        else:
            width = rng.uniform(3.0, 6.0)
            pieces.append(Piece("headland", x + width / 2, width, 0.0, rng.uniform(0.2, 0.7), scale(wall, 0.7), seed))
            x += width + rng.uniform(2.0, 6.0)
    if kind == "urban":
        for lamp_x in (-7.5, -3.5, 3.5, 7.5):
            pieces.append(
                Piece(
                    "streetlamp", lamp_x + rng.uniform(-0.4, 0.4), 0.1, 0.0, 1.9, (50, 52, 56), rng.randrange(1 << 30)
                )
            )
    return pieces


@dataclass
class Emissive:
    """A light source drawn after lighting (it is not lit, it shines): shape, plate coords, colour."""

    shape: str
    xy: tuple[float, float, float, float]
    rgb: RGB


def draw_set(
    albedo: Image.Image, proj: Projection, design: SetDesign, light: SetLight, horizon: float
) -> tuple[list[Emissive], list[Pool]]:
    """Paint the set's surfaces (unlit colours) onto ``albedo``; return its light sources and pools.

    ``horizon`` is the world height of the exterior horizon or of the interior wall's foot (camera angle).
    """
    draw = ImageDraw.Draw(albedo)
    w, h = albedo.size
    emissive: list[Emissive] = []
    pools: list[Pool] = []
    line_w = max(1, round(proj.length(0.006)))
    if design.interior:
        fl = horizon
        draw.rectangle((0, 0, w, h), fill=design.wall)
        ceiling_y = proj.y(fl + CEILING)
        if ceiling_y > 0:
            draw.rectangle((0, 0, w, ceiling_y), fill=mix(design.wall, (235, 232, 225), 0.35))
            draw.rectangle((0, ceiling_y - line_w * 2, w, ceiling_y), fill=scale(design.wall, 0.85))
        floor_y = proj.y(fl)
        if floor_y < h:
            _ground(albedo, proj, fl, scale(design.floor, 0.78), scale(design.floor, 1.12))
        for i in range(-24, 25):
            x_far = i * 0.45
            draw.line(
                [proj.point(x_far, fl), proj.point(x_far * 2.6, fl - 3.0)], fill=scale(design.floor, 0.82), width=line_w
            )
        draw.rectangle(proj.box(-50, fl, 50, fl + 0.05), fill=scale(design.wall, 0.7))
        for piece in design.pieces:
            _interior_piece(draw, proj, piece, fl, design, light, emissive, pools)
    else:
        hz_y = proj.y(horizon)
        _sky(albedo, hz_y, light)
        draw = ImageDraw.Draw(albedo)
        _sun(draw, proj, horizon, light, pools)
        for piece in design.pieces:
            _exterior_piece(draw, proj, piece, horizon, light, emissive, pools)
        if hz_y < h:
            _ground(
                albedo, proj, horizon, mix(scale(design.floor, 0.8), light.sky_horizon, 0.3), scale(design.floor, 1.12)
            )
        if design.kind == "water":
            draw.rectangle(proj.box(-50, horizon, 50, horizon - 0.35), fill=mix(light.sky_horizon, (40, 70, 110), 0.6))
            draw.rectangle(proj.box(-50, horizon - 0.35, 50, horizon - 0.38), fill=(235, 235, 230))
        elif design.kind == "urban":
            draw.rectangle(proj.box(-50, horizon - 0.12, 50, horizon - 0.15), fill=scale(design.floor, 1.35))
            for i in range(-20, 21):
                draw.rectangle(proj.box(i * 1.2, horizon - 0.6, i * 1.2 + 0.5, horizon - 0.63), fill=(220, 215, 190))
        else:
            for i in range(-30, 31):
                draw.line(
                    [proj.point(i * 0.7, horizon), proj.point(i * 1.9, horizon - 3)],
                    fill=scale(design.floor, 0.9),
                    width=line_w,
                )
    return emissive, pools


def _ground(albedo: Image.Image, proj: Projection, horizon: float, far: RGB, near: RGB) -> None:
    """The ground (or floor) below ``horizon``: hazy and dark far away, its own colour close to the camera.

    Graded by world distance below the horizon, so the same ground looks the same from every shot at an angle,
    and no large surface is one flat colour (which would make the light's colour hard to read).
    """
    w, h = albedo.size
    top = int(min(max(proj.y(horizon), 0), h))
    if top >= h:
        return
    rows = np.arange(top, h, dtype=np.float32)
    depth = np.maximum(horizon - (proj.origin_y - rows) / proj.scale, 0.0)
    t = (1.0 - np.exp(-depth / 1.8))[:, None]
    a, b = np.array(far, np.float32), np.array(near, np.float32)
    grad = np.clip(a + (b - a) * t, 0, 255).astype(np.uint8)[:, None, :]
    albedo.paste(Image.fromarray(np.broadcast_to(grad, (h - top, 1, 3)).copy()).resize((w, h - top)), (0, top))


def _sky(albedo: Image.Image, hz_y: float, light: SetLight) -> None:
    w, h = albedo.size
    bottom = int(min(max(hz_y, 0), h))
    if bottom <= 0:
        return
    rows = np.linspace(0.0, 1.0, bottom, dtype=np.float32)[:, None]
    top, low = np.array(light.sky_top, np.float32), np.array(light.sky_horizon, np.float32)
    grad = (top + (low - top) * rows**1.6).astype(np.uint8)[:, None, :]
    albedo.paste(Image.fromarray(np.broadcast_to(grad, (bottom, 1, 3)).copy()).resize((w, bottom)), (0, 0))


def _sun(draw: ImageDraw.ImageDraw, proj: Projection, horizon: float, light: SetLight, pools: list[Pool]) -> None:
    """A low sun or the moon, painted into the sky before anything that stands in front of it."""
    if light.sun == "moon":
        cx, cy, r, rgb = 2.6, horizon + 3.4, 0.22, (250, 250, 240)
    elif light.sun == "low":
        cx, cy, r, rgb = -3.0, horizon + 0.45, 0.5, (255, 244, 225)
    else:
        return
    draw.ellipse(proj.box(cx - r, cy - r, cx + r, cy + r), fill=rgb)
    px, py = proj.point(cx, cy)
    pools.append(Pool(px, py, proj.length(r * 2.2), 0.9 if light.sun == "moon" else 0.4))


def _interior_piece(
    draw: ImageDraw.ImageDraw,
    proj: Projection,
    piece: Piece,
    fl: float,
    design: SetDesign,
    light: SetLight,
    emissive: list[Emissive],
    pools: list[Pool],
) -> None:
    x0, x1 = piece.x - piece.width / 2, piece.x + piece.width / 2
    y0, y1 = fl + piece.bottom, fl + piece.bottom + piece.height
    rng = stable_rng("piece", piece.seed)
    trim = scale(design.wall, 0.72)
    if piece.kind == "window":
        draw.rectangle(proj.box(x0 - 0.04, y0 - 0.04, x1 + 0.04, y1 + 0.04), fill=trim)
        pane = light.sky_top if light.period == "night" else mix(light.sky_horizon, (255, 255, 255), 0.6)
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=pane)
        draw.rectangle(proj.box(piece.x - 0.015, y0, piece.x + 0.015, y1), fill=trim)
        draw.rectangle(proj.box(x0, (y0 + y1) / 2 - 0.015, x1, (y0 + y1) / 2 + 0.015), fill=trim)
        draw.rectangle(proj.box(x0 - 0.06, y0 - 0.06, x1 + 0.06, y0 - 0.02), fill=scale(trim, 1.2))
        cx, cy = proj.point(piece.x, (y0 + y1) / 2)
        pools.append(Pool(cx, cy, proj.length(piece.width * 1.4), 0.18 if light.period != "night" else 0.04))
    elif piece.kind == "door":
        draw.rectangle(proj.box(x0 - 0.04, y0, x1 + 0.04, y1 + 0.04), fill=trim)
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=piece.color)
        for top in (y1 - 0.08, (y0 + y1) / 2 - 0.06):
            draw.rectangle(
                proj.box(x0 + 0.07, top - 0.45 * (y1 - y0) / 1.25, x1 - 0.07, top),
                outline=scale(piece.color, 0.8),
                width=max(1, round(proj.length(0.008))),
            )
        draw.ellipse(proj.box(x1 - 0.09, (y0 + y1) / 2 - 0.02, x1 - 0.05, (y0 + y1) / 2 + 0.02), fill=(200, 180, 120))
    elif piece.kind == "frame":
        draw.rectangle(proj.box(x0 - 0.03, y0 - 0.03, x1 + 0.03, y1 + 0.03), fill=(60, 48, 36))
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=mix(piece.color, (230, 225, 210), 0.35))
        draw.ellipse(proj.box(x0 + 0.06, y0 + 0.06, x1 - 0.08, y1 - 0.05), fill=scale(piece.color, 0.8))
    elif piece.kind == "shelf":
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=piece.color)
        for level in range(5):
            sy = y0 + 0.05 + level * 0.25
            draw.rectangle(proj.box(x0 + 0.03, sy, x1 - 0.03, sy + 0.02), fill=scale(piece.color, 0.7))
            bx = x0 + 0.05
            while bx < x1 - 0.08:
                bw = rng.uniform(0.03, 0.07)
                tone = (rng.randint(60, 200), rng.randint(50, 160), rng.randint(40, 140))
                draw.rectangle(proj.box(bx, sy + 0.02, bx + bw, sy + rng.uniform(0.13, 0.21)), fill=tone)
                bx += bw + 0.008
    elif piece.kind == "lamp":
        draw.rectangle(proj.box(piece.x - 0.012, y0, piece.x + 0.012, y1 - 0.1), fill=piece.color)
        draw.ellipse(proj.box(piece.x - 0.1, y0 - 0.02, piece.x + 0.1, y0 + 0.02), fill=piece.color)
        shade = light.practicals[0] if light.practicals else (250, 244, 230)
        emissive.append(
            Emissive(
                "polygon",
                proj.box(piece.x - 0.14, y1 - 0.14, piece.x + 0.14, y1),
                light.emit(mix(shade, (255, 255, 255), 0.5)),
            )
        )
        lx, ly = proj.point(piece.x, y1 - 0.1)
        pools.append(Pool(lx, ly, proj.length(1.1), 0.35 if light.period in ("night", "dusk") else 0.15))
    elif piece.kind == "plant":
        draw.rectangle(proj.box(piece.x - 0.09, y0, piece.x + 0.09, y0 + 0.18), fill=(150, 90, 60))
        for _ in range(6):
            lx, ly = piece.x + rng.uniform(-0.16, 0.16), y0 + 0.18 + rng.uniform(0.05, piece.height - 0.15)
            draw.ellipse(
                proj.box(lx - 0.09, ly - 0.05, lx + 0.09, ly + 0.05),
                fill=mix(piece.color, (40, 90, 50), rng.random() * 0.5),
            )
    else:  # counter
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=piece.color)
        draw.rectangle(proj.box(x0 - 0.05, y1 - 0.04, x1 + 0.05, y1), fill=scale(piece.color, 1.3))
        for i in range(int(piece.width / 0.18)):
            bx = x0 + 0.1 + i * 0.18
            tone = design.accent if i % 3 == 0 else (180, 200, 190)
            draw.rectangle(proj.box(bx, y1, bx + 0.05, y1 + rng.uniform(0.12, 0.2)), fill=scale(tone, 0.9))
        for practical in light.practicals[:2]:
            if light.period in ("night", "dusk") or light.hard:
                nx = x0 + rng.uniform(0.2, piece.width - 0.6)
                emissive.append(
                    Emissive("outline", proj.box(nx, fl + 1.25, nx + 0.5, fl + 1.45), light.emit(practical))
                )


def _exterior_piece(
    draw: ImageDraw.ImageDraw,
    proj: Projection,
    piece: Piece,
    horizon: float,
    light: SetLight,
    emissive: list[Emissive],
    pools: list[Pool],
) -> None:
    x0, x1 = piece.x - piece.width / 2, piece.x + piece.width / 2
    y0, y1 = horizon, horizon + piece.height
    rng = stable_rng("piece", piece.seed)
    if piece.kind == "building":
        draw.rectangle(proj.box(x0, y0, x1, y1), fill=piece.color)
        draw.rectangle(proj.box(x0 - 0.03, y1 - 0.06, x1 + 0.03, y1), fill=scale(piece.color, 0.8))
        if proj.length(0.1) < 1.5:
            return
        lit_share = 0.45 if light.windows_lit else 0.0
        wy = y0 + 0.3
        while wy < y1 - 0.3:
            wx = x0 + 0.12
            while wx < x1 - 0.2:
                box = proj.box(wx, wy, wx + 0.1, wy + 0.14)
                if rng.random() < lit_share:
                    emissive.append(Emissive("rect", box, light.emit((255, 246, 230), 0.9)))
                else:
                    draw.rectangle(box, fill=mix(piece.color, light.sky_top, 0.5))
                wx += 0.22
            wy += 0.32
    elif piece.kind == "tree":
        trunk = (90, 64, 44)
        draw.rectangle(proj.box(piece.x - 0.06, y0, piece.x + 0.06, y0 + piece.height * 0.45), fill=trunk)
        for _ in range(4):
            cx = piece.x + rng.uniform(-0.3, 0.3) * piece.width
            cy = y0 + piece.height * rng.uniform(0.55, 0.85)
            r = piece.width * rng.uniform(0.35, 0.55)
            draw.ellipse(
                proj.box(cx - r, cy - r * 0.8, cx + r, cy + r * 0.8),
                fill=mix(piece.color, (30, 60, 30), rng.random() * 0.4),
            )
    elif piece.kind == "headland":
        pts = [
            proj.point(x0, y0),
            proj.point(piece.x - piece.width * 0.2, y1),
            proj.point(piece.x + piece.width * 0.15, y1 * 0.97 + y0 * 0.03),
            proj.point(x1, y0),
        ]
        draw.polygon(pts, fill=mix(piece.color, light.sky_horizon, 0.4))
    elif piece.kind == "streetlamp":
        base = horizon - 0.45
        draw.rectangle(proj.box(piece.x - 0.02, base, piece.x + 0.02, base + piece.height), fill=piece.color)
        draw.rectangle(
            proj.box(piece.x - 0.02, base + piece.height - 0.03, piece.x + 0.22, base + piece.height), fill=piece.color
        )
        if light.period in ("night", "dusk"):
            head = proj.box(piece.x + 0.1, base + piece.height - 0.08, piece.x + 0.24, base + piece.height - 0.03)
            emissive.append(Emissive("rect", head, light.emit((255, 250, 240))))
            px, py = proj.point(piece.x + 0.17, base + 0.2)
            pools.append(Pool(px, py, proj.length(1.3), 0.4))


def draw_emissive(image: Image.Image, items: list[Emissive], proj: Projection) -> None:
    """Light sources on top of the lit set."""
    draw = ImageDraw.Draw(image)
    width = max(1, round(proj.length(0.02)))
    for item in items:
        if item.shape == "ellipse":
            draw.ellipse(item.xy, fill=item.rgb)
        elif item.shape == "outline":
            draw.rounded_rectangle(item.xy, radius=max(1, width * 2), outline=item.rgb, width=width)
        elif item.shape == "polygon":
            x0, y0, x1, y1 = item.xy
            inset = (x1 - x0) * 0.22
            draw.polygon([(x0 + inset, y0), (x1 - inset, y0), (x1, y1), (x0, y1)], fill=item.rgb)
        else:
            draw.rectangle(item.xy, fill=item.rgb)
