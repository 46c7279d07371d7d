"""The storyboard contact sheet: every shot on the page and in the PNG, before and after generation."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

from backends.media import read_frames
from backends.previz import render_clip
from domain.bibles import Appearance, Bibles, CharacterBible, Outfit, SceneBible
from domain.production import GenerationRequest
from domain.screenplay import DialogueLine, Scene
from domain.shot import Movement, Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.contact_sheet import sheet_layout, write_contact_sheet

TYPES = [ShotType.ELS, ShotType.MS, ShotType.CU, ShotType.OTS, ShotType.INSERT, ShotType.LS, ShotType.MCU]


def make_board() -> Storyboard:
    bibles = Bibles(
        characters={
            "mara": CharacterBible(
                character_id="mara",
                name="Mara",
                appearance=Appearance(hair="short blonde hair"),
                wardrobe=[Outfit(from_scene="E01-S001", description="green coat", colors=["seagreen"])],
            ),
            "ty": CharacterBible(character_id="ty", name="Ty", appearance=Appearance(hair="black ponytail")),
        },
        locations={
            "dock": SceneBible(
                location_id="dock", name="Dock", int_ext="EXT", time_of_day="NIGHT", lighting_palette="sodium lamps"
            ),
            "diner": SceneBible(location_id="diner", name="Diner", int_ext="INT", time_of_day="DAY"),
        },
    )
    scenes = []
    for number, (location, count) in enumerate((("dock", 3), ("diner", 7)), start=1):
        scene_id = f"E01-S{number:03d}"
        shots = [
            Shot(
                id=f"{scene_id}-SH{i:02d}",
                episode=1,
                scene_id=scene_id,
                index=i,
                location_id=location,
                shot_type=TYPES[(i - 1) % len(TYPES)],
                movement=Movement.PUSH_IN if i % 2 else Movement.STATIC,
                lens_mm=50,
                lighting="sodium orange" if location == "dock" else "",
                duration_s=2.5,
                characters=["mara", "ty"],
                dialogue=[DialogueLine(character="mara", text=f"Line <{i}> & more")] if i % 2 else [],
                description=f"Beat {i}",
            )
            for i in range(1, count + 1)
        ]
        heading = f"{'EXT' if location == 'dock' else 'INT'}. {location.upper()} - NIGHT"
        scene = Scene(
            id=scene_id, episode=1, number=number, heading=heading, location_id=location, location_name=location
        )
        scenes.append(SceneBoard(scene=scene, shots=shots))
    return Storyboard(
        title="Harbour Lights", episodes=[EpisodeBoard(number=1, title="Arrival", scenes=scenes)], bibles=bibles
    )


def test_sheet_before_generation_lists_every_shot(tmp_path: Path) -> None:
    board = make_board()
    html_path, png_path = write_contact_sheet(board, {}, tmp_path / "out")
    assert (html_path.name, png_path.name) == ("storyboard.html", "storyboard.png")
    page = html_path.read_text(encoding="utf-8")
    ids = re.findall(r'<article class="panel [a-z]+" id="([^"]+)"', page)
    assert ids == [shot.id for shot in board.shots()]
    assert page.count('class="panel pending"') == 10
    assert page.count("data:image/png;base64,") == 10
    assert not re.search(r'(src|href)="(https?:)?//', page), "no external assets"
    assert "Episode 1 — Arrival" in page and page.index("E01-S001") < page.index("E01-S002")
    assert "MS · 50mm · static · 2.5s" in page and "sodium orange" in page
    assert "Line &lt;1&gt; &amp; more" in page, "dialogue is escaped"
    # 1 episode, scenes of 3 and 7 shots, 6 columns of 144x256 thumbnails + 84 px of text, 14 px gaps
    width = 24 * 2 + 6 * 144 + 5 * 14
    height = 56 + 24 + 40 + (30 + 340 + 14) + (30 + 2 * 340 + 14 + 14) + 24
    assert (
        Image.open(png_path).size == (width, height) == (sheet_layout(board).width, sheet_layout(board).height(board))
    )


def test_generated_clips_are_shown_by_their_first_frame(tmp_path: Path) -> None:
    board = make_board()
    shot = board.shots()[1]
    request = GenerationRequest(
        shot=shot, context=board.context_for(shot), model="m", prompt="p", duration_s=0.5, width=180, height=320
    )
    clip = render_clip(request, tmp_path / "clips" / f"{shot.id}.mp4").path
    html_path, png_path = write_contact_sheet(board, {shot.id: clip}, tmp_path / "out")
    page = html_path.read_text(encoding="utf-8")
    assert page.count('class="panel done"') == 1 and f'class="panel done" id="{shot.id}"' in page
    assert "1 generated, 9 previz" in page
    # the generated panel (2nd in the first scene) is the clip's first frame; a placeholder is a washed-out still
    sheet = np.asarray(Image.open(png_path).convert("RGB"), dtype=float)
    top = 56 + 24 + 40 + 30
    first = Image.fromarray(read_frames(clip, [0.0])[0]).resize((144, 256), Image.Resampling.LANCZOS)
    first_frame = np.asarray(first, dtype=float)
    generated = sheet[top : top + 256, 24 + 144 + 14 : 24 + 2 * 144 + 14]
    assert np.abs(generated - first_frame).mean() < 6
    placeholder = sheet[top : top + 256, 24 : 24 + 144]
    assert placeholder.mean() > 90 and placeholder.std() > 10


def test_a_speech_over_several_lines_is_drawn_on_one_row(tmp_path: Path) -> None:
    board = make_board()
    shot = board.shots()[0]
    shot.dialogue = [DialogueLine(character="mara", text="I waited all night.\nYou never came.")]
    shot.description = "Mara turns.\nShe leaves."

    html_path, png_path = write_contact_sheet(board, {}, tmp_path / "out")

    assert Image.open(png_path).size[0] > 0
    assert "You never came." in html_path.read_text(encoding="utf-8")
