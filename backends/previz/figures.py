"""Characters as stylised figures: a look derived from the bible alone, drawn the same way in every shot.

``look_for`` turns a ``CharacterLook`` into colours and shapes (hair colour and length, skin, outfit colours,
build, one face marker). Anything the bible leaves out is seeded by the character id, never by the shot, so
the same character is recognisable from the wide shot to the close-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from PIL import ImageDraw

from backends.previz.camera import Projection
from backends.previz.palette import (
    RGB,
    color,
    colors_in,
    has_word,
    hex_rgb,
    hue_shift,
    lexicon,
    lookup_word,
    mix,
    scale,
    stable_rng,
)
from domain.production import CharacterLook
from domain.shot import Shot, ShotType

Light = Callable[[RGB], RGB]
"""A surface colour → the colour it shows under the shot's light."""

HEAD_Y = 0.905
EYE_DX = 0.021
HALF_WIDTH = 0.165
"""Half a figure's width (arms included) at build 1.0, in figure heights."""

_CLOTHES = ["#2f4a7a", "#7a2f3a", "#3f6b4a", "#6b5a3f", "#4a3f6b", "#2f6b6b", "#8a5a2f", "#5a5a5a", "#b08a3a"]
_TROUSERS = ["#2a2a30", "#3a3530", "#2f3a4a", "#4a4540", "#1f2630"]


@dataclass(frozen=True)
class Look:
    """Everything that decides how a character is drawn."""

    character_id: str
    name: str
    skin: RGB
    hair: RGB
    hair_style: str
    eyes: RGB
    torso: RGB
    legs: RGB
    accent: RGB | None
    build: float
    marker: str

    def as_meta(self) -> dict[str, object]:
        return {
            "hair": list(self.hair),
            "hair_style": self.hair_style,
            "torso": list(self.torso),
            "legs": list(self.legs),
            "skin": list(self.skin),
            "marker": self.marker,
            "build": self.build,
        }


def _hair_style(text: str, rng_pick: str) -> str:
    for entry in lexicon()["hair"]["styles"]:
        if any(has_word(text, word) for word in entry["words"]):
            return str(entry["style"])
    return rng_pick


def _build(text: str) -> float:
    for entry in lexicon()["builds"]:
        if any(has_word(text, word) for word in entry["words"]):
            return float(entry["width"])
    return 1.0


def _marker(text: str, rng_pick: str) -> str:
    markers: dict[str, list[str]] = lexicon()["markers"]
    for marker, words in markers.items():
        if marker != "seeded" and any(has_word(text, word) for word in words):
            return marker
    return rng_pick


def look_for(character: CharacterLook) -> Look:
    """The figure for a character, from its bible slice alone (seeded by ``character_id`` where it is silent)."""
    cid = character.character_id
    rng = stable_rng("look", cid)
    seeded_style = rng.choice(["short", "long", "bob", "ponytail", "short", "long"])
    seeded_hair = hex_rgb(rng.choice(["#1b1818", "#33211a", "#4a3121", "#7a5638", "#d8b56a", "#8e3b1f"]))
    seeded_skin = hex_rgb(rng.choice(lexicon()["skin_defaults"]["tones"]))
    seeded_marker = rng.choice(lexicon()["markers"]["seeded"])
    seeded_torso = hex_rgb(rng.choice(_CLOTHES))
    seeded_legs = hex_rgb(rng.choice(_TROUSERS))
    seeded_eyes = hex_rgb(rng.choice(["#5a3a22", "#4f7fc0", "#4f9a5f", "#8a6a3a", "#2e2018"]))

    appearance = character.appearance
    hair_text = appearance.hair
    face_text = " ".join([appearance.face, *appearance.distinguishing])
    hair = lookup_word(hair_text, lexicon()["hair"]["colors"]) or seeded_hair
    skin = lookup_word(appearance.skin_tone, lexicon()["skin"]) or seeded_skin
    eyes = lookup_word(appearance.face, lexicon()["eyes"]) or seeded_eyes

    torso, legs, accent = seeded_torso, seeded_legs, None
    outfit = character.outfit
    if outfit is not None:
        named = [color(c, fallback_seed=f"{cid}:{c}") for c in outfit.colors if c.strip()]
        if not named:
            named = colors_in(outfit.description)
        if named:
            torso = named[0]
            legs = named[1] if len(named) > 1 else scale(mix(named[0], (40, 40, 46), 0.55), 0.8)
            accent = named[2] if len(named) > 2 else None
    return Look(
        character_id=cid,
        name=character.name,
        skin=skin,
        hair=hair,
        hair_style=_hair_style(hair_text, seeded_style),
        eyes=eyes,
        torso=torso,
        legs=legs,
        accent=accent,
        build=_build(appearance.build),
        marker=_marker(face_text, seeded_marker),
    )


