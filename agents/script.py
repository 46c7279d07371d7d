"""The Script agent: storyboard artist and script supervisor.

Rules policy: read the script with ``parse_script``; plan every scene with ``plan_shots`` (the storyboard rules
in ``tools/shot_planning.py``); after a clustered failure, redo the scene with ``revise_scene_storyboard`` and
the failure causes. With the LLM policy a scene is planned by the model through the same tools (it may pass its
own shot list to ``plan_shots``, which checks it); a scene the model leaves unplanned falls back to the rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from agents.base import Agent
from domain.bibles import Bibles
from domain.decisions import AgentName
from domain.errors import ScriptError
from domain.screenplay import Screenplay
from domain.storyboard import SceneBoard, Storyboard
from tools.script import ParseScriptResult, PlanShotsResult, ReviseSceneResult
from tools.shot_planning import storyboard_skeleton


class ScenePlanned(BaseModel):
    """The answer of a plan or redo task: which scene, and how many shots it now has."""

    scene_id: str
    shots: int


class ScriptAgent(Agent):
    name: ClassVar[AgentName] = "script"
    tools: ClassVar[tuple[str, ...]] = (
        "parse_script",
        "analyze_beat",
        "plan_shots",
        "revise_scene_storyboard",
        "edit_shot",
    )
    prompt: ClassVar[str] = "script.yaml"

    def read(self, paths: list[Path]) -> Screenplay:
        """The screenplay in ``paths`` (files or a folder); its scenes are laid onto the project's storyboard."""
        result: ParseScriptResult = self.call(
            "parse_script",
            {"paths": [str(p) for p in paths], "include_screenplay": True},
            reason="load the script files given for this run",
        )
        if result.screenplay is None:
            raise ScriptError(None, "the script could not be read into scenes")
        return result.screenplay

    def storyboard(self, screenplay: Screenplay, bibles: Bibles) -> Storyboard:
        """Every scene of ``screenplay`` planned into shots against ``bibles``; also left on ``ctx.project``."""
        project = self.ctx.project
        project.storyboard = storyboard_skeleton(screenplay, keep=project.storyboard)
        project.storyboard.bibles = bibles
        for scene in screenplay.scenes():
            self.decide(
                "plan_scene",
                {"scene": scene.model_dump(mode="json")},
                ScenePlanned,
                lambda scene_id=scene.id: self._plan(scene_id),  # type: ignore[misc]
                subject=scene.id,
            )
            if not project.storyboard.scene_board(scene.id).shots:
                self._plan(scene.id)  # the model answered without planning: the rules fill the gap
        return project.storyboard

    def _plan(self, scene_id: str) -> ScenePlanned:
        result: PlanShotsResult = self.call(
            "plan_shots",
            {"scene_id": scene_id},
            reason="storyboard rules: establishing on a new location, OTS/CU dialogue coverage, "
            "close-ups at peaks, physics and insert shots",
            subject=scene_id,
        )
        return ScenePlanned(scene_id=scene_id, shots=len(result.shots))

    def redo_scene(self, scene_id: str, reasons: list[str]) -> SceneBoard:
        """Redo one scene's storyboard after clustered failures; returns the new board (also on the storyboard)."""
        board = self.ctx.project.storyboard.scene_board(scene_id)
        before = board.revision
        self.decide(
            "revise_scene",
            {"scene_id": scene_id, "reasons": reasons, "shots": [s.model_dump(mode="json") for s in board.shots]},
            ScenePlanned,
            lambda: self._revise(scene_id, reasons),
            subject=scene_id,
        )
        board = self.ctx.project.storyboard.scene_board(scene_id)
        if board.revision == before:
            self._revise(scene_id, reasons)  # the model did not revise: the rules must, or the scene fails again
        return self.ctx.project.storyboard.scene_board(scene_id)

    def _revise(self, scene_id: str, reasons: list[str]) -> ScenePlanned:
        result: ReviseSceneResult = self.call(
            "revise_scene_storyboard",
            {"scene_id": scene_id, "reasons": reasons},
            reason=f"clustered failures ({', '.join(reasons)}): redo the scene with safer coverage",
            subject=scene_id,
        )
        return ScenePlanned(scene_id=scene_id, shots=len(result.shots))
