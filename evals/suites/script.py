"""Script suite: does reading a screenplay find its scenes, characters, speakers and locations, and does the
storyboard frame the sampled beats the way a careful director would?

Each script is loaded with ``domain.loader.load_script`` (Fountain and FDX alike), its bibles built by the
Character agent and its storyboard planned by the Script agent, in a real tool context. Scores are micro-averaged
over every script; a per-script table shows where the misses are.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.bibles import Bibles
from domain.screenplay import Beat, Scene, Screenplay
from domain.shot import ShotType
from domain.storyboard import Storyboard
from evals import scorers
from evals.datasets import load_yaml
from evals.models import Matrix, Metric, SuiteResult, Table
from evals.suites.base import SuiteContext, SuiteSkipped, round_robin

NONE = "(none)"


class GoldCharacter(BaseModel):
    id: str
    aliases: list[str] = Field(default_factory=list)


class GoldShot(BaseModel):
    beat: str = Field(description="the start of the beat's text")
    type: ShotType
    acceptable: list[ShotType] = Field(default_factory=list)
    emotion: Literal["high", "low"] | None = Field(default=None, description="how charged the beat is, if clear")
    physics: bool | None = Field(default=None, description="does the beat show physics (water, fight, vehicle)?")


class GoldScene(BaseModel):
    heading: str
    location: str | None
    lines: list[tuple[str, str]] = Field(default_factory=list)
    shots: list[GoldShot] = Field(default_factory=list)


class Gold(BaseModel):
    title: str
    episodes: int
    characters: list[GoldCharacter]
    scenes: list[GoldScene]

    def aliases(self) -> dict[str, str]:
        return {alias: c.id for c in self.characters for alias in c.aliases}


class ScriptEntry(BaseModel):
    name: str
    files: list[str]
    gold: str


def heading_key(heading: str) -> str:
    """A heading compared on letters and digits, without the writer's #12# scene number or a forced '.'."""
    return scorers.normalize_text(re.sub(r"#[^#]*#", "", heading))


def align(gold: list[GoldScene], predicted: list[Scene]) -> list[Scene | None]:
    """For each gold scene, the predicted scene with the same heading, matched in order."""
    matched: list[Scene | None] = []
    cursor = 0
    for scene in gold:
        key = heading_key(scene.heading)
        index = next((i for i in range(cursor, len(predicted)) if heading_key(predicted[i].heading) == key), None)
        matched.append(None if index is None else predicted[index])
        cursor = cursor if index is None else index + 1
    return matched


def find_beat(scene: Scene | None, start: str) -> Beat | None:
    """The beat of ``scene`` whose text (or speech) starts like ``start``."""
    if scene is None:
        return None
    key = scorers.normalize_text(start)[:24]
    for candidate in scene.beats:
        texts = [candidate.text] + ([candidate.dialogue.text] if candidate.dialogue else [])
        if any(scorers.normalize_text(t).startswith(key) for t in texts):
            return candidate
    return None


def shot_type_for(board: Storyboard | None, scene: Scene | None, start: str) -> str:
    """The type of the storyboard shot covering the beat that starts like ``start``; ``(none)`` if not found."""
    beat = find_beat(scene, start)
    if board is None or scene is None or beat is None:
        return NONE
    try:
        shots = board.scene_board(scene.id).shots
    except KeyError:
        return NONE
    covering = [s for s in shots if beat.index in s.beat_indices]
    return covering[0].shot_type.value if covering else NONE


def read_beat(beat: Beat) -> tuple[float, bool]:
    """What ``tools.beats`` reads in a beat: its emotional intensity, and whether it names physics."""
    from tools.beats import analyze

    if beat.dialogue is not None:
        reading = analyze(beat.dialogue.text, beat.dialogue.parenthetical, dialogue=True)
    else:
        reading = analyze(beat.text)
    return reading.intensity, bool(reading.physics)


