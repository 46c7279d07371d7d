"""Chat-driven direction: the offline grammar, the plan (which shots a note touches, what they cost), history and
undo, and a chat session on a small produced production that redoes exactly the shots a note touches."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field
from typer.testing import CliRunner

from backends.catalog import ModelCatalog
from domain.bibles import Bibles, CharacterBible, Outfit, SceneBible
from domain.errors import ConfigError
from domain.production import GenerationResult
from domain.screenplay import Beat, Scene, scene_id, shot_id
from domain.settings import Config
from domain.shot import Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from reelcrew import runner
from reelcrew.chat import (
    DIRECTOR_TOOLS,
    ChatHistory,
    ChatSession,
    HistoryEntry,
    Plan,
    affected_shots,
    converse,
    first_request,
    shot_inputs,
)
from reelcrew.chat_commands import (
    Mood,
    Question,
    Regenerate,
    Route,
    ShotEdit,
    Wardrobe,
    model_for_family,
    mood_changes,
    parse_note,
)
from reelcrew.cli import app
from tools.character import bible_store
from tools.clip_cache import ClipCache, cache_key
from tools.context import ToolContext

FAMILIES = ["veo", "kling", "seedance", "happyhorse", "wan"]
MODELS = ["kling-v3-pro", "veo-3.1"]

ShotRow = tuple[str, list[str], str, list[str]]  # type, characters, description, physics
SCENES: list[tuple[int, int, str, str, list[ShotRow]]] = [  # episode, number, heading, location, shots
    (1, 1, "EXT. ROOFTOP - NIGHT", "rooftop", [
        ("ELS", [], "City lights under heavy rain", ["water"]),
        ("MS", ["lin", "jun"], "Lin faces Jun", []),
        ("CU", ["lin"], "Lin's eyes", []),
    ]),
    (1, 2, "INT. KITCHEN - DAY", "kitchen", [("MS", ["jun"], "Jun cooks", []), ("MCU", ["lin"], "Lin watches", [])]),
    (2, 1, "EXT. STREET - NIGHT", "street", [
        ("LS", ["lin"], "Lin runs through the rain", ["water"]),
        ("CU", ["jun"], "Jun waits", []),
    ]),
]  # fmt: skip


def board() -> Storyboard:
    """Two episodes, three scenes, seven shots, two characters: enough for every form of the grammar."""
    episodes: dict[int, EpisodeBoard] = {}
    for ep, n, heading, loc, shots in SCENES:
        sid = scene_id(ep, n)
        scene = Scene(
            id=sid,
            episode=ep,
            number=n,
            heading=heading,
            location_id=loc,
            location_name=loc.title(),
            int_ext=heading[:3],  # type: ignore[arg-type]
            time_of_day=heading.split(" - ")[-1],
            beats=[Beat(index=0, kind="action", text=shots[0][2])],
        )
        planned = [
            Shot(
                id=shot_id(ep, n, i),
                episode=ep,
                scene_id=sid,
                index=i,
                location_id=loc,
                shot_type=ShotType(kind),
                characters=cast,
                description=text,
                physics_elements=physics,
                has_physics_elements=bool(physics),
            )
            for i, (kind, cast, text, physics) in enumerate(shots, 1)
        ]
        episodes.setdefault(ep, EpisodeBoard(number=ep)).scenes.append(SceneBoard(scene=scene, shots=planned))
    coat = Outfit(
        from_scene="E01-S001", description="a long grey wool coat over a black dress", colors=["grey", "black"]
    )
    bibles = Bibles(
        characters={
            "lin": CharacterBible(character_id="lin", name="Lin", aliases=["Lin Mei"], wardrobe=[coat]),
            "jun": CharacterBible(
                character_id="jun", name="Jun", wardrobe=[Outfit(from_scene="E01-S001", description="a white shirt")]
            ),
        },
        locations={
            loc: SceneBible(location_id=loc, name=loc.title(), lighting_palette=f"{loc} light")
            for loc in ("rooftop", "kitchen", "street")
        },
    )
    return Storyboard(title="Rain", episodes=list(episodes.values()), bibles=bibles)


def parse(note: str) -> Any:
    return parse_note(note, board(), families=FAMILIES, models=MODELS)


# ── the offline grammar, one documented form at a time ─────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "Make Lin's coat red from episode 2 on.",
            Wardrobe(character_id="lin", garment="coat", colour="red", from_scene="E02-S001"),
        ),
        (
            "make LIN MEI’s coat dark red in scene 2",
            Wardrobe(
                character_id="lin", garment="coat", colour="dark red", from_scene="E01-S002", until_scene="E02-S001"
            ),
        ),
        (
            "Lin's coat is navy blue",
            Wardrobe(character_id="lin", garment="coat", colour="navy blue", from_scene="E01-S001"),
        ),
        (
            "make lin's coat red from scene 2 on",
            Wardrobe(character_id="lin", garment="coat", colour="red", from_scene="E01-S002"),
        ),
        (
            "dress Jun in a black suit from E01-S002 on",
            Wardrobe(character_id="jun", outfit="a black suit", from_scene="E01-S002"),
        ),
        (
            "Jun wears a red scarf in episode 2!",
            Wardrobe(character_id="jun", outfit="a red scarf", from_scene="E02-S001"),
        ),
        ("scene 3 shot 2 as a close-up", ShotEdit(shot_ids=["E02-S001-SH02"], changes={"shot_type": "CU"})),
        (
            "Make E01-S002-SH01 a low angle wide shot, handheld",
            ShotEdit(
                shot_ids=["E01-S002-SH01"], changes={"camera_angle": "low", "shot_type": "LS", "movement": "handheld"}
            ),
        ),
        (
            "shot 2 of scene 1 to 85mm, 4 seconds",
            ShotEdit(shot_ids=["E01-S001-SH02"], changes={"lens_mm": 85, "duration_s": 4.0}),
        ),
        (
            "episode 2, scene 1 shot 1: extreme close-up, dutch tilt",
            ShotEdit(shot_ids=["E02-S001-SH01"], changes={"shot_type": "ECU", "camera_angle": "dutch"}),
        ),
        ("More tension in the rooftop scene", Mood(scene_ids=["E01-S001"], direction=1, quality="tension")),
        ("less tension in scene 2", Mood(scene_ids=["E01-S002"], direction=-1, quality="tension")),
        ("scene 3 needs more calm", Mood(scene_ids=["E02-S001"], direction=-1, quality="calm")),
        ("regenerate scene 2", Regenerate(shot_ids=["E01-S002-SH01", "E01-S002-SH02"])),
        ("Redo scene 1 shot 2", Regenerate(shot_ids=["E01-S001-SH02"])),
        ("new take of the rain shots", Regenerate(shot_ids=["E01-S001-SH01", "E02-S001-SH01"])),
        ("reshoot episode 2", Regenerate(shot_ids=["E02-S001-SH01", "E02-S001-SH02"])),
        (
            "regenerate E01-S002 and scene 3 shot 2",
            Regenerate(shot_ids=["E01-S002-SH01", "E01-S002-SH02", "E02-S001-SH02"]),
        ),
        ("use Kling for the rain shots", Route(shot_ids=["E01-S001-SH01", "E02-S001-SH01"], family="kling")),
        ("route scene 2 to Veo", Route(shot_ids=["E01-S002-SH01", "E01-S002-SH02"], family="veo")),
        ("use kling-v3-pro for scene 1 shot 2", Route(shot_ids=["E01-S001-SH02"], model="kling-v3-pro")),
        (
            "use veo for Lin's shots",
            Route(shot_ids=["E01-S001-SH02", "E01-S001-SH03", "E01-S002-SH02", "E02-S001-SH01"], family="veo"),
        ),
        ("use automatic routing for scene 3", Route(shot_ids=["E02-S001-SH01", "E02-S001-SH02"])),
        (
            "What did Lin wear in scene 3?",
            Question(text="what did lin wear in scene 3", topic="wardrobe", character_id="lin", scene_ids=["E02-S001"]),
        ),
        ("what does lin look like", Question(text="what does lin look like", topic="look", character_id="lin")),
        ("who is in scene 2?", Question(text="who is in scene 2", topic="cast", scene_ids=["E01-S002"])),
        ("where is scene 2?", Question(text="where is scene 2", topic="location", scene_ids=["E01-S002"])),
        (
            "which model is scene 1 shot 2 on?",
            Question(text="which model is scene 1 shot 2 on", topic="route", shot_ids=["E01-S001-SH02"]),
        ),
        ("how much does episode 1 cost?", Question(text="how much does episode 1 cost", topic="cost", episodes=[1])),
        ("Is the rooftop lit warm?", Question(text="is the rooftop lit warm", topic="search")),
    ],
)
def test_each_documented_form_parses_to_its_command(note: str, expected: Any) -> None:
    assert parse(note) == expected


@pytest.mark.parametrize("note", ["undo", "Undo that.", "UNDO the last change"])
def test_undo_in_any_case(note: str) -> None:
    assert parse(note).kind == "undo"


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("make Bob's coat red", r"no character called 'bob'.*Jun, Lin"),
        ("use sora for scene 1", r"no video model or family called 'sora'"),
        ("regenerate scene 9", r"there is no scene 9: the production has 3 scenes"),
        ("scene 1 shot 7 as a close-up", r"E01-S001 has 3 shots; there is no shot 7"),
        ("regenerate the volcano shots", r"no shot mentions 'volcano'"),
        ("dance like nobody is watching", r"did not understand.*help.*policy = \"llm\""),
    ],
)
def test_what_it_cannot_resolve_it_says_and_names_what_exists(note: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse(note)


# ── what a command changes ─────────────────────────────────────────────────────────────────────────────────


def test_more_tension_tightens_pushes_in_and_raises_intensity() -> None:
    shot = board().shot("E01-S001-SH02")
    assert mood_changes(shot, 1) == {"emotional_intensity": 0.25, "shot_type": "MCU", "movement": "push-in"}
    assert mood_changes(shot, -1) == {"shot_type": "MLS"}


def test_a_family_means_its_model_at_the_productions_tier() -> None:
    config, catalog = Config(), ModelCatalog.load()
    assert model_for_family("kling", "standard", config.router, catalog) == config.router.tiers["kling"]["standard"]
    assert catalog.get(model_for_family("wan", "premium", config.router, catalog)).family == "wan"


# ── the plan: exactly the shots whose generation inputs change ─────────────────────────────────────────────


def edited(change: Any) -> tuple[Storyboard, Storyboard]:
    before = board()
    after = before.model_copy(deep=True)
    change(after)
    return before, after


def redo_ids(before: Storyboard, after: Storyboard, cache: ClipCache | None = None) -> list[str]:
    return [s.shot_id for s in affected_shots(before, after, Config(), ModelCatalog.load(), cache)]


def test_a_wardrobe_change_touches_only_that_characters_shots_in_those_scenes() -> None:
    def red_coat_from_episode_2(b: Storyboard) -> None:
        red = Outfit(from_scene="E02-S001", description="a long red wool coat over a black dress", source="director")
        b.bibles.characters["lin"].wardrobe.append(red)

    assert redo_ids(*edited(red_coat_from_episode_2)) == ["E02-S001-SH01"]


def test_a_location_light_change_touches_every_shot_there() -> None:
    def colder_kitchen(b: Storyboard) -> None:
        b.bibles.locations["kitchen"].lighting_palette = "cold fluorescent"

    assert redo_ids(*edited(colder_kitchen)) == ["E01-S002-SH01", "E01-S002-SH02"]


def test_a_new_take_changes_take_and_seed_and_a_pin_changes_the_model() -> None:
    def retake_and_pin(b: Storyboard) -> None:
        b.shot("E01-S002-SH01").take = 1
        b.shot("E02-S001-SH02").model_override = "kling-v3-pro"

    changes = affected_shots(*edited(retake_and_pin), Config(), ModelCatalog.load())
    assert [c.shot_id for c in changes] == ["E01-S002-SH01", "E02-S001-SH02"]
    assert changes[0].changed == ["take", "seed"]
    assert "model" in changes[1].changed and changes[1].model == "kling-v3-pro"
    assert all(c.est_cost_usd > 0 and not c.cached for c in changes)


def test_a_shot_whose_clip_is_in_the_cache_is_free(tmp_path: Path) -> None:
    config, catalog = Config(), ModelCatalog.load()
    original = board()
    retaken = original.model_copy(deep=True)
    retaken.shot("E01-S001-SH03").take = 1
    cache = ClipCache(tmp_path / "cache")
    inputs = shot_inputs(original, config, catalog)["E01-S001-SH03"]
    clip = tmp_path / "made.mp4"
    clip.write_bytes(b"not really a video")
    cache.put(
        cache_key(first_request(original, "E01-S001-SH03", inputs, config)),
        GenerationResult(clip=str(clip), model=inputs.model, seed=inputs.seed),
    )

    back = affected_shots(retaken, original, config, catalog, cache)  # undoing the retake: the old clip is cached
    forward = affected_shots(original, retaken, config, catalog, cache)  # the new take is not

    assert [(c.shot_id, c.cached, c.est_cost_usd) for c in back] == [("E01-S001-SH03", True, 0.0)]
    assert [(c.shot_id, c.cached) for c in forward] == [("E01-S001-SH03", False)] and forward[0].est_cost_usd > 0


# ── history and undo files ─────────────────────────────────────────────────────────────────────────────────


def entry(n: int, note: str, *, applied: bool = True, undoes: int | None = None) -> HistoryEntry:
    return HistoryEntry(
        n=n,
        at="2025-01-01T00:00:00+00:00",
        note=note,
        policy="rules",
        plan=Plan(kind="undo" if undoes else "change"),
        applied=applied,
        undo_file=f"chat/undo/{n:03d}.json" if applied else None,
        undoes=undoes,
    )


def test_history_keeps_every_note_and_undo_walks_back_the_applied_ones(tmp_path: Path) -> None:
    history = ChatHistory(tmp_path)
    saved = history.save_before(1, board())
    for e in (entry(1, "a"), entry(2, "b, declined", applied=False), entry(3, "c"), entry(4, "undo", undoes=3)):
        history.append(e)

    assert [e.note for e in history.entries()] == ["a", "b, declined", "c", "undo"]
    assert [e.n for e in history.in_effect()] == [1]
    assert history.load(saved).storyboard == board() and saved == "chat/undo/001.json"
    assert (tmp_path / "chat" / "history.jsonl").read_text().count("\n") == 4
    assert not list((tmp_path / "chat").glob(".*"))  # atomic writes leave no temp files behind


# ── a chat on a real production: produced offline (previz, espeak), then directed ───────────────────────────

SCRIPT = """Title: Rain on the Roof

