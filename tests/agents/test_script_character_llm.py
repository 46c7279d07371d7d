"""The Script and Character agents under the LLM policy, through the methods the graph calls (``storyboard`` in
plan_storyboard, ``build_bibles`` in build_bibles): a scripted model makes real tool calls and answers, or answers
invalidly twice and the rules do the work, with the fallback logged. The only fake is the chat model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agents.character import CharacterAgent
from agents.script import ScriptAgent
from domain.bibles import Bibles
from domain.loader import load_script
from domain.screenplay import Screenplay
from domain.settings import AgentLLMSettings, Config, LLMSettings
from domain.shot import ShotType
from domain.storyboard import Storyboard
from tests.agents.test_llm_policy import ScriptedChatModel, answer, call, scripted, tool_turn
from tools.context import ToolContext

SCRIPT = """Title: Two Rooms

INT. KITCHEN - NIGHT

MAYA (30), curly red hair, in a yellow raincoat, drops her keys on the table.

MAYA
You kept the spare key.

BEN (34), short dark hair, in a navy sweater, leans on the fridge.

BEN
I kept everything.

EXT. ROOFTOP - NIGHT

Rain hammers the rooftop. Maya stands at the edge.

MAYA
Not until you say it.
"""


@pytest.fixture
def screenplay(tmp_path: Path) -> Screenplay:
    path = tmp_path / "two-rooms.fountain"
    path.write_text(SCRIPT, encoding="utf-8")
    return load_script(path)


def llm_ctx(out: Path, agent: str, model: ScriptedChatModel) -> ToolContext:
    """A run whose config sets ``[llm.agents.<agent>] policy = "llm"``; every other agent keeps the rules."""
    config = Config(llm=LLMSettings(agents={agent: AgentLLMSettings(policy="llm")}))
    return ToolContext.create(config, out, **{f"llm:{agent}": model})


def rules_bibles(out: Path, screenplay: Screenplay) -> Bibles:
    return CharacterAgent(ToolContext.create(Config(), out)).build_bibles(screenplay)


def rules_storyboard(out: Path, screenplay: Screenplay) -> Storyboard:
    ctx = ToolContext.create(Config(), out)
    return ScriptAgent(ctx).storyboard(screenplay, CharacterAgent(ctx).build_bibles(screenplay))


def logged(ctx: ToolContext, agent: str) -> list[tuple[str, str, str]]:
    return [(d.policy, d.tool, d.subject) for d in ctx.decisions.memory if d.agent == agent]


# --- Script agent --------------------------------------------------------------------------------------------------


def test_script_llm_plans_scenes_through_the_real_tools(tmp_path: Path, screenplay: Screenplay) -> None:
    model = scripted(
        # E01-S001: weigh a line, then propose its own two-shot list, which plan_shots checks and completes
        tool_turn(call("analyze_beat", {"text": "You kept the spare key.", "dialogue": True}, "c1")),
        tool_turn(
            call(
                "plan_shots",
                {
                    "scene_id": "E01-S001",
                    "shots": [
                        {"shot_type": "MS", "beat_indices": [0, 1], "characters": ["maya"]},
                        {"shot_type": "CU", "beat_indices": [2, 3], "characters": ["ben"]},
                    ],
                },
                "c2",
            )
        ),
        answer({"scene_id": "E01-S001", "shots": 2}),
        # E01-S002: leave it to the storyboard rules behind plan_shots
        tool_turn(call("plan_shots", {"scene_id": "E01-S002"}, "c3")),
        answer({"scene_id": "E01-S002", "shots": 2}),
    )
    ctx = llm_ctx(tmp_path / "out", "script", model)
    bibles = CharacterAgent(ctx).build_bibles(screenplay)  # the Character agent keeps the rules policy

    board = ScriptAgent(ctx).storyboard(screenplay, bibles)

    assert board is ctx.project.storyboard and model.bound == sorted(ScriptAgent.tools)
    first = board.scene_board("E01-S001").shots
    assert [(s.shot_type, s.characters) for s in first] == [(ShotType.MS, ["maya"]), (ShotType.CU, ["ben"])]
    assert [line.character for s in first for line in s.dialogue] == ["maya", "ben"]  # filled from the beats
    expected = rules_storyboard(tmp_path / "rules", screenplay).scene_board("E01-S002").shots
    assert board.scene_board("E01-S002").shots == expected
    assert logged(ctx, "script") == [
        ("llm", "analyze_beat", ""),
        ("llm", "plan_shots", ""),
        ("llm", "plan_scene", "E01-S001"),
        ("llm", "plan_shots", ""),
        ("llm", "plan_scene", "E01-S002"),
    ]
    plan = next(d for d in ctx.decisions.memory if d.tool == "plan_scene")
    assert plan.arguments["prompt"] == "script@v1" and plan.result == {"scene_id": "E01-S001", "shots": 2}


def test_script_llm_that_answers_invalidly_twice_falls_back_to_the_rules(
    tmp_path: Path, screenplay: Screenplay
) -> None:
    model = scripted(
        answer("The kitchen scene is planned."),  # prose, no JSON
        answer({"scene_id": "E01-S001"}),  # no shot count
        answer({"scene_id": "E01-S002", "shots": "several"}),
        answer("```json\n{}\n```"),
    )
    ctx = llm_ctx(tmp_path / "out", "script", model)
    bibles = CharacterAgent(ctx).build_bibles(screenplay)

    board = ScriptAgent(ctx).storyboard(screenplay, bibles)

    assert board.shots() == rules_storyboard(tmp_path / "rules", screenplay).shots()
    fallbacks = [d for d in ctx.decisions.memory if d.policy == "fallback"]
    assert [(d.agent, d.tool, d.subject) for d in fallbacks] == [
        ("script", "plan_scene", "E01-S001"),
        ("script", "plan_scene", "E01-S002"),
    ]
    assert all("failed 2 times" in d.reason and len(d.result["errors"]) == 2 for d in fallbacks)
    assert "shots: Field required" in fallbacks[0].reason
    assert [t for p, t, _ in logged(ctx, "script") if p == "rules"] == ["plan_shots", "plan_shots"]


# --- Character agent -----------------------------------------------------------------------------------------------


def test_character_llm_builds_the_bibles_through_the_real_tools(tmp_path: Path, screenplay: Screenplay) -> None:
    model = scripted(
        tool_turn(call("search_bibles", {"query": "Maya", "kind": "character"}, "c1")),
        tool_turn(
            call("build_character_bible", {"character_id": "maya"}, "c2"),
            call("build_character_bible", {"character_id": "ben"}, "c3"),
        ),
        tool_turn(
            call("build_scene_bible", {"location_id": "kitchen"}, "c4"),
            call("build_scene_bible", {"location_id": "rooftop"}, "c5"),
        ),
        answer({"characters": ["maya", "ben"], "locations": ["kitchen", "rooftop"]}),
    )
    ctx = llm_ctx(tmp_path / "out", "character", model)

    bibles = CharacterAgent(ctx).build_bibles(screenplay)

    assert bibles is ctx.project.storyboard.bibles and model.bound == sorted(CharacterAgent.tools)
    assert sorted(bibles.characters) == ["ben", "maya"] and sorted(bibles.locations) == ["kitchen", "rooftop"]
    assert bibles == rules_bibles(tmp_path / "rules", screenplay)  # the same tools, so the same bibles
    assert "yellow raincoat" in bibles.characters["maya"].wardrobe[0].description
    steps = logged(ctx, "character")
    assert steps[0] == ("rules", "extract_characters", "")  # the cast list is read before the model is asked
    assert [t for p, t, _ in steps[1:]] == ["search_bibles", *["build_character_bible"] * 2,
                                            *["build_scene_bible"] * 2, "build_bibles"]  # fmt: skip
    assert all(p == "llm" for p, _, _ in steps[1:])


def test_character_llm_that_answers_invalidly_twice_falls_back_to_the_rules(
    tmp_path: Path, screenplay: Screenplay
) -> None:
    model = scripted(answer({"characters": "maya, ben"}), answer("All bibles are built."))
    ctx = llm_ctx(tmp_path / "out", "character", model)

    bibles = CharacterAgent(ctx).build_bibles(screenplay)

    assert bibles == rules_bibles(tmp_path / "rules", screenplay)
    (fallback,) = [d for d in ctx.decisions.memory if d.policy == "fallback"]
    assert (fallback.agent, fallback.tool) == ("character", "build_bibles")
    assert "failed 2 times" in fallback.reason and "Invalid JSON" in fallback.reason
    assert "characters: Input should be a valid array" in fallback.result["errors"][0]
    built: list[Any] = [t for p, t, _ in logged(ctx, "character") if p == "rules" and t.startswith("build_")]
    assert sorted(built) == ["build_character_bible"] * 2 + ["build_scene_bible"] * 2