class _Totals:
    """Everything scored across scripts, as flat lists tagged with the script's name (micro-average)."""

    def __init__(self) -> None:
        self.headings: tuple[list[str], list[str]] = ([], [])
        self.characters: tuple[list[str], list[str]] = ([], [])
        self.locations: tuple[list[str], list[str]] = ([], [])
        self.bible_characters: tuple[list[str], list[str]] = ([], [])
        self.bible_locations: tuple[list[str], list[str]] = ([], [])
        self.lines_correct = self.lines_total = 0
        self.scene_counts_right = self.episodes_right = self.scripts = 0
        self.shot_gold: list[str] = []
        self.shot_pred: list[str] = []
        self.shot_acceptable = 0
        self.emotion: tuple[list[float], list[bool]] = ([], [])
        self.physics: tuple[list[bool], list[bool]] = ([], [])
        self.rows: list[list[Any]] = []
        self.errors: list[list[Any]] = []


def load_entries(ctx: SuiteContext) -> list[ScriptEntry]:
    entries = [ScriptEntry.model_validate(e) for e in ctx.manifest("script").extra["scripts"]]
    return round_robin(entries, lambda e: e.name, ctx.sample)


def run(ctx: SuiteContext) -> SuiteResult:
    from domain.loader import load_script

    manifest = ctx.manifest("script")
    folder = ctx.dataset("script")
    totals = _Totals()
    notes: list[str] = []
    storyboards = True
    for entry in load_entries(ctx):
        gold = Gold.model_validate(load_yaml(folder / entry.gold))
        screenplay = load_script([folder / f for f in entry.files])
        board, bibles, why = _plan(ctx, entry.name, screenplay)
        if why:
            storyboards = False
            notes = notes if why in notes else [*notes, why]
        _score_script(entry.name, gold, screenplay, board, bibles, totals)

    scenes = scorers.set_prf(*totals.headings)
    characters = scorers.set_prf(*totals.characters)
    locations = scorers.set_prf(*totals.locations)
    metrics = [
        Metric(name="scene_f1", value=scenes.f1, threshold=0.95, description="scene headings found (multiset F1)"),
        Metric(
            name="scene_precision",
            value=scenes.precision,
            description=f"headings found that are gold scenes ({scenes.tp} of {scenes.tp + scenes.fp})",
        ),
        Metric(
            name="scene_recall",
            value=scenes.recall,
            description=f"gold scenes whose heading was found ({scenes.tp} of {scenes.tp + scenes.fn})",
        ),
        Metric(
            name="scene_count_accuracy",
            value=totals.scene_counts_right / totals.scripts,
            threshold=0.75,
            description="scripts whose scene count is exactly right",
        ),
        Metric(
            name="episode_count_accuracy",
            value=totals.episodes_right / totals.scripts,
            threshold=0.75,
            description="scripts split into the labelled number of episodes (one file, one episode)",
        ),
        Metric(
            name="character_f1",
            value=characters.f1,
            threshold=0.9,
            description="speaking characters found, after mapping aliases",
        ),
        Metric(
            name="character_precision",
            value=characters.precision,
            description=f"speakers found that are gold characters ({characters.tp} of {characters.tp + characters.fp})",
        ),
        Metric(
            name="character_recall",
            value=characters.recall,
            description=f"gold characters found speaking ({characters.tp} of {characters.tp + characters.fn})",
        ),
        Metric(
            name="dialogue_attribution",
            value=totals.lines_correct / max(totals.lines_total, 1),
            threshold=0.95,
            description="speeches found and given to the right speaker",
        ),
        Metric(name="location_f1", value=locations.f1, threshold=0.9, description="distinct locations found"),
    ]
    if any(totals.emotion[1]) and not all(totals.emotion[1]):
        metrics.append(
            Metric(
                name="beat_emotion_auc",
                value=scorers.roc_auc(*totals.emotion),
                threshold=0.75,
                description="tools.beats intensity ranks the labelled high-emotion beats above the calm ones",
            )
        )
    if totals.physics[1]:
        physics = scorers.binary_score(*totals.physics)
        metrics += [
            Metric(
                name="beat_physics_f1",
                value=physics.f1,
                threshold=0.7,
                description="tools.beats names physics (water, fights, vehicles) where the labels do",
            ),
            Metric(
                name="beat_physics_precision",
                value=physics.precision,
                higher_is_better=None,
                description="beats read as physics that are",
            ),
        ]
    matrices: list[Matrix] = []
    if storyboards:
        bible_chars = scorers.set_prf(*totals.bible_characters)
        bible_locs = scorers.set_prf(*totals.bible_locations)
        metrics += [
            Metric(
                name="bible_character_recall",
                value=bible_chars.recall,
                threshold=0.9,
                description="speaking characters that got a character bible",
            ),
            Metric(
                name="bible_location_recall",
                value=bible_locs.recall,
                threshold=0.9,
                description="locations that got a scene bible",
            ),
        ]
    if storyboards and totals.shot_gold:  # scripts labelled with no shots have no shot types to score
        agreement = scorers.agreement(totals.shot_gold, totals.shot_pred)
        metrics += [
            Metric(
                name="shot_type_accuracy",
                value=agreement.accuracy,
                description="sampled beats framed exactly as the director labelled",
            ),
            Metric(
                name="shot_type_kappa",
                value=agreement.kappa,
                threshold=0.2,
                description="Cohen's kappa of the shot types (agreement beyond chance)",
            ),
            Metric(
                name="shot_type_acceptable",
                value=totals.shot_acceptable / max(len(totals.shot_gold), 1),
                threshold=0.6,
                description="sampled beats framed as labelled or an accepted alternative",
            ),
        ]
        labels = [t.value for t in ShotType] + [NONE]
        confusion = scorers.confusion_matrix(totals.shot_gold, totals.shot_pred, labels=labels)
        used = [
            i
            for i, label in enumerate(confusion.labels)
            if any(confusion.matrix[i]) or any(row[i] for row in confusion.matrix)
        ]
        matrices.append(
            Matrix(
                title="shot types: director vs storyboard",
                labels=[confusion.labels[i] for i in used],
                rows=[[confusion.matrix[i][j] for j in used] for i in used],
            )
        )
    notes += [f"missing scene: {h}" for h in scenes.missing] + [f"extra scene: {h}" for h in scenes.extra]
    notes += [f"missing character: {c}" for c in characters.missing] + [
        f"extra character: {c}" for c in characters.extra
    ]
    return SuiteResult(
        name="script",
        dataset="script",
        dataset_version=manifest.version,
        metrics=metrics,
        matrices=matrices,
        tables=[
            Table(
                title="per script",
                columns=[
                    "script",
                    "scenes (gold/found)",
                    "scene P",
                    "scene R",
                    "scene F1",
                    "episodes (gold/found)",
                    "characters (gold/found)",
                    "character P",
                    "character R",
                    "character F1",
                    "lines right",
                    "locations F1",
                ],
                rows=totals.rows,
            ),
            Table(
                title="dialogue, beat and shot-type misses", columns=["script", "what", "detail"], rows=totals.errors
            ),
        ],
        notes=notes,
    )


