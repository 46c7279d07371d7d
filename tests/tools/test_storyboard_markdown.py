"""storyboard.md: one table row per shot, each line of dialogue in it once."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.storyboard import Storyboard
from reelcrew import runner
from tools.artifacts import storyboard_markdown

SCRIPTS = Path(__file__).resolve().parents[1] / "fixtures" / "scripts"


@pytest.fixture(scope="module")
def board() -> Storyboard:
    return runner.storyboard(SCRIPTS / "two-nights.fountain")


def row(markdown: str, shot_id: str) -> str:
    return next(line for line in markdown.splitlines() if line.startswith(f"| {shot_id} |"))


def test_each_line_of_dialogue_is_in_its_row_once(board: Storyboard) -> None:
    markdown = storyboard_markdown(board)
    spoken = [(shot.id, line.text) for shot in board.shots() for line in shot.dialogue]
    assert spoken
    for shot_id, text in spoken:
        assert row(markdown, shot_id).count(text) == 1, (shot_id, text)


def test_a_quote_is_labelled_with_its_speaker_when_the_shot_holds_more_than_one_person(board: Storyboard) -> None:
    shot = board.shot("E01-S001-SH05")  # over Maya's shoulder onto Ben
    assert shot.characters == ["ben", "maya"] and "“I kept everything.”" in shot.description
    assert "**BEN**: “I kept everything.”" in row(storyboard_markdown(board), shot.id)
    alone = board.shot("E01-S001-SH03")
    assert alone.characters == ["maya"]
    assert row(storyboard_markdown(board), alone.id).endswith("saying: “You kept the spare key.” |")


def test_a_line_the_description_does_not_quote_is_added_once(board: Storyboard) -> None:
    edited = board.model_copy(deep=True)
    shot = edited.shot("E01-S001-SH03")
    shot.description = "Maya, close, by the table."
    cell = row(storyboard_markdown(edited), shot.id)
    assert cell.endswith("| Maya, close, by the table. **MAYA**: You kept the spare key. |")
    long_line = "word " * 40
    shot.dialogue[0].text = long_line.strip()
    shot.description = "Maya, saying: “" + " ".join(long_line.split()[:20]) + "…”"
    assert row(storyboard_markdown(edited), shot.id).count("word") == 20  # the cut-short quote stands for it