EXT. ROOFTOP - NIGHT

Rain hammers the roof. LIN (28), in a long grey wool coat, waits by the ledge.

LIN
You came.

INT. KITCHEN - DAY

JUN (30) cooks eggs in a white shirt.

JUN
You burn everything.

LIN
I learned from you.
"""
SMALL: dict[str, dict[str, Any]] = {
    "run": {"width": 144, "height": 256, "workers": 2},
    "export": {"width": 144, "height": 256},
    "audio": {"music": False},
    # previz figures at 144x256, and a new look locked from its first take: keep the run free of retries
    "gates": {"character_threshold": {"offline": 0.6}, "confirm_new_looks": False},
}


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A small production made for each test: every test starts from the same finished state (same seed), and a
    production's records name its own files, so each test gets its own rather than a copy of another's."""
    script = tmp_path / "rain.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    target = tmp_path / "out"
    outcome = runner.produce(
        [script], target, run=SMALL["run"], export=SMALL["export"], audio=SMALL["audio"], gates=SMALL["gates"]
    )
    assert outcome.status == "complete", outcome.message
    return target


def model_calls(out: Path) -> list[dict[str, Any]]:
    """The real model calls so far: one line each in OUT/calls.jsonl, written by generate_clip."""
    path = out / "calls.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.is_file() else []


