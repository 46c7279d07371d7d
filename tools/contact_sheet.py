"""The storyboard contact sheet: every shot as a panel, as a self-contained HTML page and as one PNG.

A panel shows the clip's first frame, or, before generation (``reelcrew storyboard``), a still drawn by the
previz renderer and marked as not generated. Panels are grouped by episode and scene in script order, with
the shot id, type, lens, movement, lighting, duration and dialogue a director needs to judge coverage.
The HTML embeds its thumbnails as data URIs and its own stylesheet: no external assets, opens anywhere.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from backends.media import read_frames
from backends.previz import render_still
from domain.errors import BackendError
from domain.files import write_bytes, write_text
from domain.production import GenerationRequest
from domain.shot import Shot
from domain.storyboard import SceneBoard, Storyboard

HTML_THUMB = (180, 320)
"""Thumbnail size in the HTML page (the PNG sheet scales these down to its layout)."""
MAX_SHEET_HEIGHT = 16000
"""Taller sheets get smaller thumbnails and more columns (a 1,400-shot series still makes one sane PNG)."""


@dataclass(frozen=True)
class SheetLayout:
    """Where everything goes on ``storyboard.png``; all sizes in pixels."""

    columns: int
    thumb_w: int
    thumb_h: int
    text_h: int
    gap: int = 14
    margin: int = 24
    title_h: int = 56
    episode_h: int = 40
    scene_h: int = 30

    @property
    def panel_h(self) -> int:
        return self.thumb_h + self.text_h

    @property
    def width(self) -> int:
        return 2 * self.margin + self.columns * self.thumb_w + (self.columns - 1) * self.gap

    def scene_block_h(self, shots: int) -> int:
        rows = max(math.ceil(shots / self.columns), 1)
        return self.scene_h + rows * self.panel_h + (rows - 1) * self.gap + self.gap

    def height(self, storyboard: Storyboard) -> int:
        total = self.title_h + self.margin
        for episode in storyboard.episodes:
            total += self.episode_h + sum(self.scene_block_h(len(board.shots)) for board in episode.scenes)
        return total + self.margin


_SIZES = ((6, 144), (8, 120), (10, 96), (12, 72))


def sheet_layout(storyboard: Storyboard) -> SheetLayout:
    """The largest thumbnails that keep the sheet under ``MAX_SHEET_HEIGHT``."""
    layout = SheetLayout(columns=6, thumb_w=144, thumb_h=256, text_h=84)
    for columns, thumb_w in _SIZES:
        layout = SheetLayout(
            columns=columns, thumb_w=thumb_w, thumb_h=thumb_w * 16 // 9, text_h=84 if thumb_w >= 120 else 72
        )
        if layout.height(storyboard) <= MAX_SHEET_HEIGHT:
            break
    return layout


def _request_for(storyboard: Storyboard, shot: Shot, size: tuple[int, int]) -> GenerationRequest:
    return GenerationRequest(
        shot=shot,
        context=storyboard.context_for(shot),
        model="previz",
        prompt=shot.description,
        duration_s=shot.duration_s,
        width=size[0],
        height=size[1],
    )


def _placeholder(storyboard: Storyboard, shot: Shot, size: tuple[int, int], note: str) -> Image.Image:
    """A previz still of the shot, dimmed, with a dashed frame and ``note`` (e.g. "not generated")."""
    still = render_still(_request_for(storyboard, shot, (_even(size[0]), _even(size[1]))))
    image = still.resize(size, Image.Resampling.LANCZOS)
    image = Image.blend(image, Image.new("RGB", size, (245, 245, 245)), 0.35)
    draw = ImageDraw.Draw(image)
    step = 8
    for x in range(0, size[0], step * 2):
        draw.line([(x, 0), (x + step, 0)], fill=(90, 90, 90), width=2)
        draw.line([(x, size[1] - 1), (x + step, size[1] - 1)], fill=(90, 90, 90), width=2)
    for y in range(0, size[1], step * 2):
        draw.line([(0, y), (0, y + step)], fill=(90, 90, 90), width=2)
        draw.line([(size[0] - 1, y), (size[0] - 1, y + step)], fill=(90, 90, 90), width=2)
    font = _font("bold", max(9, size[0] // 14))
    width = font.getlength(note)
    box = (size[0] / 2 - width / 2 - 6, size[1] * 0.08, size[0] / 2 + width / 2 + 6, size[1] * 0.08 + _size(font) + 8)
    draw.rectangle(box, fill=(30, 30, 30))
    draw.text((box[0] + 6, box[1] + 3), note, font=font, fill=(255, 255, 255))
    return image


def thumbnail(storyboard: Storyboard, shot: Shot, clip: Path | None, size: tuple[int, int]) -> tuple[Image.Image, bool]:
    """The panel image for ``shot`` and whether it came from a real clip (else a marked previz placeholder)."""
    if clip is not None and Path(clip).is_file():
        try:
            frame = Image.fromarray(read_frames(Path(clip), [0.0])[0])
        except BackendError:
            return _placeholder(storyboard, shot, size, "clip unreadable"), False
        return ImageOps.pad(frame, size, method=Image.Resampling.LANCZOS, color=(20, 20, 20)), True
    return _placeholder(storyboard, shot, size, "not generated"), False


def _even(value: int) -> int:
    return max(value // 2 * 2, 2)


@cache
def _font(style: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    names = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
    try:
        return ImageFont.truetype(names[style], size)
    except OSError:
        return ImageFont.load_default(size)


def _size(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> float:
    return float(getattr(font, "size", 11))


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: float) -> str:
    """One line of ``text`` that fits ``width``: line breaks (a speech over several lines) fold into spaces,
    since a panel row holds one line and Pillow cannot measure a multi-line string."""
    text = " ".join(text.split())
    if font.getlength(text) <= width:
        return text
    while text and font.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _names(storyboard: Storyboard) -> dict[str, str]:
    return {cid: bible.name for cid, bible in storyboard.bibles.characters.items()}


def _lighting(storyboard: Storyboard, shot: Shot) -> str:
    if shot.lighting:
        return shot.lighting
    location = storyboard.bibles.locations.get(shot.location_id)
    if location is None:
        return ""
    parts = [location.lighting_palette, f"{location.color_temperature_k} K"]
    return ", ".join(p for p in parts if p)


def _dialogue(storyboard: Storyboard, shot: Shot) -> list[tuple[str, str]]:
    names = _names(storyboard)
    return [((names.get(line.character) or line.character).upper(), line.text) for line in shot.dialogue]


def _facts(shot: Shot) -> str:
    return f"{shot.shot_type.value} · {shot.lens_mm}mm · {shot.movement.value} · {shot.duration_s:g}s"


def _scene_title(board: SceneBoard) -> str:
    return f"{board.scene.id}  {board.scene.heading}"


# ---------------------------------------------------------------------------------------------------- PNG


def _draw_panel(
    sheet: Image.Image, x: int, y: int, layout: SheetLayout, storyboard: Storyboard, shot: Shot, thumb: Image.Image
) -> None:
    draw = ImageDraw.Draw(sheet)
    sheet.paste(thumb, (x, y))
    bold, regular = (
        _font("bold", 12 if layout.thumb_w >= 120 else 10),
        _font("regular", 11 if layout.thumb_w >= 120 else 9),
    )
    width = layout.thumb_w - 4
    ty: float = y + layout.thumb_h + 4
    draw.text((x + 2, ty), _fit(shot.id, bold, width), font=bold, fill=(20, 20, 20))
    ty += _size(bold) + 4
    draw.text((x + 2, ty), _fit(_facts(shot), regular, width), font=regular, fill=(60, 60, 60))
    ty += _size(regular) + 4
    lighting = _lighting(storyboard, shot)
    if lighting:
        draw.text((x + 2, ty), _fit(lighting, regular, width), font=regular, fill=(110, 90, 40))
        ty += _size(regular) + 4
    lines = _dialogue(storyboard, shot)
    text = f"{lines[0][0]}: {lines[0][1]}" if lines else shot.description
    if text and ty + _size(regular) <= y + layout.panel_h:
        draw.text((x + 2, ty), _fit(text, regular, width), font=regular, fill=(40, 40, 40))


def _render_png(storyboard: Storyboard, thumbs: Mapping[str, Image.Image], layout: SheetLayout) -> bytes:
    sheet = Image.new("RGB", (layout.width, layout.height(storyboard)), (250, 249, 246))
    draw = ImageDraw.Draw(sheet)
    title = _font("bold", 26)
    draw.text(
        (layout.margin, 14),
        _fit(storyboard.title, title, layout.width - 2 * layout.margin),
        font=title,
        fill=(20, 20, 20),
    )
    y = layout.title_h + layout.margin
    for episode in storyboard.episodes:
        head = _font("bold", 20)
        label = f"Episode {episode.number}" + (f" — {episode.title}" if episode.title else "")
        draw.text((layout.margin, y + 8), label, font=head, fill=(20, 20, 20))
        draw.line(
            [(layout.margin, y + layout.episode_h - 4), (layout.width - layout.margin, y + layout.episode_h - 4)],
            fill=(30, 30, 30),
            width=2,
        )
        y += layout.episode_h
        for board in episode.scenes:
            scene_font = _font("bold", 14)
            draw.text(
                (layout.margin, y + 8),
                _fit(_scene_title(board), scene_font, layout.width - 2 * layout.margin),
                font=scene_font,
                fill=(70, 70, 70),
            )
            top = y + layout.scene_h
            for i, shot in enumerate(board.shots):
                row, col = divmod(i, layout.columns)
                px = layout.margin + col * (layout.thumb_w + layout.gap)
                py = top + row * (layout.panel_h + layout.gap)
                _draw_panel(sheet, px, py, layout, storyboard, shot, thumbs[shot.id])
            y += layout.scene_block_h(len(board.shots))
    buffer = io.BytesIO()
    sheet.save(buffer, format="PNG", optimize=False)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------------- HTML

_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;background:#f7f6f2;color:#1c1c1c;
  font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
h1{font-size:26px;margin:0 0 4px}
.summary{color:#666;margin:0 0 24px}
h2{font-size:20px;margin:32px 0 8px;padding-bottom:6px;border-bottom:2px solid #222}
h3{font-size:14px;margin:20px 0 10px;color:#444;font-weight:600}
h3 .id{font-family:ui-monospace,Menlo,Consolas,monospace;color:#111;margin-right:8px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:16px}
.panel{background:#fff;border-radius:8px;overflow:hidden;box-shadow:0 1px 3px rgba(0,0,0,.12)}
.panel img{display:block;width:100%;aspect-ratio:9/16;object-fit:cover;background:#222}
.panel.pending img{opacity:.8}
.meta{padding:8px 10px 10px}
.shot-id{font-family:ui-monospace,Menlo,Consolas,monospace;font-weight:700;font-size:13px}
.facts{color:#555;font-size:12px;margin-top:2px}
.lighting{color:#7a5b16;font-size:12px;margin-top:2px}
.status{display:inline-block;font-size:11px;padding:1px 6px;border-radius:9px;background:#eee;color:#555;
  margin-left:6px}
.panel.done .status{background:#e3f4e6;color:#226b32}
.dialogue{margin:6px 0 0;padding:0;list-style:none;font-size:12px}
.dialogue li{margin-top:3px}
.dialogue b{font-weight:700;letter-spacing:.02em}
.desc{color:#666;font-style:italic;font-size:12px;margin-top:6px}
"""