def _plan(ctx: SuiteContext, name: str, screenplay: Screenplay) -> tuple[Storyboard | None, Bibles | None, str]:
    """Bibles and storyboard from the agents, or the reason they could not be made here."""
    try:
        from agents.character import CharacterAgent
        from agents.script import ScriptAgent
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith(("agents", "tools", "backends", "domain")):
            raise
        return None, None, f"storyboard metrics skipped: {exc.name} is not available yet"
    tool_ctx = ctx.tool_context(name)
    bibles = CharacterAgent(tool_ctx).build_bibles(screenplay)
    board = ScriptAgent(tool_ctx).storyboard(screenplay, bibles)
    return board, bibles, ""


def _score_script(
    name: str, gold: Gold, screenplay: Screenplay, board: Storyboard | None, bibles: Bibles | None, t: _Totals
) -> None:
    aliases = gold.aliases()
    predicted = screenplay.scenes()
    if not predicted:
        raise SuiteSkipped(f"{name}: the loader found no scenes at all; the script suite cannot score it")
    tag = f"{name}:"
    t.scripts += 1
    gold_headings = [heading_key(s.heading) for s in gold.scenes]
    pred_headings = [heading_key(s.heading) for s in predicted]
    t.headings[0].extend(tag + h for h in gold_headings)
    t.headings[1].extend(tag + h for h in pred_headings)
    scene_score = scorers.set_prf(gold_headings, pred_headings)
    t.scene_counts_right += len(predicted) == len(gold.scenes)
    t.episodes_right += len(screenplay.episodes) == gold.episodes

    gold_chars = {c.id for c in gold.characters}
    spoken = [
        (aliases.get(b.dialogue.character, b.dialogue.character), b.dialogue.text)
        for s in predicted
        for b in s.beats
        if b.dialogue
    ]
    pred_chars = {speaker for speaker, _ in spoken}
    t.characters[0].extend(tag + c for c in sorted(gold_chars))
    t.characters[1].extend(tag + c for c in sorted(pred_chars))
    char_score = scorers.set_prf(gold_chars, pred_chars)

    lines = [tuple(line) for scene in gold.scenes for line in scene.lines]
    attribution = scorers.dialogue_attribution(lines, spoken)  # type: ignore[arg-type]
    t.lines_correct += attribution.correct
    t.lines_total += attribution.total
    t.errors.extend([name, "dialogue", e] for e in attribution.errors)

    matched = align(gold.scenes, predicted)
    unlocated = {id(m) for g, m in zip(gold.scenes, matched, strict=True) if g.location is None and m is not None}
    gold_locs = {scorers.normalize_text(g.location) for g in gold.scenes if g.location}
    pred_locs = {scorers.normalize_text(s.location_name) for s in predicted if id(s) not in unlocated}
    t.locations[0].extend(tag + loc for loc in sorted(gold_locs))
    t.locations[1].extend(tag + loc for loc in sorted(pred_locs))
    loc_score = scorers.set_prf(gold_locs, pred_locs)

    if bibles is not None:
        bible_chars = {aliases.get(cid, cid) for cid in bibles.characters}
        t.bible_characters[0].extend(tag + c for c in sorted(gold_chars))
        t.bible_characters[1].extend(tag + c for c in sorted(bible_chars))
        bible_locs = {scorers.normalize_text(k) for k in bibles.locations} | {
            scorers.normalize_text(b.name) for b in bibles.locations.values()
        }
        t.bible_locations[0].extend(tag + loc for loc in sorted(gold_locs))
        t.bible_locations[1].extend(tag + loc for loc in sorted(bible_locs & gold_locs))
    for gold_scene, scene in zip(gold.scenes, matched, strict=True):
        for shot in gold_scene.shots:
            beat = find_beat(scene, shot.beat)
            if beat is None or (shot.emotion is None and shot.physics is None):
                continue
            intensity, physics = read_beat(beat)
            if shot.emotion is not None:
                t.emotion[0].append(intensity)
                t.emotion[1].append(shot.emotion == "high")
            if shot.physics is not None:
                t.physics[0].append(physics)
                t.physics[1].append(shot.physics)
                if physics != shot.physics:
                    t.errors.append([name, "physics", f"{shot.beat[:32]}: read {physics}, labelled {shot.physics}"])
    if board is not None:
        for gold_scene, scene in zip(gold.scenes, matched, strict=True):
            for shot in gold_scene.shots:
                got = shot_type_for(board, scene, shot.beat)
                t.shot_gold.append(shot.type.value)
                t.shot_pred.append(got)
                t.shot_acceptable += got == shot.type.value or got in {a.value for a in shot.acceptable}
                if got != shot.type.value:
                    t.errors.append([name, "shot type", f"{shot.beat[:32]}: {got}, labelled {shot.type.value}"])
    t.rows.append(
        [
            name,
            f"{len(gold.scenes)}/{len(predicted)}",
            round(scene_score.precision, 3),
            round(scene_score.recall, 3),
            round(scene_score.f1, 3),
            f"{gold.episodes}/{len(screenplay.episodes)}",
            f"{len(gold_chars)}/{len(pred_chars)}",
            round(char_score.precision, 3),
            round(char_score.recall, 3),
            round(char_score.f1, 3),
            f"{attribution.correct}/{attribution.total}",
            round(loc_score.f1, 3),
        ]
    )