def drifted(look: Look, seed: int) -> Look:
    """The same character as a model that lost track of it draws it: other clothes, other hair."""
    rng = stable_rng("drift", look.character_id, seed)
    torso = hue_shift(look.torso, 0.33 + 0.34 * rng.random(), value=0.35 + 0.5 * rng.random())
    styles = [s for s in ("short", "long", "bob", "ponytail", "buzz") if s != look.hair_style]
    hair_choices = [c for c in ("#1b1818", "#d8b56a", "#8e3b1f", "#c4c4cc", "#e07aa8") if hex_rgb(c) != look.hair]
    return replace(
        look,
        torso=torso,
        legs=hue_shift(look.legs, 0.5, value=0.3 + 0.4 * rng.random()),
        hair=hex_rgb(rng.choice(hair_choices)),
        hair_style=rng.choice(styles),
    )


@dataclass(frozen=True)
class Cast:
    """Who is in a shot and how: standing figures (left to right), the one the camera favours, the shoulder in
    front of the lens (OTS) and whose eyes we look through (POV, not drawn)."""

    drawn: tuple[str, ...]
    subject: str | None
    foreground: str | None = None
    viewer: str | None = None


def cast_for(shot: Shot) -> Cast:
    """Blocking from the shot alone: the subject is the first speaker in frame, else the first character."""
    people = list(dict.fromkeys(shot.characters))
    if shot.shot_type == ShotType.INSERT or not people:
        return Cast(drawn=(), subject=None)
    speaker = next((line.character for line in shot.dialogue if line.character in people), None)
    if shot.shot_type == ShotType.POV and len(people) >= 2:
        viewer, seen = people[0], people[1:]
        subject = speaker if speaker in seen else seen[0]
        return Cast(drawn=tuple(seen), subject=subject, viewer=viewer)
    subject = speaker or people[0]
    if shot.shot_type == ShotType.OTS and len(people) >= 2:
        foreground = next(p for p in people if p != subject)
        return Cast(drawn=tuple(p for p in people if p != foreground), subject=subject, foreground=foreground)
    return Cast(drawn=tuple(people), subject=subject)


class _Pen:
    """Draws world shapes of one figure standing at ``x0`` onto a plate."""

    def __init__(self, draw: ImageDraw.ImageDraw, proj: Projection, x0: float, light: Light) -> None:
        self.draw, self.proj, self.x0, self.light = draw, proj, x0, light

    def p(self, x: float, y: float) -> tuple[float, float]:
        return self.proj.point(self.x0 + x, y)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float, fill: RGB, outline: RGB | None = None) -> None:
        box = self.proj.box(self.x0 + cx - rx, cy - ry, self.x0 + cx + rx, cy + ry)
        width = max(1, round(self.proj.length(0.003))) if outline else 0
        self.draw.ellipse(box, fill=self.light(fill), outline=self.light(outline) if outline else None, width=width)

    def ring(self, cx: float, cy: float, r: float, outline: RGB, width: float) -> None:
        box = self.proj.box(self.x0 + cx - r, cy - r, self.x0 + cx + r, cy + r)
        self.draw.ellipse(box, outline=self.light(outline), width=max(1, round(self.proj.length(width))))

    def poly(self, points: list[tuple[float, float]], fill: RGB) -> None:
        self.draw.polygon([self.p(x, y) for x, y in points], fill=self.light(fill))

    def line(self, points: list[tuple[float, float]], fill: RGB, width: float) -> None:
        self.draw.line(
            [self.p(x, y) for x, y in points], fill=self.light(fill), width=max(1, round(self.proj.length(width)))
        )

    def chord_top(self, cx: float, cy: float, rx: float, ry: float, fill: RGB) -> None:
        box = self.proj.box(self.x0 + cx - rx, cy - ry, self.x0 + cx + rx, cy + ry)
        self.draw.chord(box, 180, 360, fill=self.light(fill))


def figure_box(look: Look, x0: float) -> tuple[float, float, float, float]:
    """The world rectangle (x0, y0, x1, y1) a figure standing at ``x0`` occupies, arms and hair included."""
    half = HALF_WIDTH * look.build
    return (x0 - half, 0.0, x0 + half, 1.0)


