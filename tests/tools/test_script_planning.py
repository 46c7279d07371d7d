"""The storyboard artist's rules, on hand-built scenes and on the bundled example."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from domain.bibles import Bibles
from domain.loader import load_script
from domain.screenplay import Beat, DialogueLine, Episode, Scene, Screenplay, scene_id
from domain.shot import Movement, ShotType
from domain.storyboard import SceneBoard
from tools import shot_edits
from tools import shot_planning as sp
from tools.bible_extraction import extract_bibles

RATE_WPS = 165 / 60


def act(i: int, text: str) -> Beat:
    return Beat(index=i, kind="action", text=text)


def say(i: int, who: str, text: str, paren: str | None = None, ext: str | None = None, dual: bool = False) -> Beat:
    line = DialogueLine(character=who, text=text, parenthetical=paren, extension=ext, dual=dual)
    return Beat(index=i, kind="dialogue", text=text, dialogue=line)


def make_scene(beats: list[Beat], *, n: int = 1, loc: str = "diner", int_ext: str = "INT", time_of_day: str = "NIGHT"):
    return Scene(
        id=scene_id(1, n),
        episode=1,
        number=n,
        heading=f"{int_ext}. {loc.upper()} - {time_of_day}",
        int_ext=int_ext,  # type: ignore[arg-type]
        location_id=loc,
        location_name=loc.upper(),
        time_of_day=time_of_day,
        beats=beats,
    )


AVERAGE = [
    act(0, "Rain streaks the diner windows. MIA (34) waits in a booth, stirring cold coffee."),
    act(1, "JOE (40) slides in across from her, dripping wet, and sets down his hat."),
    say(2, "joe", "You came."),
    say(3, "mia", "You said it was about my brother."),
    say(4, "joe", "It is. He's alive."),
    say(5, "mia", "That's impossible. I buried him.", paren="whispering"),
    act(6, "Joe pushes a photo across the table."),
    say(7, "mia", "Where did you get this?"),
    say(8, "joe", "From the man who is going to kill him."),
]


def plan(beats: list[Beat], establish: bool = True, **kw) -> list:
    return sp.plan_scene(make_scene(beats, **kw), Bibles(), establish=establish)


def test_an_average_scene_gets_five_to_seven_shots_with_stable_ids() -> None:
    shots = plan(AVERAGE)
    assert 5 <= len(shots) <= 7
    assert [s.id for s in shots] == [f"E01-S001-SH{i:02d}" for i in range(1, len(shots) + 1)]
    assert [s.index for s in shots] == list(range(1, len(shots) + 1))
    again = plan(AVERAGE)
    assert [s.model_dump() for s in again] == [s.model_dump() for s in shots]  # deterministic


def test_every_beat_is_covered() -> None:
    shots = plan(AVERAGE)
    covered = {i for s in shots for i in s.beat_indices}
    assert covered == set(range(len(AVERAGE)))


def test_establishing_shot_only_when_the_location_is_new_or_changes() -> None:
    vista = [act(0, "The city skyline glitters beyond the harbour."), *AVERAGE[1:]]
    exterior = plan(vista, int_ext="EXT")
    assert exterior[0].shot_type is ShotType.ELS and exterior[0].cinematic_priority
    assert exterior[0].lens_mm <= 24 and exterior[0].movement is Movement.CRANE
    street = plan(AVERAGE, int_ext="EXT")
    assert street[0].shot_type is ShotType.LS and street[0].cinematic_priority  # no vista: a long shot
    interior = plan(AVERAGE)
    assert interior[0].shot_type is ShotType.LS and interior[0].cinematic_priority
    continuing = plan(AVERAGE, establish=False)
    assert not any(s.cinematic_priority for s in continuing)
    assert continuing[0].shot_type not in (ShotType.ELS, ShotType.LS)

    first = make_scene(AVERAGE, n=1, loc="diner")
    same = make_scene(AVERAGE, n=2, loc="diner")
    moved = make_scene(AVERAGE, n=3, loc="alley")
    assert sp.establishes(None, first)
    assert not sp.establishes(first, same)
    assert sp.establishes(same, moved)
    next_episode = same.model_copy(update={"episode": 2, "id": "E02-S001"})
    assert sp.establishes(same, next_episode)


def test_dialogue_alternates_over_the_shoulder_and_singles() -> None:
    beats = [
        act(0, "ANA (30) and BEN (32) sit across a small table."),
        say(1, "ana", "Did you finish the report for the client meeting on Monday?"),
        say(2, "ben", "I sent it this morning with the revised numbers attached."),
        say(3, "ana", "Then we can present it together after the coffee break."),
        say(4, "ben", "Fine by me, as long as you handle the questions at the end."),
    ]
    shots = plan(beats)
    lines = [s for s in shots if s.dialogue]
    types = [s.shot_type for s in lines]
    assert types[0::2] == [ShotType.OTS] * len(types[0::2])
    assert all(t in (ShotType.CU, ShotType.MCU) for t in types[1::2])
    ots = lines[0]
    assert ots.characters == ["ana", "ben"]  # speaker first, listener's shoulder in frame
    assert lines[1].characters == ["ben"]
    assert 35 <= ots.lens_mm <= 50


def test_emotional_peak_gets_a_close_up_and_a_reaction() -> None:
    beats = [
        act(0, "ANA (30) faces BEN (32) in the hallway."),
        say(1, "ana", "Where were you?"),
        say(2, "ben", "I was always there for you!", paren="shouting"),
        say(3, "ana", "Okay."),
    ]
    shots = plan(beats)
    peak = next(s for s in shots if 2 in s.beat_indices and s.dialogue)
    assert peak.shot_type in (ShotType.CU, ShotType.ECU)
    assert peak.emotional_intensity >= 0.7
    assert peak.movement is Movement.PUSH_IN
    assert 50 <= peak.lens_mm <= 135
    reaction = shots[shots.index(peak) + 1]
    assert reaction.characters == ["ana"] and not reaction.dialogue


def test_important_prop_gets_an_insert() -> None:
    shots = plan(AVERAGE)
    insert = next(s for s in shots if s.shot_type is ShotType.INSERT)
    assert insert.props == ["photo"]
    assert insert.beat_indices == [6]
    assert insert.lens_mm >= 60 and insert.characters == []


def test_physics_action_gets_a_wider_moving_shot() -> None:
    beats = [
        act(0, "A quiet street at night."),
        act(1, "KAI (31) swerves his car through traffic as a motorcycle roars after him in the rain."),
        act(2, "Kai slams the brakes. The motorcycle skids past."),
    ]
    shots = plan(beats, int_ext="EXT")
    chase = next(s for s in shots if 1 in s.beat_indices)
    assert chase.has_physics_elements
    assert {"vehicle", "water"} <= set(chase.physics_elements)
    assert chase.shot_type in (ShotType.MLS, ShotType.LS)
    assert chase.movement in (Movement.TRACKING, Movement.HANDHELD)


def test_durations_fit_the_dialogue_and_stay_in_range() -> None:
    for shot in plan(AVERAGE):
        assert 1.5 <= shot.duration_s <= 8.0
        words = sum(len(line.text.split()) for line in shot.dialogue)
        assert shot.duration_s >= round(words / RATE_WPS, 1)


def test_a_line_too_long_for_one_shot_continues_over_a_reaction() -> None:
    speech = " ".join(
        f"This is sentence number {n} of a long speech about the night everything changed." for n in range(1, 9)
    )
    beats = [act(0, "ANA (30) listens as BEN (32) talks."), say(1, "ana", "Tell me."), say(2, "ben", speech)]
    shots = plan(beats)
    covering = [s for s in shots if 2 in s.beat_indices]
    assert len(covering) >= 2
    assert all(s.duration_s <= 8.0 for s in covering)
    spoken = [line.text for s in covering for line in s.dialogue if line.character == "ben"]
    assert " ".join(spoken) == speech
    assert any(s.characters == ["ana"] for s in covering)  # the listener's reaction carries part of it


def test_voice_over_plays_over_the_listener_and_dual_dialogue_is_a_two_shot() -> None:
    beats = [
        act(0, "LIN (28) sits alone at her desk, phone on speaker."),
        say(1, "maya", "Are you still there?", ext="V.O."),
        say(2, "lin", "I'm here."),
        say(3, "lin", "Stop it!", dual=True),
        say(4, "kai", "You stop it!", dual=True),
    ]
    shots = plan(beats)
    voice = next(s for s in shots if any(line.character == "maya" for line in s.dialogue))
    assert "maya" not in voice.characters and voice.characters == ["lin"]
    dual = next(s for s in shots if 4 in s.beat_indices)
    assert dual.shot_type is ShotType.MS and set(dual.characters) == {"lin", "kai"}
    assert len(dual.dialogue) == 2


def test_lens_always_suits_the_framing() -> None:
    rules = sp.rules()
    for shot in plan(AVERAGE) + plan(AVERAGE, int_ext="EXT"):
        lens = rules.lenses[shot.shot_type]
        assert lens.min <= shot.lens_mm <= lens.max
    assert rules.lenses[ShotType.ELS].max <= 24
    assert rules.lenses[ShotType.CU].min >= 50 and rules.lenses[ShotType.CU].max <= 85
    assert rules.lenses[ShotType.ECU].default == 100


def test_revision_after_character_drift_is_simpler_and_explicit() -> None:
    scene = make_scene(AVERAGE)
    board = SceneBoard(scene=scene, shots=sp.plan_scene(scene, Bibles(), establish=True))
    revised, changes = sp.revise_scene(board, Bibles(), ["character_drift: mia"], establish=True)
    assert revised.revision == 1 and all(s.revision == 1 for s in revised.shots)
    assert all(len(s.characters) <= 1 for s in revised.shots)
    assert ShotType.OTS not in {s.shot_type for s in revised.shots}
    assert all("in frame" in s.description for s in revised.shots)
    assert revised.shots[0].shot_type is ShotType.LS  # establishing kept, one step tighter than ELS/LS
    assert any("1 character" in c for c in changes)
    again, _ = sp.revise_scene(revised, Bibles(), ["character_drift"], establish=True)
    assert again.revision == 2


def test_revision_after_lighting_drift_locks_the_light_and_the_camera() -> None:
    scene = make_scene(AVERAGE, int_ext="EXT")
    board = SceneBoard(scene=scene, shots=sp.plan_scene(scene, Bibles(), establish=True))
    board.shots[2].model_override = "kling-v3-pro"
    revised, _ = sp.revise_scene(board, Bibles(), ["lighting_drift"], establish=True)
    assert all(s.lighting.startswith("Locked to the location bible") for s in revised.shots)
    assert all(s.movement is Movement.STATIC for s in revised.shots)
    assert revised.shots[2].model_override == "kling-v3-pro"  # a pin survives the redo
    unknown = sp.coverage_for(["something odd"], 1)
    assert unknown.causes == ("default",) and unknown.max_characters == 2


def test_proposed_shots_are_checked_and_completed() -> None:
    scene = make_scene(AVERAGE)
    specs = [
        shot_edits.ShotSpec(shot_type="LS", beat_indices=[0, 1]),
        shot_edits.ShotSpec(shot_type="cu", beat_indices=[2, 3, 4, 5], lens_mm=18, duration_s=1.0),
    ]
    shots, notes = shot_edits.shots_from_specs(scene, Bibles(), specs, establish=True)
    assert [s.id for s in shots] == ["E01-S001-SH01", "E01-S001-SH02"]
    assert shots[1].shot_type is ShotType.CU and shots[1].lens_mm == sp.rules().lenses[ShotType.CU].default
    assert len(shots[1].dialogue) == 4 and shots[1].duration_s > 1.0
    assert any("lens" in n for n in notes) and any("duration" in n for n in notes)
    assert any("not covered" in n for n in notes)
    with pytest.raises(ValueError, match="unknown shot type"):
        shot_edits.shots_from_specs(
            scene, Bibles(), [shot_edits.ShotSpec(shot_type="WIDE", beat_indices=[0])], establish=True
        )
    with pytest.raises(ValueError, match="do not exist"):
        shot_edits.shots_from_specs(
            scene, Bibles(), [shot_edits.ShotSpec(shot_type="MS", beat_indices=[42])], establish=True
        )
    with pytest.raises(ValueError, match="unknown characters"):
        shot_edits.shots_from_specs(
            scene, Bibles(), [shot_edits.ShotSpec(shot_type="MS", beat_indices=[0], characters=["zed"])], establish=True
        )


def test_edit_shot_validates() -> None:
    shot = plan(AVERAGE)[1]
    closer, notes = shot_edits.edit_shot(shot, {"shot_type": "CU"}, {"mia", "joe"})
    assert closer.shot_type is ShotType.CU and closer.lens_mm == sp.rules().lenses[ShotType.CU].default and notes
    with pytest.raises(ValueError, match="suits"):
        shot_edits.edit_shot(shot, {"shot_type": "ELS", "lens_mm": 85}, set())
    with pytest.raises(ValueError, match="duration"):
        shot_edits.edit_shot(shot, {"duration_s": 20}, set())
    with pytest.raises(ValueError, match="unknown characters"):
        shot_edits.edit_shot(shot, {"characters": ["zed"]}, {"mia", "joe"})
    with pytest.raises(ValueError, match="cannot edit"):
        shot_edits.edit_shot(shot, {"id": "X"}, set())
    pinned, _ = shot_edits.edit_shot(shot, {"model_override": "veo-3.1"}, set())
    assert pinned.model_override == "veo-3.1"
    assert shot_edits.edit_shot(pinned, {"model_override": "auto"}, set())[0].model_override is None


@pytest.fixture(scope="module")
def example(example_dir: Path = Path(__file__).resolve().parents[2] / "examples" / "neon-vows"):
    screenplay = load_script(example_dir / "neon-vows.fountain")
    bibles = extract_bibles(screenplay)
    return screenplay, bibles, sp.plan_storyboard(screenplay, bibles)


def test_the_example_storyboard(example) -> None:
    _screenplay, bibles, board = example
    assert len(board.episodes) == 2 and board.bibles == bibles
    assert all(re.fullmatch(r"E\d\d-S\d{3}-SH\d\d", s.id) for s in board.shots())
    for episode in board.episodes:
        assert all(b.shots[0].cinematic_priority for b in episode.scenes)  # every scene moves somewhere new
        minutes = sum(s.duration_s for s in episode.shots()) / 60
        assert 1.5 <= minutes <= 3.5
    proposal = board.scene_board("E01-S001").shots
    assert any(s.shot_type is ShotType.INSERT and s.props == ["ring"] for s in proposal)
    assert any(s.shot_type in (ShotType.CU, ShotType.ECU) and s.emotional_intensity >= 0.7 for s in proposal)
    chase = board.scene_board("E02-S002").shots
    assert any("vehicle" in s.physics_elements for s in chase)
    fight = board.scene_board("E02-S004").shots
    assert any("fight" in s.physics_elements for s in fight)
    dual = next(s for s in board.scene_board("E02-S003").shots if len({d.character for d in s.dialogue}) == 2)
    assert set(dual.characters) == {"lin", "kai"}
    call = board.scene_board("E01-S006").shots
    assert all("hale" not in s.characters for s in call)  # Hale is only a voice on the phone
    assert all(s.lighting for s in board.shots())
    promenade = board.scene_board("E01-S005").shots[0]
    assert "3200K" in promenade.lighting


def test_a_35_scene_episode_plans_in_well_under_a_second(example) -> None:
    screenplay, _, _ = example
    source = screenplay.scenes()
    scenes = [
        s.model_copy(update={"id": scene_id(1, n), "number": n, "episode": 1})
        for n, s in enumerate((source * 4)[:35], start=1)
    ]
    big = Screenplay(title="Long", episodes=[Episode(number=1, scenes=scenes)])
    start = time.perf_counter()
    bibles = extract_bibles(big)
    board = sp.plan_storyboard(big, bibles)
    elapsed = time.perf_counter() - start
    assert len(board.episodes[0].scenes) == 35
    assert elapsed < 0.6, f"script → bibles → shots took {elapsed:.2f}s"
