"""The plate: one drawing of a shot, a little larger than the frame, that the camera then moves over.

Everything comes from the generation request: the set and its light from the location bible, the figures from
the character bibles, the framing from the shot type, the horizon from the camera angle. The plate also knows
where each figure stands, which becomes the figure boxes of the clip's side file.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from backends.previz.camera import (
    PLATE_MARGIN,
    CameraPath,
    Projection,
    camera_path,
    dutch_degrees,
    even,
    framing_for,
    horizon_for,
)
from backends.previz.captions import font_size, load_font, wrap
from backends.previz.figures import (
    Cast,
    Light,
    Look,
    cast_for,
    draw_back,
    draw_figure,
    drifted,
    figure_box,
    look_for,
)
from backends.previz.lighting import Pool, SetLight, gray_balance, illumination, set_light
from backends.previz.palette import RGB, mix, scale
from backends.previz.simulation import Fault
from backends.previz.stage import design_for, draw_emissive, draw_set
from domain.production import CharacterLook, GenerationRequest
from domain.shot import CameraAngle, ShotType

SPACING = 0.34
"""Distance between neighbouring figures, in figure heights."""

EXPOSURE_PEAK = 236.0
"""The level the brightest lit surfaces are exposed to (out of 255)."""

_WIDE = (ShotType.ELS, ShotType.LS, ShotType.MLS)
_CENTRED_ON_SUBJECT = (ShotType.MCU, ShotType.CU, ShotType.ECU)
_BACKGROUND_BLUR = {ShotType.ECU: 10, ShotType.CU: 6, ShotType.MCU: 4, ShotType.OTS: 5, ShotType.MS: 2, ShotType.POV: 2}


@dataclass
class Plate:
    """The drawn shot before the camera moves over it."""

    image: Image.Image
    camera: CameraPath
    frames: int
    boxes: dict[str, tuple[str, tuple[float, float, float, float]]] = field(default_factory=dict)
    looks: dict[str, Look] = field(default_factory=dict)
    light: SetLight | None = None
    ids: Image.Image | None = None
    """Which figure each plate pixel shows (0: the set; see ``figure_ids``), drawn like the image: the mattes."""
    figure_ids: dict[str, int] = field(default_factory=dict)


def _character(request: GenerationRequest, character_id: str) -> CharacterLook:
    for character in request.context.characters:
        if character.character_id == character_id:
            return character
    return CharacterLook(character_id=character_id, name=character_id.replace("-", " ").title())


def _looks(request: GenerationRequest, cast: Cast, faults: Sequence[Fault]) -> dict[str, Look]:
    ids = [*cast.drawn, *([cast.foreground] if cast.foreground else [])]
    looks = {cid: look_for(_character(request, cid)) for cid in ids}
    for fault in faults:
        if fault.kind == "character_drift" and fault.character_id in looks:
            looks[fault.character_id] = drifted(looks[fault.character_id], fault.seed)
    return looks


@dataclass(frozen=True)
class _Blocking:
    """Where the figures stand (world x) and where the camera looks from, for one shot."""

    positions: dict[str, float]
    subject_x: float
    side: float
    proj: Projection


def _block(
    request: GenerationRequest,
    cast: Cast,
    looks: dict[str, Look],
    plate: tuple[int, int],
    frame: tuple[int, int],
    interior: bool,
) -> _Blocking:
    """Stand the figures in a row and frame them by shot type: wide shots hold the group, tight ones the subject,
    an over-the-shoulder puts the subject a third across, away from the listener's shoulder."""
    shot = request.shot
    width, height = frame
    positions = {cid: (i - (len(cast.drawn) - 1) / 2) * SPACING for i, cid in enumerate(cast.drawn)}
    subject_x = positions.get(cast.subject or "", 0.0)
    framing = framing_for(shot.shot_type, interior=interior)
    view = float(framing["view"])
    if shot.shot_type in _WIDE and cast.drawn:
        group = (max(positions.values()) - min(positions.values())) + 2 * 0.17 * max(lk.build for lk in looks.values())
        view = max(view, group / (width / height) / 0.9)
    side = 1.0
    if shot.shot_type in _CENTRED_ON_SUBJECT:
        center_x = subject_x
    elif shot.shot_type == ShotType.OTS:
        people = list(shot.characters)
        if cast.foreground and cast.subject and people.index(cast.subject) > people.index(cast.foreground):
            side = -1.0
        center_x = subject_x + side * 0.07
    elif positions and shot.shot_type in _WIDE:
        center_x = (max(positions.values()) + min(positions.values())) / 2
    elif positions:  # MS, POV: favour the subject, keep a partner half in frame
        group_center = (max(positions.values()) + min(positions.values())) / 2
        center_x = subject_x + 0.35 * (group_center - subject_x)
    else:
        center_x = 0.0
    center_y = float(framing["focus_y"]) - view / 2 + float(framing["focus_at"]) * view
    scale_px = height / view
    proj = Projection(scale_px, plate[0] / 2 - center_x * scale_px, plate[1] / 2 + center_y * scale_px)
    return _Blocking(positions=positions, subject_x=subject_x, side=side, proj=proj)