def test_a_wardrobe_note_redoes_exactly_the_shots_it_touches_and_undo_is_free(out: Path) -> None:
    session = ChatSession(out)
    before = runner.load_production(out).storyboard
    lin_in_kitchen = [s.id for s in before.scene_board("E01-S002").shots if "lin" in s.characters]
    made = len(model_calls(out))
    assert lin_in_kitchen and made == len(before.shots())

    proposal = session.propose("Make Lin's coat red from scene 2 on.")

    assert [c.tool for c in proposal.plan.tool_calls] == ["edit_bible"]
    assert proposal.plan.redo == lin_in_kitchen and proposal.plan.episodes == [1]
    assert proposal.plan.total_usd > 0 and not any(s.cached for s in proposal.plan.shots)
    assert runner.load_production(out).storyboard == before and len(model_calls(out)) == made  # nothing yet

    outcome = session.apply(proposal)

    assert outcome is not None and outcome.status == "complete"
    assert sorted(c["shot_id"] for c in model_calls(out)[made:]) == lin_in_kitchen
    edited = runner.load_production(out).storyboard.bibles.characters["lin"]
    assert "red" in edited.outfit_for("E01-S002").description  # type: ignore[union-attr]
    assert "red" not in edited.outfit_for("E01-S001").description  # type: ignore[union-attr]
    assert "red" in json.loads((out / "bibles" / "characters" / "lin.json").read_text())["wardrobe"][-1]["description"]

    undo = session.propose("undo")
    assert undo.plan.kind == "undo" and undo.plan.redo == lin_in_kitchen
    assert undo.plan.total_usd == 0 and all(s.cached for s in undo.plan.shots)
    redone = len(model_calls(out))
    session.apply(undo)

    assert len(model_calls(out)) == redone  # the old clips came from the cache
    restored = runner.load_production(out).storyboard
    assert restored.bibles.characters["lin"].wardrobe == before.bibles.characters["lin"].wardrobe
    stored = bible_store(ToolContext.create(session.settings, out)).get_character("lin")
    assert stored is not None and stored.wardrobe == before.bibles.characters["lin"].wardrobe
    history = session.history.entries()
    assert [(e.note, e.applied, e.undoes) for e in history] == [
        ("Make Lin's coat red from scene 2 on.", True, None),
        ("undo", True, 1),
    ]
    assert (out / "chat" / "undo" / "001.json").is_file() and session.history.in_effect() == []


