"""The Python API as a user imports it: `from reelcrew import storyboard, produce, resume`."""

from __future__ import annotations

from pathlib import Path

import pytest

import reelcrew
from domain.storyboard import Storyboard
from tests.graph.support import ROOT


def test_the_public_names_are_exactly_these() -> None:
    assert sorted(reelcrew.__all__) == ["produce", "resume", "storyboard"]
    with pytest.raises(AttributeError):
        reelcrew.nothing_here  # noqa: B018


def test_storyboard_returns_the_typed_storyboard_and_writes_its_files_when_asked(tmp_path: Path) -> None:
    from reelcrew import storyboard

    board = storyboard(ROOT / "examples" / "neon-vows")

    assert isinstance(board, Storyboard) and len(board.episodes) == 2
    assert {"lin", "kai"} <= set(board.bibles.characters)
    assert all(shot.id.startswith(f"E0{shot.episode}-") for shot in board.shots())
    assert not (tmp_path / "out").exists()

    again = storyboard(ROOT / "examples" / "neon-vows", tmp_path / "out")
    assert again.shots() == board.shots()  # deterministic
    assert (tmp_path / "out" / "storyboard.png").is_file() and (tmp_path / "out" / "storyboard.html").is_file()