def _lit_set(
    source: np.ndarray,
    level: np.ndarray,
    light: SetLight,
    gain_r: float,
    region: tuple[int, int, int, int],
    emissive: list[Any],
    proj: Projection,
    blur: int,
) -> Image.Image:
    """The painted set under its light with red/blue balance ``gain_r``: level, colour temperature, exposure,
    then the practical lights on top and the lens's shallow focus."""
    lr, lg, lb = light.factors
    lit = source.astype(np.float32) * level[:, :, None] * np.array([lr * gain_r, lg, lb / gain_r], dtype=np.float32)
    image = Image.fromarray(np.clip(lit * _exposure(lit, region), 0, 255).astype(np.uint8), "RGB")
    draw_emissive(image, emissive, proj)
    if blur > 1:
        image = image.reduce(blur).resize(image.size, Image.Resampling.BILINEAR)
    return image


def _balanced_set(
    albedo: Image.Image,
    light: SetLight,
    pools: list[Pool],
    emissive: list[Any],
    proj: Projection,
    blur: int,
    seen: _Seen,
) -> Image.Image:
    """The lit set, colour-balanced so that what the lighting gate reads off the finished frame is the light's
    colour temperature: the brighter half of the set it sees (outside the figures' outlines, between the
    caption bands, practical lights and focus included, rolled for a dutch angle) has the light's red/blue.

    A set painted in strong key colours would otherwise read as a different temperature than its light; this is
    what a colourist does when a scene's whites must stay white. Starts from the albedo's balance
    (``gray_balance``) and refines it on the rendered set a few times.
    """
    level = illumination(albedo.size, light.ambient, pools, hard=light.hard)
    source = np.asarray(albedo, dtype=np.uint8)
    target = math.log(light.factors[0] / max(light.factors[2], 1e-6))
    gain_r, _ = gray_balance(source, level, light.factors, seen.region, seen.figure_boxes, peak=EXPOSURE_PEAK)
    image = _lit_set(source, level, light, gain_r, seen.region, emissive, proj, blur)
    if light.factors[2] < 0.02:  # candle light and below: no blue to balance against
        return image
    for _ in range(4):
        ratio = seen.red_over_blue(image)
        if ratio is None or abs(math.log(ratio) - target) < 0.01:
            break
        gain_r = min(max(gain_r * math.exp((target - math.log(ratio)) / 2), 0.5), 2.0)
        image = _lit_set(source, level, light, gain_r, seen.region, emissive, proj, blur)
    return image