def test_a_question_is_answered_without_any_change(out: Path) -> None:
    session = ChatSession(out)
    before = runner.load_production(out).storyboard
    made = len(model_calls(out))
    said: list[str] = []

    turns = converse(
        session,
        ["What did Lin wear in scene 2?", "who wears the grey coat?", "how much does episode 1 cost?"],
        confirm=lambda proposal: pytest.fail("a question must not ask to apply anything"),
        say=said.append,
    )

    assert [t.plan.kind for t in turns if t.plan] == ["answer", "answer", "answer"]
    assert "grey wool coat" in said[0] and "E01-S002" in said[0]
    assert "search_bibles" in said[1] and "Lin (character" in said[1]
    assert "estimate_cost" in said[2]
    assert runner.load_production(out).storyboard == before and len(model_calls(out)) == made
    assert [e.plan.kind for e in session.history.entries()] == ["answer"] * 3


def test_the_chat_command_applies_notes_and_undoes_them_for_free(out: Path) -> None:
    cli = CliRunner()
    made = len(model_calls(out))

    done = cli.invoke(
        app, ["chat", str(out), "-m", "regenerate scene 1 shot 2", "-m", "use kling-v3-pro for scene 2 shot 1", "--yes"]
    )

    assert done.exit_code == 0, done.output
    assert "Estimated cost" in done.output and "changed: take, seed" in done.output
    new = model_calls(out)[made:]
    assert {c["shot_id"] for c in new} == {"E01-S001-SH02", "E01-S002-SH01"}
    assert ("E01-S002-SH01", "kling-v3-pro") in {(c["shot_id"], c["model"]) for c in new}
    board = runner.load_production(out).storyboard
    assert board.shot("E01-S001-SH02").take == 1 and board.shot("E01-S002-SH01").model_override == "kling-v3-pro"

    undone = cli.invoke(app, ["chat", str(out), "-m", "undo", "-m", "undo", "-y"])

    assert undone.exit_code == 0, undone.output
    assert len(model_calls(out)) == made + len(new)  # both undos came from the cache
    board = runner.load_production(out).storyboard
    assert board.shot("E01-S001-SH02").take == 0 and board.shot("E01-S002-SH01").model_override is None

    wrong = cli.invoke(app, ["chat", str(out), "-m", "dance on the table", "-y"])
    assert isinstance(wrong.exception, ConfigError) and "did not understand" in str(wrong.exception)


