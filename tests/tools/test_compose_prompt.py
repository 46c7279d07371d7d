"""compose_prompt carries the bibles, fits the model's limit, and attaches only reference frames that fit."""

from __future__ import annotations

from pathlib import Path

from domain.bibles import Appearance, Bibles, CharacterBible, Outfit, ReferenceFrame, SceneBible
from domain.screenplay import Scene
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools.context import ToolContext
from tools.router import ComposePromptArgs, compose_prompt


def ctx_with_board(tmp_path: Path) -> ToolContext:
    old, new = tmp_path / "old.png", tmp_path / "new.png"
    old.write_bytes(b"old look")
    new.write_bytes(b"new look")
    lin = CharacterBible(
        character_id="lin", name="Lin", appearance=Appearance(age_range="28", hair="sleek black bob"),
        wardrobe=[Outfit(from_scene="E01-S001", description="charcoal trench coat"),
                  Outfit(from_scene="E01-S002", description="red silk dress")],
        reference_frames=[ReferenceFrame(path=str(old), shot_id="E01-S001-SH01"),
                          ReferenceFrame(path=str(new), shot_id="E01-S002-SH01")],
    )  # fmt: skip
    roof = SceneBible(location_id="roof", name="Rooftop Bar", lighting_palette="neon magenta, cool 6500K",
                      camera_style="handheld, 24mm")  # fmt: skip
    scenes = []
    for n in (1, 2):
        scene = Scene(id=f"E01-S00{n}", episode=1, number=n, heading="EXT. ROOFTOP BAR - NIGHT", location_id="roof",
                      location_name="ROOFTOP BAR")  # fmt: skip
        shot = Shot(id=f"{scene.id}-SH02", episode=1, scene_id=scene.id, index=2, location_id="roof",
                    shot_type=ShotType.CU, characters=["lin"], description="Lin looks at the ring.")  # fmt: skip
        scenes.append(SceneBoard(scene=scene, shots=[shot]))
    board = Storyboard(episodes=[EpisodeBoard(number=1, scenes=scenes)],
                       bibles=Bibles(characters={"lin": lin}, locations={"roof": roof}))  # fmt: skip
    ctx = ToolContext.create(Config(), tmp_path)
    ctx.project.storyboard = board
    return ctx


def test_prompt_carries_the_bible_entries_of_this_scene(tmp_path: Path) -> None:
    ctx = ctx_with_board(tmp_path)
    first = compose_prompt(ctx, ComposePromptArgs(shot_id="E01-S001-SH02", model="seedance-2.0-fast")).prompt
    second = compose_prompt(ctx, ComposePromptArgs(shot_id="E01-S002-SH02", model="seedance-2.0-fast")).prompt
    for text in (first, second):
        assert "Close-up" in text and "sleek black bob" in text and "neon magenta" in text and "handheld" in text
    assert "charcoal trench coat" in first and "red silk dress" not in first
    assert "red silk dress" in second and "charcoal trench coat" not in second


def test_references_go_only_to_reference_image_models_and_match_the_look(tmp_path: Path) -> None:
    ctx = ctx_with_board(tmp_path)
    seedance = compose_prompt(ctx, ComposePromptArgs(shot_id="E01-S002-SH02", model="seedance-2.0-fast"))
    assert seedance.reference_frames == [str(tmp_path / "new.png")]
    veo = compose_prompt(ctx, ComposePromptArgs(shot_id="E01-S002-SH02", model="veo-3.1"))
    assert veo.reference_frames == []  # Veo would open the shot on another shot's frame


def test_prompt_fits_a_short_limit_keeping_the_bible(tmp_path: Path) -> None:
    ctx = ctx_with_board(tmp_path)
    long_note = "Match the reference exactly. " * 30
    composed = compose_prompt(
        ctx, ComposePromptArgs(shot_id="E01-S001-SH02", model="kling-v3-std", correction=long_note)
    )
    assert composed.chars <= 2500
    from tools.prompt_composer import compose

    board = ctx.project.storyboard
    shot = board.shot("E01-S001-SH02")
    short = compose(shot, board.context_for(shot), max_chars=260)
    assert len(short) <= 260 and "Close-up" in short
