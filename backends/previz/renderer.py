"""The previz renderer: a shot as a real 9:16 H.264 animatic, drawn from the generation request alone.

One *plate* per shot is drawn with Pillow (the set from the location bible, the characters from theirs, framed
by the shot type and camera angle) a little larger than the frame; ffmpeg then moves a camera over it (push-in,
pan, tilt, handheld ...) and lays the caption band on top, so Python never touches a frame. A 4 s 720x1280 shot
takes well under a second. Same request, same bytes: no clocks, a fixed encoder thread count, bit-exact flags.

Beside the clip goes ``<clip>.json``: where each figure is in the frame at the start, middle and end, the
bands of burnt-in captions (``captions``: top and bottom heights as fractions of the frame; not picture), how
figures respond to the scene's light (``figure_light``), which simulated faults were injected (ground truth for
the evals) and the simulation profile.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from backends.media import run_ffmpeg
from backends.previz.camera import CameraPath, even
from backends.previz.captions import caption_bands
from backends.previz.plate import Plate, compose_plate
from backends.previz.simulation import Fault
from domain.files import atomic_path, write_json
from domain.production import GenerationRequest

RENDERER_VERSION = 1
PRESET = "superfast"
"""x264 preset: fast enough for well under a second per 4 s shot, and it keeps the deblocking filter, so a
clean clip never looks blocky to the artifact gate."""


@dataclass(frozen=True)
class RenderedClip:
    path: Path
    width: int
    height: int
    fps: int
    frames: int
    duration_s: float
    meta: dict[str, Any]


def sidecar_path(clip: Path) -> Path:
    """Where the renderer writes a clip's side file: ``shot.mp4`` → ``shot.mp4.json``."""
    return clip.with_name(clip.name + ".json")


def frame_size(request: GenerationRequest, faults: Sequence[Fault] = ()) -> tuple[int, int]:
    """The size the clip is rendered at: the request's, made even, smaller under a low-resolution fault."""
    factor = next((f.strength or 0.5 for f in faults if f.kind == "low_resolution"), 1.0)
    return even(request.width * factor), even(request.height * factor)


def _fault_filters(faults: Sequence[Fault], frame: tuple[int, int], frames: int) -> list[str]:
    width, height = frame
    chain: list[str] = []
    for fault in faults:
        if fault.kind == "black_frames":
            first = round((fault.start or 0.3) * (frames - 1))
            last = max(round((fault.end or 0.6) * (frames - 1)), first)
            chain.append(f"drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(n,{first},{last})'")
        elif fault.kind == "flicker":
            swing = fault.strength or 0.2
            chain.append(f"eq=brightness='{swing:.3f}*(1-2*mod(n,2))':eval=frame")
        elif fault.kind == "blockiness":
            block = max(2, round(width * (fault.strength or 1 / 32)))
            chain.append(
                f"scale={max(width // block, 2)}:{max(height // block, 2)}:flags=neighbor,"
                f"scale={width}:{height}:flags=neighbor"
            )
    return chain


def _box_meta(box: tuple[float, float, float, float] | None) -> dict[str, float] | None:
    if box is None:
        return None
    return {"x": box[0], "y": box[1], "w": box[2], "h": box[3]}


MATTE_WIDTH = 24
"""Cells across a figure's matte; rows follow the box's shape (8 to 64)."""