def _data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _panel_html(storyboard: Storyboard, shot: Shot, thumb: Image.Image, generated: bool) -> str:
    e = html.escape
    lighting = _lighting(storyboard, shot)
    dialogue = "".join(f"<li><b>{e(name)}:</b> {e(text)}</li>" for name, text in _dialogue(storyboard, shot))
    parts = [
        f'<article class="panel {"done" if generated else "pending"}" id="{e(shot.id)}">',
        f'<img src="{_data_uri(thumb)}" alt="{e(shot.id)} first frame" width="{thumb.width}" height="{thumb.height}">',
        '<div class="meta">',
        f'<div class="shot-id">{e(shot.id)}<span class="status">{"clip" if generated else "previz"}</span></div>',
        f'<div class="facts">{e(_facts(shot))} · {e(shot.camera_angle.value)}</div>',
        f'<div class="lighting">{e(lighting)}</div>' if lighting else "",
        f'<ul class="dialogue">{dialogue}</ul>' if dialogue else "",
        f'<div class="desc">{e(shot.description)}</div>' if shot.description else "",
        "</div></article>",
    ]
    return "".join(parts)


def _render_html(storyboard: Storyboard, thumbs: Mapping[str, Image.Image], generated: Mapping[str, bool]) -> str:
    e = html.escape
    shots = storyboard.shots()
    done = sum(1 for s in shots if generated.get(s.id))
    runtime = sum(s.duration_s for s in shots)
    body = [
        f"<h1>{e(storyboard.title)}</h1>",
        f'<p class="summary">{len(shots)} shots · {runtime:.0f} s · {done} generated, {len(shots) - done} previz</p>',
    ]
    for episode in storyboard.episodes:
        title = f"Episode {episode.number}" + (f" — {episode.title}" if episode.title else "")
        body.append(f'<section class="episode" id="episode-{episode.number}"><h2>{e(title)}</h2>')
        for board in episode.scenes:
            body.append(
                f'<section class="scene" id="{e(board.scene.id)}"><h3><span class="id">{e(board.scene.id)}</span>'
                f'{e(board.scene.heading)}</h3><div class="grid">'
            )
            body.extend(_panel_html(storyboard, s, thumbs[s.id], generated[s.id]) for s in board.shots)
            body.append("</div></section>")
        body.append("</section>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{e(storyboard.title)} — storyboard</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def write_contact_sheet(storyboard: Storyboard, clips: dict[str, Path], out_dir: Path) -> tuple[Path, Path]:
    """Write ``storyboard.html`` and ``storyboard.png`` into ``out_dir``; return their paths (html, png).

    ``clips`` maps shot id → clip; shots without one get a previz placeholder panel.
    """
    layout = sheet_layout(storyboard)
    thumbs: dict[str, Image.Image] = {}
    generated: dict[str, bool] = {}
    for shot in storyboard.shots():
        clip = clips.get(shot.id)
        thumbs[shot.id], generated[shot.id] = thumbnail(storyboard, shot, Path(clip) if clip else None, HTML_THUMB)
    small = {sid: im.resize((layout.thumb_w, layout.thumb_h), Image.Resampling.LANCZOS) for sid, im in thumbs.items()}
    html_path = write_text(Path(out_dir) / "storyboard.html", _render_html(storyboard, thumbs, generated))
    png_path = write_bytes(Path(out_dir) / "storyboard.png", _render_png(storyboard, small, layout))
    return html_path, png_path
