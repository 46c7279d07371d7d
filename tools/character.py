"""The Character agent's tools: find the characters, build and edit the bibles, search them by meaning.

The bibles live in two places that these tools keep in step: ``ctx.project.storyboard.bibles`` (what the
rest of the crew reads during the run) and the ``bibles`` Chroma collection (what ``search_bibles`` searches,
and what survives the run). The extraction rules are in ``tools/bible_extraction.py``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from backends.bible_store import BibleHit, BibleStore
from backends.text_embedding import make_text_embedder
from domain.bibles import CharacterBible, SceneBible
from domain.errors import ToolError
from domain.screenplay import Character
from tools import bible_extraction as bx
from tools.context import ToolContext, chroma_client, store_project
from tools.registry import tool
from tools.shot_planning import lighting_note, screenplay_of


def bible_store(ctx: ToolContext) -> BibleStore:
    """The run's bible store, on the run's Chroma client with the configured text embedder."""
    client = chroma_client(ctx)  # outside the factory: ctx.service holds a lock that is not re-entrant
    project = store_project(ctx)
    return ctx.service(
        "bible_store",
        lambda c: BibleStore(client, make_text_embedder(c.config.store.text_embedder), project=project),
    )


def script_index(ctx: ToolContext) -> bx.ScriptIndex:
    """The index of the screenplay on the storyboard, built once per screenplay (tools are called per character)."""
    scenes = [b.scene for e in ctx.project.storyboard.episodes for b in e.scenes]
    if not scenes:
        raise ToolError("no screenplay is loaded: the Script agent's parse_script (or build_bibles) comes first")
    fingerprint = tuple(id(s) for s in scenes)
    cached = ctx.services.get("script_index")
    if cached is not None and cached[0] == fingerprint:
        index: bx.ScriptIndex = cached[1]
        return index
    index = bx.ScriptIndex(screenplay_of(ctx.project.storyboard))
    ctx.services["script_index"] = (fingerprint, index)
    return index


# --- extract_characters --------------------------------------------------------------------------------------------


class ExtractCharactersArgs(BaseModel):
    include_non_speaking: bool = Field(default=True, description="also list named characters who never speak")


class ExtractCharactersResult(BaseModel):
    characters: list[Character]
    locations: list[str] = Field(description="location ids in order of first appearance")


@tool("character")
def extract_characters(ctx: ToolContext, args: ExtractCharactersArgs) -> ExtractCharactersResult:
    """List every character of the loaded screenplay: each speaker, and each named character introduced in the
    action (an ALL-CAPS name with an age, e.g. 'TESS (35)'), with aliases, first scene and introduction line;
    plus every location id.

    Use it before building bibles, to know whom and where to build them for. Names are never invented.
    """
    index = script_index(ctx)
    entries = bx.find_characters(index)
    if not args.include_non_speaking:
        entries = [e for e in entries if e.speaking]
    return ExtractCharactersResult(characters=entries, locations=bx.location_ids(index.screenplay))


# --- build_character_bible / build_scene_bible ---------------------------------------------------------------------


class BuildCharacterBibleArgs(BaseModel):
    character_id: str = Field(description="as extract_characters lists it, e.g. 'lin'")
    store: bool = Field(default=True, description="also save it in the searchable bible store")


class CharacterBibleResult(BaseModel):
    bible: CharacterBible
    stored: bool


@tool("character")
def build_character_bible(ctx: ToolContext, args: BuildCharacterBibleArgs) -> CharacterBibleResult:
    """Build one character's bible from the script: age, looks (face, hair, build), wardrobe per scene (a later
    'now in a red coat' starts a new outfit from that scene), voice profile (gender, pitch, rate, style) and
    emotional range. What the script does not say gets a default, listed in the bible's 'defaults'.

    Every generation prompt for a shot with this character carries this entry, so build one per character.
    """
    index = script_index(ctx)
    if args.character_id not in index.people:
        known = ", ".join(sorted(index.people))
        raise ToolError(f"no character {args.character_id!r} in the script; characters: {known}")
    bible = bx.character_bible(index, args.character_id)
    ctx.project.storyboard.bibles.characters[bible.character_id] = bible
    if args.store:
        bible_store(ctx).upsert(bible)
    return CharacterBibleResult(bible=bible, stored=args.store)


class BuildSceneBibleArgs(BaseModel):
    location_id: str = Field(description="as extract_characters lists it, e.g. 'rooftop-bar'")
    store: bool = Field(default=True, description="also save it in the searchable bible store")


class SceneBibleResult(BaseModel):
    bible: SceneBible
    stored: bool


@tool("character")
def build_scene_bible(ctx: ToolContext, args: BuildSceneBibleArgs) -> SceneBibleResult:
    """Build one location's bible: INT/EXT, time of day, a lighting palette with colour temperature (e.g. 'golden
    hour, warm 3200K, soft shadows'), key colours and a camera style (e.g. 'handheld, 24mm equivalent, low angles'
    for a tense exterior), read from the scene headings and the action at that location.

    The continuity check holds every shot at this location to this light, so build one per location.
    """
    index = script_index(ctx)
    try:
        bible = bx.scene_bible(index, args.location_id)
    except KeyError:
        known = ", ".join(bx.location_ids(index.screenplay))
        raise ToolError(f"no location {args.location_id!r} in the script; locations: {known}") from None
    ctx.project.storyboard.bibles.locations[bible.location_id] = bible
    if args.store:
        bible_store(ctx).upsert(bible)
    return SceneBibleResult(bible=bible, stored=args.store)


# --- edit_bible ----------------------------------------------------------------------------------------------------


class EditBibleArgs(BaseModel):
    kind: Literal["character", "location"]
    id: str = Field(description="character id ('lin') or location id ('rooftop-bar')")
    field: str | None = Field(
        default=None,
        description="character: wardrobe, appearance.hair/face/build/age_range/skin_tone/distinguishing, "
        "voice_profile.gender/pitch/rate_wpm/style/accent, emotional_range, aliases, description; "
        "location: lighting_palette, color_temperature_k, key_colors, camera_style, time_of_day, int_ext, description",
    )
    value: str | None = Field(
        default=None,
        description="the new value; lists comma-separated. A wardrobe note may say where it starts: "
        "'coat red from episode 2', 'black tuxedo from E02-S003'",
    )
    from_scene: str | None = Field(
        default=None,
        description="wardrobe: the scene id the outfit starts at; a location's light: a scene id whose time of day's "
        "light to change (a location seen at night and by day has one light per time of day)",
    )
    changes: dict[str, Any] | None = Field(
        default=None,
        description="instead of field/value, several fields at once: {field: value}; 'wardrobe' may be the whole "
        "list of outfits [{from_scene, description, colors}]",
    )

    @model_validator(mode="after")
    def _one_way(self) -> EditBibleArgs:
        if self.changes is None and (self.field is None or self.value is None):
            raise ValueError("give field and value, or changes")
        return self


class EditBibleResult(BaseModel):
    kind: Literal["character", "location"]
    id: str
    change: str = Field(description="what changed, in words")
    character: CharacterBible | None = None
    location: SceneBible | None = None
    shots_updated: int = Field(default=0, description="planned shots whose lighting note now follows the new light")


def _current(ctx: ToolContext, kind: str, bible_id: str) -> CharacterBible | SceneBible:
    bibles = ctx.project.storyboard.bibles
    found: CharacterBible | SceneBible | None = (
        bibles.characters.get(bible_id) if kind == "character" else bibles.locations.get(bible_id)
    )
    if found is None:
        store = bible_store(ctx)
        found = store.get_character(bible_id) if kind == "character" else store.get_location(bible_id)
    if found is None:
        known = sorted(bibles.characters if kind == "character" else bibles.locations)
        raise ToolError(f"no {kind} bible {bible_id!r}; known: {', '.join(known) or 'none built yet'}")
    return found


@tool("character")
def edit_bible(ctx: ToolContext, args: EditBibleArgs) -> EditBibleResult:
    """Change a character or location bible, e.g. a director's note 'her coat is red from episode 2'
    (kind=character, id=lin, field=wardrobe, value='coat red from episode 2'), a voice pitch, or a location's
    lighting palette; or several fields at once with 'changes'. A wardrobe note starts a new outfit at that scene
    and keeps earlier ones.

    An edited field is no longer listed as a default. Planned shots at an edited location get its new light.
    """
    current = _current(ctx, args.kind, args.id)
    storyboard = ctx.project.storyboard
    scene_ids = [b.scene.id for e in storyboard.episodes for b in e.scenes] or list(getattr(current, "scenes", []))
    edits: list[tuple[str, Any]] = list((args.changes or {}).items())
    if args.field is not None and args.value is not None:
        edits.insert(0, (args.field, args.value))
    changes: list[str] = []
    try:
        for field, value in edits:
            if isinstance(current, CharacterBible):
                if field == "wardrobe" and isinstance(value, list):
                    current, change = bx.set_wardrobe(current, value, scene_ids)
                else:
                    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                    from_scene = args.from_scene if field == args.field else None
                    current, change = bx.edit_character(
                        current, field, text, scene_ids=scene_ids, from_scene=from_scene
                    )
            else:
                text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
                from_scene = args.from_scene if field == args.field else None
                current, change = bx.edit_location(current, field, text, from_scene=from_scene)
            changes.append(change)
    except ValueError as exc:
        raise ToolError(f"edit_bible {args.kind} {args.id}: {exc}") from None
    bible_store(ctx).upsert(current)
    if isinstance(current, CharacterBible):
        storyboard.bibles.characters[current.character_id] = current
        return EditBibleResult(kind="character", id=args.id, change="; ".join(changes), character=current)
    storyboard.bibles.locations[current.location_id] = current
    updated = 0
    for shot in storyboard.shots():
        if shot.location_id == current.location_id:
            lit = current.for_scene(shot.scene_id)  # the light of the shot's time of day
            shot.lighting = lighting_note(lit, locked=shot.lighting.startswith("Locked"))
            updated += 1
    return EditBibleResult(
        kind="location", id=args.id, change="; ".join(changes), location=current, shots_updated=updated
    )


# --- search_bibles -------------------------------------------------------------------------------------------------


class SearchBiblesArgs(BaseModel):
    query: str = Field(
        min_length=1, description="what you are looking for, e.g. 'the location with warm evening light'"
    )
    kind: Literal["character", "location"] | None = Field(default=None, description="limit to one kind")
    k: int = Field(default=5, ge=1, le=20)


class SearchBiblesResult(BaseModel):
    hits: list[BibleHit]


@tool("character")
def search_bibles(ctx: ToolContext, args: SearchBiblesArgs) -> SearchBiblesResult:
    """Find bibles by meaning rather than by id: 'the location with warm evening light', 'the woman in the grey
    coat', 'the detective'. Returns the closest entries, best first, each with its id, kind, a similarity score
    (1 = same meaning) and the text that was matched.

    Use it to find which entry a note refers to before editing it.
    """
    store = bible_store(ctx)
    bibles = ctx.project.storyboard.bibles
    if store.count() == 0 and (bibles.characters or bibles.locations):
        store.upsert_all(bibles)
    return SearchBiblesResult(hits=store.search(args.query, args.kind, args.k))