def _matte(plate: Plate, path: CameraPath, n: int, frame: tuple[int, int], cid: str) -> str | None:
    """Where the figure itself shows inside its (frame-clipped) box at frame ``n``: a grid of cells, True where
    the figure is seen (not the set behind it, not someone in front), as ``"WxH:hex"`` of the packed bits."""
    figure_id = plate.figure_ids.get(cid)
    placed = path.to_frame(n, plate.boxes[cid][1], frame, plate.image.size)
    if plate.ids is None or figure_id is None or placed is None:
        return None
    x, y, scaled_w, scaled_h = path.crop(n, frame, plate.image.size)
    kx, ky = scaled_w / plate.image.size[0], scaled_h / plate.image.size[1]
    fx0, fy0 = placed[0] * frame[0], placed[1] * frame[1]
    fx1, fy1 = fx0 + placed[2] * frame[0], fy0 + placed[3] * frame[1]
    region = ((fx0 + x) / kx, (fy0 + y) / ky, (fx1 + x) / kx, (fy1 + y) / ky)
    rows = min(max(round(MATTE_WIDTH * (fy1 - fy0) / max(fx1 - fx0, 1e-6)), 8), 64)
    cells = plate.ids.resize((MATTE_WIDTH, rows), Image.Resampling.NEAREST, box=region)
    seen = np.asarray(cells) == figure_id
    return f"{MATTE_WIDTH}x{rows}:{np.packbits(seen.reshape(-1)).tobytes().hex()}"


def _extent(plate: Plate, path: CameraPath, n: int, frame: tuple[int, int], cid: str) -> list[float]:
    """The figure's whole box at frame ``n`` (head to feet, arms included), normalised to the frame but not
    clipped to it: how big the figure is even where the frame cuts it, so a gate can compare like parts."""
    x, y, scaled_w, scaled_h = path.crop(n, frame, plate.image.size)
    kx, ky = scaled_w / plate.image.size[0], scaled_h / plate.image.size[1]
    x0, y0, x1, y1 = plate.boxes[cid][1]
    return [
        round((x0 * kx - x) / frame[0], 4),
        round((y0 * ky - y) / frame[1], 4),
        round((x1 * kx - x) / frame[0], 4),
        round((y1 * ky - y) / frame[1], 4),
    ]


