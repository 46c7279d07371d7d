"""The whole production as one LangGraph state machine. Read ``build_graph`` as the map of the program.

parse_script → build_bibles → plan_storyboard → voice_dialogue → estimate_cost ─(dry run)→ END
                                                                      ↓
                  ┌──────────────────────────────────────────────► schedule ◄─────────────── review
                  │                                  ┌──────────────┼──────────────┬──────────┘   ↑
                  │                           shot ×N (Send)   finish_episode ×E   finalize → END │
                  │                       generate → gates          │                             │
                  │                                  └──────► qa ◄──┘                             │
                  └──── redo_storyboard ◄─(clustered failures)─┘  (flagged shots: schedule → review)
"""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.types import Send

from domain.bibles import Bibles
from domain.production import ShotRecord
from domain.settings import Config
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from graph import nodes
from graph.state import EpisodeJob, Phase, ProductionContext, ProductionInput, ProductionState, ShotJob


def build_shot_graph(config: Config) -> Any:
    """One shot's attempt: the Router generates it, then the Continuity and QA gates judge it."""
    shot = StateGraph(ShotJob, context_schema=ProductionContext)
    shot.add_node("generate", partial(nodes.generate, settings=config))
    shot.add_node("gates", partial(nodes.gates, settings=config))
    shot.add_edge(START, "generate")
    shot.add_edge("generate", "gates")
    shot.add_edge("gates", END)
    return shot.compile()


def build_graph(config: Config | None = None, *, checkpointer: Any = None) -> Any:
    """The compiled production graph. Invoke it with ``{"scripts": [...]}``, a thread id in the RunnableConfig,
    and ``context=ProductionContext(out=...)``."""
    config = config or Config()
    g = StateGraph(ProductionState, context_schema=ProductionContext, input_schema=ProductionInput)

    def node(name: str, fn: Any) -> None:
        g.add_node(name, partial(fn, settings=config))

    node("parse_script", nodes.parse_script)
    node("build_bibles", nodes.build_bibles)
    node("plan_storyboard", nodes.plan_storyboard)
    node("voice_dialogue", nodes.voice_dialogue)
    node("estimate_cost", nodes.estimate_cost)
    node("schedule", nodes.schedule)
    g.add_node("shot", build_shot_graph(config))
    node("qa", nodes.qa)
    node("redo_storyboard", nodes.redo_storyboard)
    node("review", nodes.review)
    node("finish_episode", nodes.finish_episode)
    node("finalize", nodes.finalize)

    g.add_edge(START, "parse_script")
    g.add_edge("parse_script", "build_bibles")
    g.add_edge("build_bibles", "plan_storyboard")
    g.add_edge("plan_storyboard", "voice_dialogue")
    g.add_edge("voice_dialogue", "estimate_cost")
    g.add_conditional_edges("estimate_cost", after_estimate, ["schedule", END])
    g.add_conditional_edges("schedule", dispatch, ["shot", "finish_episode", "review", "finalize"])
    g.add_edge("shot", "qa")
    g.add_edge("finish_episode", "qa")
    g.add_conditional_edges("qa", after_qa, ["redo_storyboard", "schedule"])
    g.add_edge("redo_storyboard", "schedule")
    g.add_edge("review", "schedule")
    g.add_edge("finalize", END)
    return g.compile(checkpointer=checkpointer)


def after_estimate(state: ProductionState) -> Literal["schedule", "__end__"]:
    return "__end__" if state.get("dry_run") else "schedule"


def after_qa(state: ProductionState) -> Literal["redo_storyboard", "schedule"]:
    return "redo_storyboard" if state.get("clusters") else "schedule"


def dispatch(state: ProductionState) -> list[Send] | Literal["review", "finalize"]:
    """Fan out the work of the next round: shots to (re)generate and episodes ready for audio and export."""
    storyboard, records = state["storyboard"], state["records"]
    cuts, progress = state.get("cuts") or {}, state["progress"]
    sends: list[Send] = []
    for episode in storyboard.episodes:
        phase = progress[episode.number].phase
        if phase == Phase.GENERATING:
            for shot in episode.shots():
                record = records[shot.id]
                if record.status in ("pending", "regenerate"):
                    sends.append(Send("shot", shot_job(storyboard, shot.id, record)))
        elif phase == Phase.FINISHING and str(episode.number) not in cuts:
            job = EpisodeJob(
                board=storyboard.model_copy(update={"episodes": [episode]}),
                episode=episode.number,
                records={s.id: records[s.id] for s in episode.shots()},
            )
            sends.append(Send("finish_episode", job))
    if sends:
        return sends
    if any(p.phase == Phase.NEEDS_REVIEW for p in progress.values()):
        return "review"
    return "finalize"


def shot_job(storyboard: Storyboard, shot_id: str, record: ShotRecord) -> ShotJob:
    """A per-shot payload holding only what the shot needs, so fan-out checkpoints stay small."""
    shot = storyboard.shot(shot_id)
    board = storyboard.scene_board(shot.scene_id)
    characters = {c: storyboard.bibles.characters[c] for c in shot.characters if c in storyboard.bibles.characters}
    locations = {k: v for k, v in storyboard.bibles.locations.items() if k == shot.location_id}
    slim = Storyboard(
        title=storyboard.title,
        episodes=[
            EpisodeBoard(
                number=shot.episode,
                scenes=[SceneBoard(scene=board.scene.model_copy(update={"beats": []}), shots=[shot])],
            )
        ],
        bibles=Bibles(characters=characters, locations=locations),
    )
    return ShotJob(
        board=slim, shot_id=shot_id, attempt=len(record.attempts) + 1, correction=record.correction, record=record
    )
