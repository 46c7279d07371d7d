"""The caption overlay of a previz clip: a label strip (shot id, type, lens, move) and the dialogue band.

Drawn once with Pillow as RGBA and laid over every frame by ffmpeg, so text costs nothing per frame.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from backends.previz.camera import even
from domain.production import GenerationRequest
from domain.shot import CameraAngle

CAPTION_ALPHA = 160
"""Opacity of the dialogue band (0..255)."""


@cache
def load_font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    names = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf", "italic": "DejaVuSans-Oblique.ttf"}
    try:
        return ImageFont.truetype(names[style], size)
    except OSError:
        return ImageFont.load_default(size)


def font_size(font: Any) -> float:
    return float(getattr(font, "size", 11))


def wrap(text: str, font: Any, width: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if font.getlength(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines


def _fit(text: str, font: Any, width: float) -> str:
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def caption_bands(request: GenerationRequest, frame: tuple[int, int]) -> tuple[Image.Image, int, int]:
    """The overlay: a label strip (shot id, type, lens, move) on top and the dialogue band at the bottom.

    Returned stacked in one RGBA image with the two heights; the bottom band is 0 high when the shot has
    neither dialogue nor a description.
    """
    shot = request.shot
    width = frame[0]
    pad = max(3, round(width * 0.025))
    label_font = load_font("bold", max(7, round(width / 44)))
    parts = [shot.id, shot.shot_type.value, f"{shot.lens_mm}mm", shot.movement.value]
    if shot.camera_angle != CameraAngle.EYE_LEVEL:
        parts.append(shot.camera_angle.value)
    label = _fit("  ·  ".join(parts), label_font, width - 4 * pad)
    top_h = even(font_size(label_font) * 1.9)

    names = {c.character_id: c.name for c in request.context.characters}
    text_font = load_font("regular", max(8, round(width / 27)))
    bold_font = load_font("bold", max(8, round(width / 27)))
    italic_font = load_font("italic", max(8, round(width / 30)))
    rows: list[tuple[str, str, Any]] = []  # (speaker prefix, text, font)
    max_w = width - 2 * pad
    for line in shot.dialogue:
        speaker = (names.get(line.character) or line.character).upper()
        text = f"({line.parenthetical}) {line.text}" if line.parenthetical else line.text
        prefix = f"{speaker}: "
        wrapped = wrap(prefix + text, text_font, max_w)
        for i, row in enumerate(wrapped):
            rows.append((prefix if i == 0 else "", row[len(prefix) :] if i == 0 else row, text_font))
    if not rows and shot.description:
        rows = [("", row, italic_font) for row in wrap(shot.description, italic_font, max_w)]
    if len(rows) > 4:
        rows = [*rows[:3], (rows[3][0], _fit(rows[3][1] + " …", rows[3][2], max_w), rows[3][2])]
    line_h = round(font_size(text_font) * 1.32)
    bottom_h = even(len(rows) * line_h + 2 * pad) if rows else 0

    overlay = Image.new("RGBA", (width, top_h + bottom_h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    label_w = label_font.getlength(label)
    draw.rounded_rectangle((pad, pad // 2, pad + label_w + 2 * pad, top_h - pad // 2), radius=pad, fill=(0, 0, 0, 150))
    draw.text((2 * pad, (top_h - font_size(label_font)) / 2 - 1), label, font=label_font, fill=(255, 255, 255, 235))
    if rows:
        draw.rectangle((0, top_h, width, top_h + bottom_h), fill=(0, 0, 0, CAPTION_ALPHA))
        y = top_h + pad
        for prefix, text, font in rows:
            x: float = pad
            if prefix:
                draw.text((x, y), prefix, font=bold_font, fill=(255, 214, 120, 255))
                x += bold_font.getlength(prefix)
            fill = (210, 210, 210, 255) if font is italic_font else (255, 255, 255, 255)
            draw.text((x, y), text, font=font, fill=fill)
            y += line_h
    return overlay, top_h, bottom_h


def overlay_on_frame(overlay: Image.Image, top_h: int, bottom_h: int, frame: tuple[int, int]) -> np.ndarray:
    """The two bands placed where ffmpeg lays them: a frame-sized RGBA array (H×W×4, uint8)."""
    width, height = frame
    placed = np.zeros((height, width, 4), dtype=np.uint8)
    bands = np.asarray(overlay, dtype=np.uint8)
    placed[:top_h] = bands[:top_h]
    if bottom_h:
        placed[height - bottom_h :] = bands[top_h : top_h + bottom_h]
    return placed