def draw_figure(draw: ImageDraw.ImageDraw, proj: Projection, look: Look, x0: float, light: Light) -> None:
    """A standing figure facing the camera, feet at world y = 0, centred on ``x0``."""
    pen = _Pen(draw, proj, x0, light)
    b = look.build
    shade = scale(look.torso, 0.78)
    shoe = (34, 30, 30)
    _back_hair(pen, look)
    # legs and shoes
    pen.poly([(-0.078 * b, 0.48), (-0.008, 0.48), (-0.012, 0.03), (-0.07 * b, 0.03)], look.legs)
    pen.poly([(0.008, 0.48), (0.078 * b, 0.48), (0.07 * b, 0.03), (0.012, 0.03)], look.legs)
    pen.poly([(-0.08 * b, 0.035), (-0.008, 0.035), (-0.006, 0.0), (-0.09 * b, 0.0)], shoe)
    pen.poly([(0.008, 0.035), (0.08 * b, 0.035), (0.09 * b, 0.0), (0.006, 0.0)], shoe)
    # arms (sleeves) behind the torso edge, hands below
    for side in (-1, 1):
        pen.poly(
            [(side * 0.118 * b, 0.815), (side * 0.162 * b, 0.79), (side * 0.152 * b, 0.5), (side * 0.112 * b, 0.5)],
            shade,
        )
        pen.ellipse(side * 0.133 * b, 0.47, 0.022, 0.03, look.skin)
    # torso, with a belt in the legs' colour and an accent (scarf, tie) if the outfit has a third colour
    pen.poly(
        [
            (-0.125 * b, 0.815),
            (0.125 * b, 0.815),
            (0.1 * b, 0.5),
            (0.102 * b, 0.46),
            (-0.102 * b, 0.46),
            (-0.1 * b, 0.5),
        ],
        look.torso,
    )
    pen.poly([(-0.102 * b, 0.5), (0.102 * b, 0.5), (0.102 * b, 0.47), (-0.102 * b, 0.47)], scale(look.legs, 0.8))
    pen.poly([(-0.03, 0.815), (0.03, 0.815), (0.0, 0.765)], look.skin)
    if look.accent is not None:
        pen.poly([(-0.012, 0.8), (0.012, 0.8), (0.016, 0.62), (0.0, 0.6), (-0.016, 0.62)], look.accent)
    # neck, ears, head
    pen.poly([(-0.022, 0.86), (0.022, 0.86), (0.024, 0.81), (-0.024, 0.81)], scale(look.skin, 0.88))
    pen.ellipse(-0.052, HEAD_Y, 0.009, 0.016, scale(look.skin, 0.92))
    pen.ellipse(0.052, HEAD_Y, 0.009, 0.016, scale(look.skin, 0.92))
    pen.ellipse(0.0, HEAD_Y, 0.052, 0.066, look.skin)
    _face(pen, look)
    _top_hair(pen, look)
    _marker_after_hair(pen, look)


def _back_hair(pen: _Pen, look: Look) -> None:
    hair = look.hair
    if look.hair_style == "long":
        pen.poly([(-0.066, 0.93), (0.066, 0.93), (0.074, 0.74), (0.05, 0.72), (-0.05, 0.72), (-0.074, 0.74)], hair)
    elif look.hair_style == "bob":
        pen.poly([(-0.064, 0.93), (0.064, 0.93), (0.068, 0.85), (-0.068, 0.85)], hair)
    elif look.hair_style == "ponytail":
        pen.ellipse(0.062, 0.9, 0.022, 0.05, hair)


def _top_hair(pen: _Pen, look: Look) -> None:
    hair = look.hair
    style = look.hair_style
    if style == "bald":
        return
    if style == "buzz":
        pen.chord_top(0.0, 0.918, 0.054, 0.056, mix(hair, look.skin, 0.35))
        return
    pen.chord_top(0.0, 0.925, 0.058, 0.062, hair)
    if style in ("long", "bob"):
        pen.poly([(-0.058, 0.925), (-0.046, 0.93), (-0.048, 0.855), (-0.06, 0.86)], hair)
        pen.poly([(0.058, 0.925), (0.046, 0.93), (0.048, 0.855), (0.06, 0.86)], hair)
    pen.poly([(-0.05, 0.93), (0.05, 0.93), (0.03, 0.938), (0.0, 0.94), (-0.02, 0.94)], hair)


