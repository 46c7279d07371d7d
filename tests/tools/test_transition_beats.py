"""A transition's words (CUT TO:, FADE OUT.) never reach a shot's description, the text its prompt is built from."""

from __future__ import annotations

from pathlib import Path

from domain.bibles import Bibles
from domain.fountain import parse_fountain
from domain.structure import structure
from reelcrew import runner
from tools import shot_edits
from tools.timeline import transition_kind

SCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"


def test_the_bare_fade_out_ending_two_nights_is_a_fade_not_a_shot() -> None:
    board = runner.storyboard(SCRIPTS / "two-nights.fountain")
    episode = board.episode(2)
    assert "FADE OUT" not in episode.shots()[-1].description
    assert all("FADE" not in shot.description for shot in board.shots())
    assert transition_kind(episode.scenes[-1].scene.transition_out) == "fade"


def test_a_proposed_shot_over_a_transition_beat_leaves_its_words_out() -> None:
    script = "INT. KITCHEN - NIGHT\n\nMaya drops her keys on the table.\n\nCUT TO:\n\nBen leans on the fridge.\n"
    scene = structure([parse_fountain(script)]).scenes()[0]
    assert [beat.kind for beat in scene.beats] == ["action", "transition", "action"]
    specs = [shot_edits.ShotSpec(shot_type="MS", beat_indices=[0, 1, 2])]
    shots, _ = shot_edits.shots_from_specs(scene, Bibles(), specs, establish=False)
    assert "keys" in shots[0].description and "fridge" in shots[0].description
    assert "CUT TO" not in shots[0].description