class ScriptedChatModel(GenericFakeChatModel):
    """The only fake: an LLM that replies with the scripted messages in order and records what it was offered."""

    bound: list[str] = Field(default_factory=list)
    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        self.bound = [t.name for t in tools]
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        self.seen.append(list(messages))
        message = next(self.messages)
        assert isinstance(message, BaseMessage)
        return ChatResult(generations=[ChatGeneration(message=message)])


def test_with_an_llm_a_free_form_note_becomes_the_same_kind_of_plan(out: Path) -> None:
    edit = {"kind": "character", "id": "lin", "field": "wardrobe", "value": "coat red", "from_scene": "E01-S002"}
    model = ScriptedChatModel(
        messages=iter(
            [
                AIMessage(
                    content="", tool_calls=[{"name": "edit_bible", "args": edit, "id": "c1", "type": "tool_call"}]
                ),
                AIMessage(content='{"reply": "Lin now wears a red coat from the kitchen scene on."}'),
            ]
        )
    )
    session = ChatSession(out, services={"llm:director": model}, policy="llm")
    made = len(model_calls(out))

    proposal = session.propose("Honestly her coat should pop once she's indoors, think red")

    assert model.bound == sorted(DIRECTOR_TOOLS)
    assert "Honestly her coat should pop" in str(model.seen[0][-1].content)  # the note travels as data
    assert proposal.policy == "llm" and proposal.plan.reply.startswith("Lin now wears a red coat")
    assert [(c.tool, c.arguments["value"]) for c in proposal.plan.tool_calls] == [("edit_bible", "coat red")]
    assert proposal.plan.redo == ["E01-S002-SH03"] and len(model_calls(out)) == made

    session.record(proposal, declined=True)  # the director says no: the bible store goes back too
    stored = bible_store(ToolContext.create(session.settings, out)).get_character("lin")
    assert stored is not None and "red" not in json.dumps(stored.wardrobe[-1].model_dump())
    assert session.history.entries()[-1].outcome == {"status": "declined"}