def _face(pen: _Pen, look: Look) -> None:
    if pen.proj.length(0.009) < 1.2:
        return
    brow = scale(look.hair, 0.8) if look.hair_style != "bald" else scale(look.skin, 0.6)
    for side in (-1, 1):
        pen.ellipse(side * EYE_DX, HEAD_Y, 0.0095, 0.0058, (244, 242, 238))
        pen.ellipse(side * EYE_DX, HEAD_Y, 0.0048, 0.0048, look.eyes)
        pen.ellipse(side * EYE_DX, HEAD_Y, 0.0022, 0.0022, (12, 10, 10))
        pen.ellipse(side * EYE_DX + 0.0015, HEAD_Y + 0.0016, 0.0008, 0.0008, (250, 250, 250))
        pen.line([(side * 0.011, HEAD_Y + 0.013), (side * 0.031, HEAD_Y + 0.014)], brow, 0.0025)
    pen.ellipse(0.0, 0.884, 0.0075, 0.0035, scale(look.skin, 0.86))
    pen.ellipse(0.0, 0.887, 0.0045, 0.0025, scale(look.skin, 0.95))
    lips = mix(scale(look.skin, 0.72), (160, 50, 60), 0.35)
    pen.ellipse(0.0, 0.868, 0.013, 0.0042, lips)
    marker = look.marker
    if marker == "freckles":
        for dx, dy in (
            (-0.026, 0.888),
            (-0.018, 0.884),
            (-0.022, 0.879),
            (0.026, 0.888),
            (0.018, 0.884),
            (0.022, 0.879),
        ):
            pen.ellipse(dx, dy, 0.0016, 0.0016, scale(look.skin, 0.62))
    elif marker == "mole":
        pen.ellipse(-0.024, 0.872, 0.0028, 0.0028, (40, 26, 22))
    elif marker == "scar":
        pen.line([(0.022, 0.922), (0.03, 0.898), (0.036, 0.878)], (150, 60, 60), 0.0035)
    elif marker == "tattoo":
        pen.poly([(0.012, 0.84), (0.02, 0.835), (0.018, 0.822), (0.008, 0.826)], (40, 60, 110))
    elif marker == "beard":
        pen.poly(
            [
                (-0.05, 0.895),
                (-0.04, 0.86),
                (-0.018, 0.838),
                (0.018, 0.838),
                (0.04, 0.86),
                (0.05, 0.895),
                (0.038, 0.872),
                (-0.038, 0.872),
            ],
            look.hair,
        )
        pen.ellipse(0.0, 0.874, 0.016, 0.0035, look.hair)
    elif marker == "moustache":
        pen.poly(
            [(-0.018, 0.876), (0.0, 0.88), (0.018, 0.876), (0.016, 0.871), (0.0, 0.874), (-0.016, 0.871)], look.hair
        )


def _marker_after_hair(pen: _Pen, look: Look) -> None:
    marker = look.marker
    if marker == "glasses":
        frame = (28, 26, 30)
        for side in (-1, 1):
            pen.ring(side * EYE_DX, HEAD_Y, 0.0145, frame, 0.0028)
        pen.line([(-0.0065, HEAD_Y + 0.002), (0.0065, HEAD_Y + 0.002)], frame, 0.0025)
        pen.line([(-0.0355, HEAD_Y + 0.002), (-0.052, HEAD_Y + 0.006)], frame, 0.0025)
        pen.line([(0.0355, HEAD_Y + 0.002), (0.052, HEAD_Y + 0.006)], frame, 0.0025)
    elif marker == "earrings":
        for side in (-1, 1):
            pen.ellipse(side * 0.054, 0.888, 0.0045, 0.0045, (214, 178, 60))
    elif marker == "eyepatch":
        pen.line([(-0.055, 0.93), (0.055, 0.9)], (20, 18, 18), 0.003)
        pen.ellipse(EYE_DX, HEAD_Y, 0.015, 0.012, (20, 18, 18))


def draw_back(
    draw: ImageDraw.ImageDraw, proj: Projection, look: Look, x0: float, light: Light, side: float = 1.0
) -> None:
    """The back of a figure's head and its shoulder, for the foreground of an over-the-shoulder shot.

    ``side`` is the frame edge the figure is at (+1 right, -1 left); the shoulder slopes away from it.
    """
    pen = _Pen(draw, proj, x0, light)
    b = look.build
    pen.ellipse(side * 0.05 * b, 0.7, 0.2 * b, 0.11, look.torso)
    pen.poly([(-0.026, 0.86), (0.026, 0.86), (0.03, 0.76), (-0.03, 0.76)], scale(look.skin, 0.8))
    head = look.skin if look.hair_style == "bald" else look.hair
    pen.ellipse(0.0, HEAD_Y, 0.054, 0.068, head)
    if look.hair_style == "long":
        pen.poly([(-0.062, 0.92), (0.062, 0.92), (0.07, 0.77), (-0.07, 0.77)], look.hair)
