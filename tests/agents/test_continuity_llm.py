"""The Continuity agent's LLM policy on real previz clips: the model drives the real tools (ffmpeg, Chroma, the
offline embedder) and words the correction, but the gates are measured, and an answer the measurement contradicts
falls back to the rules (logged). The only fake is the chat model."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from agents.continuity import CHECK_TOOLS, ContinuityAgent
from backends.previz import Fault, render_clip
from domain.bibles import Appearance, CharacterBible, Outfit, SceneBible
from domain.production import GateResult, GenerationRequest
from domain.screenplay import Scene
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tests.agents.test_llm_policy import ScriptedChatModel, answer, call, tool_turn
from tools.context import ToolContext

Reply = AIMessage | Callable[[list[BaseMessage]], AIMessage]


class ReactiveChatModel(ScriptedChatModel):
    """A scripted model whose replies may read the conversation so far (the frame paths a tool returned)."""

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        item = next(self.messages)
        reply = item(messages) if callable(item) else item
        return ChatResult(generations=[ChatGeneration(message=reply)])


def reactive(*replies: Reply) -> ReactiveChatModel:
    return ReactiveChatModel(messages=iter(replies))


def last_result(messages: Sequence[BaseMessage], tool: str) -> dict[str, Any]:
    found = next(m for m in reversed(messages) if isinstance(m, ToolMessage) and m.name == tool)
    assert found.status != "error", found.content
    result: dict[str, Any] = json.loads(str(found.content))
    return result


def frames_of(messages: Sequence[BaseMessage]) -> list[str]:
    return [f["path"] for f in last_result(messages, "sample_frames")["frames"]]


def shot(index: int) -> Shot:
    return Shot(id=f"E01-S001-SH{index:02d}", episode=1, scene_id="E01-S001", index=index, location_id="diner",
                shot_type=ShotType.MS, characters=["mei"], duration_s=1.0, description="Mei waits.")  # fmt: skip


def make_ctx(out: Path, model: Any = None) -> ToolContext:
    services = {"llm:continuity": model} if model is not None else {}
    ctx = ToolContext.create(Config(), out, **services)
    scene = Scene(
        id="E01-S001", episode=1, number=1, heading="INT. DINER - NIGHT", location_id="diner", location_name="Diner"
    )
    ctx.project.storyboard = Storyboard(
        episodes=[EpisodeBoard(number=1, scenes=[SceneBoard(scene=scene, shots=[shot(i) for i in range(1, 4)])])]
    )
    bibles = ctx.project.storyboard.bibles
    bibles.characters["mei"] = CharacterBible(
        character_id="mei",
        name="Mei",
        appearance=Appearance(hair="long black hair", build="slim"),
        wardrobe=[Outfit(from_scene="E01-S001", description="red coat", colors=["crimson", "black"])],
    )
    bibles.locations["diner"] = SceneBible(
        location_id="diner", name="Diner", int_ext="INT", time_of_day="NIGHT", color_temperature_k=3200
    )
    return ctx


def previz(ctx: ToolContext, index: int, *faults: Fault) -> Path:
    """A clip of the shot drawn by the offline previz renderer from the bibles, with the faults injected."""
    board = ctx.project.storyboard
    request = GenerationRequest(shot=shot(index), context=board.context_for(shot(index)), model="previz",
                                prompt="previz", seed=index, duration_s=1.0, width=180, height=320)  # fmt: skip
    return render_clip(request, ctx.out / "clips" / f"sh{index:02d}.mp4", fps=12, faults=list(faults)).path


def check(ctx: ToolContext, index: int, clip: Path, policy: str | None = None) -> list[GateResult]:
    agent = ContinuityAgent(ctx, policy="llm" if policy == "llm" else None)
    return agent.check(shot(index), clip, ctx.project.storyboard.context_for(shot(index)), 1)


def with_reference(ctx: ToolContext) -> None:
    """Shot 1 rendered clean, checked and approved by the rules: Mei has a reference to be held to."""
    clip = previz(ctx, 1)
    assert all(g.passed for g in check(ctx, 1, clip))
    ContinuityAgent(ctx).approve(shot(1), clip, ctx.project.storyboard.context_for(shot(1)))
    assert ctx.project.storyboard.bibles.characters["mei"].reference_frames


def test_the_model_grades_a_drifted_light_and_its_measured_answer_is_accepted(tmp_path: Path) -> None:
    sid = shot(2).id
    model = reactive()
    ctx = make_ctx(tmp_path, model)
    cold = previz(ctx, 2, Fault(kind="lighting_drift", kelvin_from=3200, kelvin_to=5500))
    model.messages = iter(
        [
            tool_turn(call("sample_frames", {"clip": str(cold), "shot_id": sid}, "c1")),
            lambda seen: tool_turn(
                call("check_character_continuity", {"shot_id": sid, "frames": frames_of(seen)}, "c2"),
                call("check_lighting", {"shot_id": sid, "frames": frames_of(seen)}, "c3"),
            ),
            # the light failed: grade before asking for a paid regeneration, then check the graded copy
            tool_turn(call("correct_color_grade", {"shot_id": sid, "clip": str(cold)}, "c4")),
            lambda seen: tool_turn(
                call("sample_frames", {"clip": last_result(seen, "correct_color_grade")["clip"], "shot_id": sid}, "c5")
            ),
            lambda seen: tool_turn(
                call("check_character_continuity", {"shot_id": sid, "frames": frames_of(seen)}, "c6"),
                call("check_lighting", {"shot_id": sid, "frames": frames_of(seen)}, "c7"),
            ),
            lambda seen: answer(
                {
                    "clip": last_result(seen, "correct_color_grade")["clip"],
                    "character_passed": last_result(seen, "check_character_continuity")["gate"]["passed"],
                    "lighting_passed": last_result(seen, "check_lighting")["gate"]["passed"],
                }
            ),
        ]
    )

    character, lighting = check(ctx, 2, cold, "llm")

    assert model.bound == sorted(CHECK_TOOLS)  # no embed_frames, no lock_reference_frame while checking
    first_light = last_result(model.seen[2], "check_lighting")["gate"]
    assert not first_light["passed"] and first_light["reason"] == "lighting_drift"
    graded = Path(lighting.details["clip"])
    assert graded.is_file() and graded != cold and graded.is_relative_to(ctx.out)
    assert character.passed and lighting.passed and lighting.fixed == "color_grade"
    assert abs(lighting.details["measured_k"] - 3200) < 300 and lighting.details["method"] == "white_balance"
    logged = [(d.policy, d.tool) for d in ctx.decisions.memory]
    assert ("llm", "correct_color_grade") in logged and ("llm", "check_clip") in logged
    assert not [d for d in ctx.decisions.memory if d.policy == "fallback"]
    # the verdict was measured again by the agent itself, on the graded clip, with the storyboard's arguments
    after = logged.index(("llm", "check_clip"))
    remeasured = [d for d in ctx.decisions.memory[after:] if d.policy == "rules"]
    assert [d.tool for d in remeasured] == ["sample_frames", "embed_frames", "check_character_continuity",
                                            "check_lighting"]  # fmt: skip
    assert remeasured[0].arguments["clip"] == str(graded) and remeasured[3].arguments["target_k"] == 3200


def test_a_pass_the_measurements_contradict_falls_back_to_the_rules_verdict(tmp_path: Path) -> None:
    sid = shot(2).id
    model = reactive()
    ctx = make_ctx(tmp_path, model)
    with_reference(ctx)
    drifted = previz(ctx, 2, Fault(kind="character_drift", character_id="mei", seed=4))
    model.messages = iter(
        [
            tool_turn(call("sample_frames", {"clip": str(drifted), "shot_id": sid}, "c1")),
            # it checks nobody's face, only the light, and calls the clip good
            lambda seen: tool_turn(
                call("check_character_continuity", {"shot_id": sid, "frames": frames_of(seen), "characters": []}, "c2"),
                call("check_lighting", {"shot_id": sid, "frames": frames_of(seen)}, "c3"),
            ),
            answer({"clip": str(drifted), "character_passed": True, "lighting_passed": True}),
        ]
    )

    character, lighting = check(ctx, 2, drifted, "llm")

    assert not character.passed and character.reason == "character_drift" and "mei" in character.details["failing"]
    assert lighting.passed and "correction_note" not in character.details
    (fallback,) = [d for d in ctx.decisions.memory if d.policy == "fallback"]
    assert (fallback.agent, fallback.tool, fallback.subject, fallback.ok) == ("continuity", "check_clip", sid, False)
    assert "claimed the character gate passed" in fallback.reason and "character_drift (mei" in fallback.reason
    assert fallback.arguments["answer"]["character_passed"] is True
    # the verdict returned is the rules policy's (its calls repeat the re-measurement's, so the log holds them once)
    assert ContinuityAgent(ctx).check(shot(2), drifted, ctx.project.storyboard.context_for(shot(2)), 1) == [
        character,
        lighting,
    ]


def test_a_measured_failure_keeps_the_models_wording_of_the_correction(tmp_path: Path) -> None:
    sid = shot(2).id
    note = "Mei's coat must be the crimson red coat of her reference frames, not green."
    model = reactive()
    ctx = make_ctx(tmp_path, model)
    with_reference(ctx)
    drifted = previz(ctx, 2, Fault(kind="character_drift", character_id="mei", seed=4))
    model.messages = iter(
        [
            tool_turn(call("sample_frames", {"clip": str(drifted), "shot_id": sid, "count": 3}, "c1")),
            lambda seen: tool_turn(
                call("check_character_continuity", {"shot_id": sid, "frames": frames_of(seen)}, "c2"),
                call("check_lighting", {"shot_id": sid, "frames": frames_of(seen)}, "c3"),
            ),
            answer({"clip": str(drifted), "character_passed": False, "lighting_passed": True, "correction": note}),
        ]
    )

    character, lighting = check(ctx, 2, drifted, "llm")

    assert not character.passed and character.reason == "character_drift"
    assert character.details["correction_note"] == note
    assert lighting.passed and "correction_note" not in lighting.details
    assert not [d for d in ctx.decisions.memory if d.policy == "fallback"]


@pytest.mark.parametrize("made_up", ["clips/sh02-fixed.mp4", "graded/E01-S001-SH02/sh02-4000K.mp4"])
def test_a_clip_no_tool_returned_is_refused(tmp_path: Path, made_up: str) -> None:
    model = reactive()
    ctx = make_ctx(tmp_path, model)
    cold = previz(ctx, 2, Fault(kind="lighting_drift", kelvin_from=3200, kelvin_to=5500))
    invented = ctx.out / made_up
    invented.parent.mkdir(parents=True, exist_ok=True)
    invented.write_bytes(cold.read_bytes())  # even a real file: no correct_color_grade call made it
    model.messages = iter([answer({"clip": made_up, "character_passed": True, "lighting_passed": True})])

    _, lighting = check(ctx, 2, cold, "llm")

    (fallback,) = [d for d in ctx.decisions.memory if d.policy == "fallback"]
    assert "is neither the clip checked" in fallback.reason
    assert lighting.fixed == "color_grade" and Path(lighting.details["clip"]) != invented  # the rules' own grade


def test_a_model_that_answers_invalidly_twice_leaves_the_check_to_the_rules(tmp_path: Path) -> None:
    model = reactive(answer("The clip looks consistent to me."), answer({"clip": "x", "character_passed": "yes"}))
    ctx = make_ctx(tmp_path, model)
    cold = previz(ctx, 2, Fault(kind="lighting_drift", kelvin_from=3200, kelvin_to=5500))

    character, lighting = check(ctx, 2, cold, "llm")

    assert character.passed and lighting.passed and lighting.fixed == "color_grade"  # the rules graded it
    (fallback,) = [d for d in ctx.decisions.memory if d.policy == "fallback"]
    assert fallback.tool == "check_clip" and "failed 2 times" in fallback.reason
    rules = [d.tool for d in ctx.decisions.memory if d.policy == "rules"]
    assert rules.count("correct_color_grade") == 1 and rules.count("check_lighting") == 2  # measured once, by the rules