def _figures_meta(
    plate: Plate, path: CameraPath, frames: int, frame: tuple[int, int], *, foreground: bool = False
) -> dict[str, Any]:
    """Normalised boxes at the start, middle and end: of the standing figures (each with its ``mattes`` and its
    unclipped ``extent``), or of the out-of-focus foreground shoulder (kept apart so a gate never mistakes the
    back of a head for a face)."""
    plate_size = plate.image.size
    moments = {"start": 0, "middle": (frames - 1) // 2, "end": frames - 1}
    figures: dict[str, Any] = {}
    for cid, (role, box) in plate.boxes.items():
        if (role == "foreground") != foreground:
            continue
        entry: dict[str, Any] = {"role": role}
        mattes: dict[str, str] = {}
        extent: dict[str, list[float]] = {}
        for name, n in moments.items():
            placed = _box_meta(path.to_frame(n, box, frame, plate_size))
            if placed is not None:
                entry[name] = placed
                extent[name] = _extent(plate, path, n, frame, cid)
                matte = None if foreground else _matte(plate, path, n, frame, cid)
                if matte is not None:
                    mattes[name] = matte
        if mattes:
            entry["mattes"] = mattes
        if extent and not foreground:
            entry["extent"] = extent
        if len(entry) > 1:
            figures[cid] = entry
    return figures


def render_clip(
    request: GenerationRequest,
    target: Path,
    *,
    fps: int = 24,
    faults: Sequence[Fault] = (),
    profile: str = "clean",
) -> RenderedClip:
    """Render ``request`` to ``target`` (mp4, written atomically) and its side file; return what was made."""
    frame = frame_size(request, faults)
    overlay, top_h, bottom_h = caption_bands(request, frame)
    plate = compose_plate(request, frame, faults, fps=fps, bands=(top_h, bottom_h))
    path, frames = plate.camera, plate.frames
    width, height = frame
    plate_w, plate_h = plate.image.size
    graph = [
        f"[0:v]format=yuv420p,loop=loop={frames - 1}:size=1:start=0,setpts=N/({fps}*TB),"
        f"{path.ffmpeg_filter(frame, plate.image.size)}[cam]",
        f"[1:v]split[ov1][ov2];[ov1]crop={width}:{top_h}:0:0[top];[cam][top]overlay=0:0:format=yuv420[v1]",
    ]
    last = "v1"
    if bottom_h:
        graph.append(
            f"[ov2]crop={width}:{bottom_h}:0:{top_h}[bot];[v1][bot]overlay=0:{height - bottom_h}:format=yuv420[v2]"
        )
        last = "v2"
    else:
        graph.append("[ov2]nullsink")
    chain = _fault_filters(faults, frame, frames)
    graph.append(f"[{last}]{','.join([*chain, 'format=yuv420p'])}[out]")

    with tempfile.TemporaryDirectory(prefix="previz-") as tmp:
        overlay_path = Path(tmp) / "overlay.rgba"
        overlay_path.write_bytes(overlay.tobytes())
        with atomic_path(target) as out:
            run_ffmpeg(
                [
                    "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{plate_w}x{plate_h}", "-framerate", str(fps),
                    "-i", "-",
                    "-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{width}x{overlay.height}", "-framerate", str(fps),
                    "-i", str(overlay_path),
                    "-filter_complex", ";".join(graph), "-map", "[out]", "-frames:v", str(frames), "-an",
                    "-c:v", "libx264", "-preset", PRESET, "-crf", "23", "-threads", "2", "-pix_fmt", "yuv420p",
                    "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
                    "-f", "mp4", str(out),
                ],
                input_bytes=plate.image.tobytes(),
                what=f"rendering previz clip {target.name}",
            )  # fmt: skip
    meta: dict[str, Any] = {
        "renderer": "previz",
        "version": RENDERER_VERSION,
        "shot_id": request.shot.id,
        "shot_type": request.shot.shot_type.value,
        "movement": request.shot.movement.value,
        "width": width,
        "height": height,
        "requested_width": request.width,
        "requested_height": request.height,
        "fps": fps,
        "frames": frames,
        "duration_s": round(frames / fps, 4),
        "color_temperature_k": plate.light.kelvin if plate.light else None,
        "figure_light": plate.light.figure_policy() if plate.light else None,
        "captions": {"top": round(top_h / height, 4), "bottom": round(bottom_h / height, 4)},
        "location_id": request.context.location.location_id,
        "figures": _figures_meta(plate, path, frames, frame),
        "foreground": _figures_meta(plate, path, frames, frame, foreground=True),
        "looks": {cid: look.as_meta() for cid, look in plate.looks.items()},
        "faults": [fault.model_dump(exclude_none=True) for fault in faults],
        "simulation": {"profile": profile, "simulated": bool(faults) or profile != "clean"},
        "profile": profile,
    }
    write_json(sidecar_path(target), meta)
    return RenderedClip(target, width, height, fps, frames, frames / fps, meta)


def render_still(request: GenerationRequest, *, faults: Sequence[Fault] = ()) -> Image.Image:
    """The clip's first frame, drawn in Python without ffmpeg (storyboard thumbnails before generation)."""
    frame = frame_size(request, faults)
    overlay, top_h, bottom_h = caption_bands(request, frame)
    plate = compose_plate(request, frame, faults, bands=(top_h, bottom_h))
    path = plate.camera
    x, y, scaled_w, scaled_h = path.crop(0, frame, plate.image.size)
    zoomed = plate.image.resize((int(scaled_w), int(scaled_h)), Image.Resampling.BILINEAR)
    still = zoomed.crop((int(x), int(y), int(x) + frame[0], int(y) + frame[1])).convert("RGBA")
    still.alpha_composite(overlay.crop((0, 0, frame[0], top_h)), (0, 0))
    if bottom_h:
        still.alpha_composite(overlay.crop((0, top_h, frame[0], top_h + bottom_h)), (0, frame[1] - bottom_h))
    return still.convert("RGB")