@dataclass
class _Seen:
    """Which plate pixels the lighting gate will read as set: inside the framed region, between the caption
    bands, outside every figure's outline; rolled like the plate for a dutch angle."""

    region: tuple[int, int, int, int]
    figure_boxes: list[tuple[float, float, float, float]]
    covered: Image.Image
    roll: float = 0.0

    def red_over_blue(self, image: Image.Image) -> float | None:
        """Red/blue of the bright half of the usable set pixels (as ``tools.gates.lighting`` reads them)."""
        if self.roll:
            fill = tuple(int(v) for v in np.asarray(image)[image.size[1] // 2, 0])
            image = image.rotate(self.roll, resample=Image.Resampling.BILINEAR, fillcolor=fill)
        x0, y0, x1, y1 = self.region
        if x1 - x0 < 4 or y1 - y0 < 4:
            return None
        step = max(1, (y1 - y0) // 256)
        pixels = np.asarray(image)[y0:y1:step, x0:x1:step].reshape(-1, 3).astype(np.float32)
        hidden = np.asarray(self.covered)[y0:y1:step, x0:x1:step].reshape(-1) > 0
        pixels = pixels[~hidden]
        usable = pixels[(pixels.max(axis=1) < 250) & (pixels.min(axis=1) > 4)]
        if len(usable) < 16:
            return None
        luma = usable @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        bright = usable[luma >= np.percentile(luma, 50)]
        return (float(bright[:, 0].mean()) + 0.5) / (float(bright[:, 2].mean()) + 0.5)


def compose_plate(
    request: GenerationRequest,
    frame: tuple[int, int],
    faults: Sequence[Fault] = (),
    *,
    fps: int = 24,
    bands: tuple[int, int] = (0, 0),
) -> Plate:
    """Draw the shot (set, light, figures, foreground, vignette, roll) and plan the camera move over it.

    ``bands`` are the heights (frame pixels) of the caption bands that will lie over the top and bottom of the
    frame: the set's colour balance is measured where the lighting gate reads it, between them, halfway
    through the move.
    """
    shot = request.shot
    width, height = frame
    plate_w, plate_h = even(math.ceil(width * PLATE_MARGIN)), even(math.ceil(height * PLATE_MARGIN))
    design = design_for(request.context.location)
    kelvin = next((f.kelvin_to for f in faults if f.kind == "lighting_drift"), None)
    light = set_light(request.context.location, kelvin=kelvin)
    cast = cast_for(shot)
    looks = _looks(request, cast, faults)
    blocking = _block(request, cast, looks, (plate_w, plate_h), frame, design.interior)
    proj, positions = blocking.proj, blocking.positions

    albedo = Image.new("RGB", (plate_w, plate_h), design.wall)
    if shot.shot_type == ShotType.INSERT:
        emissive, pools = _draw_insert(albedo, proj, request, design.floor)
        face = proj.point(0.0, 0.5)
    else:
        horizon = horizon_for(shot.camera_angle, interior=design.interior)
        emissive, pools = draw_set(albedo, proj, design, light, horizon)
        face = proj.point(blocking.subject_x, 0.9) if cast.subject else (plate_w / 2, plate_h / 2)
    boxes = {
        cid: ("subject" if cid == cast.subject else "figure", proj.box(*figure_box(looks[cid], x)))
        for cid, x in positions.items()
    }
    if design.interior and cast.subject:  # the key light on the subject spills onto the wall behind
        pools.append(Pool(face[0], face[1] - proj.length(0.25), proj.length(0.9), 0.22))
    if shot.shot_type in _WIDE:
        floor = ImageDraw.Draw(albedo)
        for cid, x in positions.items():
            half = 0.2 * looks[cid].build
            floor.ellipse(proj.box(x - half, -0.025, x + half, 0.025), fill=scale(design.floor, 0.55))

    roll = dutch_degrees(shot.camera_angle) if shot.camera_angle == CameraAngle.DUTCH else 0.0
    center = (plate_w / 2, plate_h / 2)
    frames = frame_count(request.duration_s, fps)
    camera = camera_path(
        shot,
        frames=frames,
        fps=fps,
        plate=(plate_w, plate_h),
        frame=frame,
        target=_rotated_point(face, roll, center) if roll else face,
        seed=request.seed,
        frozen=any(f.kind == "frozen" for f in faults),
    )
    # Who stands where, pixel by pixel (the mattes), before anything is lit: the set's balance leaves them out.
    ids = Image.new("RGB", (plate_w, plate_h), (0, 0, 0))
    id_draw = ImageDraw.Draw(ids)
    figure_ids: dict[str, int] = {}
    order = sorted(positions, key=lambda cid: cid == cast.subject)  # the subject in front
    for cid in order:
        figure_ids[cid] = len(figure_ids) + 1
        draw_figure(id_draw, proj, looks[cid], positions[cid], _id_paint(figure_ids[cid]))
    shoulder = None
    if shot.shot_type == ShotType.OTS:
        shoulder, fg_box = _foreground_shoulder(
            (plate_w, plate_h), proj, looks.get(cast.foreground or ""), blocking.side, light, blocking.subject_x
        )
        ids.paste((FOREGROUND_ID,) * 3, (0, 0, plate_w, plate_h), _solid(shoulder))
        if cast.foreground:
            boxes[cast.foreground] = ("foreground", fg_box)
    if roll:
        ids = ids.rotate(roll, resample=Image.Resampling.NEAREST, fillcolor=(0, 0, 0))
    seen = _Seen(
        region=_framed(camera, (frames - 1) // 2, frame, (plate_w, plate_h), bands),
        figure_boxes=[b for _, b in boxes.values()],
        # the standing figures (the gate reads the soft, dark foreground shoulder as set, as it sees it)
        covered=ids.getchannel("R")
        .point(lambda v: 255 if 0 < v < FOREGROUND_ID else 0)
        .filter(ImageFilter.MaxFilter(5)),
        roll=roll,
    )
    blur = _BACKGROUND_BLUR.get(shot.shot_type, 0)
    blur_k = max(2, round(blur * width / 720)) if blur else 0  # shallow depth of field on tight shots
    image = _balanced_set(albedo, light, pools, emissive, proj, blur_k, seen)

    draw = ImageDraw.Draw(image)
    figure_light = light.figure_light()
    for cid in order:
        draw_figure(draw, proj, looks[cid], positions[cid], figure_light)
    if shoulder is not None:
        image = Image.alpha_composite(image.convert("RGBA"), shoulder).convert("RGB")
    if shot.shot_type == ShotType.POV:
        image = _vignette(image)
    if roll:
        fill = tuple(int(v) for v in np.asarray(image)[plate_h // 2, 0])
        image = image.rotate(roll, resample=Image.Resampling.BILINEAR, fillcolor=fill)
        boxes = {cid: (role, _rotated_box(box, roll, center)) for cid, (role, box) in boxes.items()}
    return Plate(
        image=image,
        camera=camera,
        frames=frames,
        boxes=boxes,
        looks=looks,
        light=light,
        ids=ids.getchannel("R"),
        figure_ids=figure_ids,
    )


FOREGROUND_ID = 255
"""The id-map value of an over-the-shoulder foreground silhouette (it hides whoever it covers)."""


def _id_paint(value: int) -> Light:
    """A 'light' that paints every surface of a figure in its id, for the id map."""
    return lambda _rgb: (value, value, value)


def _solid(layer: Image.Image) -> Image.Image:
    """Where a soft RGBA layer is more there than not (a mask for the id map)."""
    return layer.getchannel("A").point(lambda a: 255 if a >= 128 else 0)


def frame_count(duration_s: float, fps: int) -> int:
    return max(round(duration_s * fps), 1)


def _framed(
    camera: CameraPath, n: int, frame: tuple[int, int], plate: tuple[int, int], bands: tuple[int, int] = (0, 0)
) -> tuple[int, int, int, int]:
    """The plate region frame ``n`` shows between the caption bands (``bands``: top and bottom heights in frame
    pixels)."""
    x, y, scaled_w, _ = camera.crop(n, frame, plate)
    zoom = scaled_w / plate[0]
    x0, y0 = int(x / zoom), int((y + bands[0]) / zoom)
    x1, y1 = min(int((x + frame[0]) / zoom), plate[0]), min(int((y + frame[1] - bands[1]) / zoom), plate[1])
    return (x0, y0, x1, max(y1, y0 + 1))


def _exposure(lit: np.ndarray, region: tuple[int, int, int, int]) -> float:
    """Gain that keeps the brightest lit surfaces just below clipping, as a camera's exposure would.

    A clipped channel shifts a surface's colour (a warm wall at 255 red loses its red/blue ratio), which would
    make the light read as a different temperature than the bible's.
    """
    x0, y0, x1, y1 = region
    peak = float(np.percentile(lit[y0:y1:4, x0:x1:4].max(axis=2), 99.5))
    return min(1.0, EXPOSURE_PEAK / peak) if peak > 0 else 1.0


def _draw_insert(
    albedo: Image.Image, proj: Projection, request: GenerationRequest, table: RGB
) -> tuple[list[Any], list[Pool]]:
    """An insert: the prop on a table, as a card with its name (the previz stand-in for the object)."""
    shot = request.shot
    draw = ImageDraw.Draw(albedo)
    w, h = albedo.size
    wood = mix(table, (150, 110, 75), 0.4)
    draw.rectangle((0, 0, w, h), fill=wood)
    for i in range(-30, 31):
        draw.line(
            [proj.point(-5, i * 0.09), proj.point(5, i * 0.09 + 0.02)],
            fill=scale(wood, 0.9),
            width=max(1, round(proj.length(0.004))),
        )
    card = proj.box(-0.2, 0.36, 0.2, 0.64)
    shadow = proj.box(-0.185, 0.345, 0.215, 0.625)
    draw.rectangle(shadow, fill=scale(wood, 0.6))
    draw.rectangle(card, fill=(238, 236, 230))
    name = (shot.props[0] if shot.props else "") or shot.description or "insert"
    font = load_font("bold", max(8, round(proj.length(0.045))))
    lines = wrap(name.upper(), font, card[2] - card[0] - proj.length(0.04))[:4]
    line_h = font_size(font) * 1.25
    y = (card[1] + card[3]) / 2 - line_h * len(lines) / 2
    for line in lines:
        tw = font.getlength(line)
        draw.text(((card[0] + card[2]) / 2 - tw / 2, y), line, font=font, fill=(40, 38, 36))
        y += line_h
    draw.rectangle(proj.box(-0.17, 0.4, 0.17, 0.405), fill=(190, 60, 60))
    cx, cy = proj.point(0.0, 0.5)
    return [], [Pool(cx, cy, proj.length(0.5), 0.3)]


def _foreground_shoulder(
    size: tuple[int, int], proj: Projection, look: Look | None, side: float, light: SetLight, subject_x: float
) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The back of the listener's head and shoulder, close to the lens: big, dark and out of focus.

    Returns the silhouette as a plate-sized RGBA layer (to lay over the plate) and its plate box.
    """
    w, h = size
    k = 4
    layer = Image.new("RGBA", (w // k, h // k), (0, 0, 0, 0))
    near_scale = proj.scale * 1.5 / k
    head_x, head_y = proj.x(subject_x + side * 0.25) / k, proj.y(0.8) / k
    near = Projection(near_scale, head_x, head_y + 0.905 * near_scale)
    fallback = Look(
        "", "", (150, 120, 100), (30, 28, 28), "short", (40, 30, 20), (45, 48, 56), (30, 30, 34), None, 1.1, ""
    )
    r, g, b = light.factors

    def dim(rgb: RGB) -> RGB:
        # out of focus and unlit from the camera side: a dark silhouette, neutral in the set's light
        grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
        return (round(grey * r * 0.34), round(grey * g * 0.34), round(grey * b * 0.34))

    shown = look or fallback
    draw_back(ImageDraw.Draw(layer), near, shown, 0.0, dim, side)
    soft = layer.filter(ImageFilter.GaussianBlur(max(1.0, w / k / 90)))
    reach = 0.2 * shown.build + 0.05
    x0, y0, x1, y1 = near.box(-reach, 0.59, reach, 0.975)
    return soft.resize((w, h), Image.Resampling.BILINEAR), (x0 * k, y0 * k, x1 * k, y1 * k)


def _vignette(image: Image.Image) -> Image.Image:
    """Darkened edges: the frame as someone's view."""
    w, h = image.size
    gw, gh = max(w // 8, 2), max(h // 8, 2)
    ys, xs = np.mgrid[0:gh, 0:gw].astype(np.float32)
    r2 = ((xs + 0.5) / gw * 2 - 1) ** 2 + ((ys + 0.5) / gh * 2 - 1) ** 2
    mask = np.clip(1.15 - 0.55 * r2, 0.25, 1.0).astype(np.float32)
    full = np.asarray(Image.fromarray(mask, mode="F").resize((w, h), Image.Resampling.BILINEAR), dtype=np.float32)
    return Image.fromarray((np.asarray(image, dtype=np.float32) * full[:, :, None]).astype(np.uint8), "RGB")


def _rotated_point(point: tuple[float, float], degrees: float, center: tuple[float, float]) -> tuple[float, float]:
    # PIL rotates counter-clockwise on screen (y down), which is a clockwise rotation in these coordinates.
    a = math.radians(degrees)
    dx, dy = point[0] - center[0], point[1] - center[1]
    return (center[0] + dx * math.cos(a) + dy * math.sin(a), center[1] - dx * math.sin(a) + dy * math.cos(a))


def _rotated_box(
    box: tuple[float, float, float, float], degrees: float, center: tuple[float, float]
) -> tuple[float, float, float, float]:
    corners = [_rotated_point((x, y), degrees, center) for x in (box[0], box[2]) for y in (box[1], box[3])]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (min(xs), min(ys), max(xs), max(ys))
