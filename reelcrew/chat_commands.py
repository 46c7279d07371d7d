"""The chat's offline grammar: a director's note in one of the documented forms → one typed command, ids resolved.

Used when the director runs without an LLM (the rules policy), and for ``undo`` / ``history`` / ``help`` always.
Case and punctuation do not matter; character names match the bibles' names, aliases and ids; scenes are
``scene N`` (the N-th scene in script order), an id (``E01-S003``), ``episode 2 scene 3`` or ``the <words> scene``
(its location or heading); shots are ``scene N shot M``, ``shot M of scene N`` or an id (``E01-S003-SH02``).

The forms (``[...]`` optional, ``a|b`` alternatives):

  wardrobe   make Lin's coat red [from episode 2 on | from scene 4 on | in scene 3 | in episode 2]
             Lin's coat is dark green [scope]          dress Lin in a black suit [scope]
             Lin wears a white lab coat [scope]
  framing    scene 12 shot 3 as a close-up             make E01-S002-SH01 a low angle wide shot, handheld
             shot 2 of scene 1 to 85mm, 4 seconds      (framing, angle, movement, lens, duration)
  mood       more tension in the rooftop scene         less tension in scene 2      scene 3 needs more energy
  regenerate regenerate scene 5 | redo scene 1 shot 2 | new take of the rain shots | reshoot episode 2
  routing    use Kling for the rain shots | route scene 3 to veo | use kling-v3-pro for scene 1 shot 2
             use automatic routing for scene 3 (unpin)
  questions  what did Lin wear in scene 3?  what does Lin look like?  who is in scene 2?  where is scene 2?
             which model is scene 1 shot 2 on?  how much does episode 1 cost?  any other question (searched)
  session    undo | history | help

Targets for regenerate and routing: a shot, a scene, ``episode N``, ``all shots``, ``Lin's shots``,
``the <words> shots`` (shots whose action, props, physics, lighting or scene heading mention every word);
several joined with ``and`` or commas.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from backends.catalog import ModelCatalog
from domain.errors import ConfigError
from domain.screenplay import Scene, scene_id
from domain.settings import RouterSettings
from domain.shot import CameraAngle, Movement, Shot, ShotType
from domain.storyboard import Storyboard

# ── commands ────────────────────────────────────────────────────────────────────────────────────────────────


class Help(BaseModel):
    kind: Literal["help"] = "help"


class History(BaseModel):
    kind: Literal["history"] = "history"


class Undo(BaseModel):
    kind: Literal["undo"] = "undo"


class Question(BaseModel):
    """A question; ``topic`` says which bible facts answer it, ``search`` means a semantic search of the bibles."""

    kind: Literal["question"] = "question"
    text: str
    topic: Literal["wardrobe", "look", "cast", "location", "route", "cost", "search"] = "search"
    character_id: str | None = None
    scene_ids: list[str] = Field(default_factory=list)
    shot_ids: list[str] = Field(default_factory=list)
    episodes: list[int] = Field(default_factory=list)


class Wardrobe(BaseModel):
    """A wardrobe change for scenes ``from_scene`` up to (not including) ``until_scene``; None = to the end."""

    kind: Literal["wardrobe"] = "wardrobe"
    character_id: str
    garment: str = Field(default="", description="recolour this garment ('coat'), or")
    colour: str = ""
    outfit: str = Field(default="", description="replace the whole outfit with this description")
    from_scene: str
    until_scene: str | None = None


class ShotEdit(BaseModel):
    kind: Literal["shot_edit"] = "shot_edit"
    shot_ids: list[str]
    changes: dict[str, Any]
    ignored: str = Field(default="", description="words of the note that were not understood")


class Mood(BaseModel):
    """``direction`` +1 raises the scenes' intensity (tension, energy), -1 lowers it (calm)."""

    kind: Literal["mood"] = "mood"
    scene_ids: list[str]
    direction: Literal[1, -1]
    quality: str


class Regenerate(BaseModel):
    kind: Literal["regenerate"] = "regenerate"
    shot_ids: list[str]


class Route(BaseModel):
    """Pin ``model`` (or the family's model at the production's tier) on shots; both empty = unpin."""

    kind: Literal["route"] = "route"
    shot_ids: list[str]
    family: str = ""
    model: str = ""


AnyCommand = Help | History | Undo | Question | Wardrobe | ShotEdit | Mood | Regenerate | Route
Command = Annotated[AnyCommand, Field(discriminator="kind")]

# ── vocabulary ──────────────────────────────────────────────────────────────────────────────────────────────

VOCABULARY_FILE = Path(__file__).parent / "data" / "chat_vocabulary.toml"


class Vocabulary(BaseModel):
    """The words of the grammar, from ``data/chat_vocabulary.toml``: field → [(pattern, value)], word lists."""

    attributes: dict[str, list[tuple[str, str]]]
    colours: frozenset[str]
    shades: frozenset[str]
    raise_: frozenset[str]
    lower: frozenset[str]
    filler: frozenset[str]
    suffixes: tuple[str, ...]


@functools.cache
def vocabulary() -> Vocabulary:
    raw = tomllib.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    kinds = {"shot_type": ShotType, "camera_angle": CameraAngle, "movement": Movement}
    attributes = {field: [(p, kinds[field](v).value) for v, p in raw[field].items()] for field in kinds}
    words = raw["words"]
    return Vocabulary(
        attributes=attributes,
        colours=frozenset(words["colours"]),
        shades=frozenset(words["shades"]),
        raise_=frozenset(words["raise"]),
        lower=frozenset(words["lower"]),
        filler=frozenset(words["filler"]),
        suffixes=tuple(words["suffixes"]),
    )


# ── the parser ──────────────────────────────────────────────────────────────────────────────────────────────

_SCENE_REF = r"(?:scene\s+(?:e\d+-s\d+|\d+)|e\d+-s\d+|episode\s+\d+,?\s+scene\s+\d+|the\s+[\w' -]+?\s+scene)"
_SCENE_TOKEN = r"(?:e\d+-s\d+|\d+|episode \d+,? scene \d+)"
_SHOT_REF = rf"(?:e\d+-s\d+-sh\d+|(?:scene )?{_SCENE_TOKEN} shot \d+|shot \d+ (?:of|in) (?:scene )?{_SCENE_TOKEN})"
_SCOPE = (
    r"(?P<scope>\s+(?:(?:from|starting(?:\s+(?:in|at|with|from))?)\s+(?:episode\s+\d+|scene\s+\S+|e\d+-s\d+)"
    r"(?:\s+on(?:wards?)?)?|(?:in|for|during)\s+(?:episode\s+\d+|scene\s+\S+|e\d+-s\d+)|everywhere|throughout"
    r"|from\s+now\s+on))?"
)
_COLOUR_WORDS = r"(?P<colour>[a-z]+(?:[ -][a-z]+){0,2})"


def normalise(note: str) -> str:
    """Lower case, straight quotes, single spaces, no trailing full stop or exclamation."""
    text = note.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"[.!;]+$", "", text).strip()


def parse_note(note: str, board: Storyboard, *, families: Iterable[str] = (), models: Iterable[str] = ()) -> AnyCommand:
    """The command a note asks for, with every name and number resolved against ``board``.

    ``families`` and ``models`` are what "use X for ..." may name (routing families, catalog model ids).
    Raises ConfigError, naming what is known, when the note is not one of the forms or names something unknown.
    """
    text = normalise(note)
    question = text.endswith("?") or bool(re.match(r"^(what|who|where|which|how|why|when|does|did|is|are)\b", text))
    text = text.rstrip("?").strip()
    resolver = _Resolver(board)
    if text in ("help", "commands", "what can you do"):
        return Help()
    if text in ("history", "show history", "log"):
        return History()
    if re.fullmatch(r"undo(?: (?:that|it|this|the last change|last change|the last note))?", text):
        return Undo()
    if question:
        return _question(text, resolver)
    for parse in (_wardrobe, _route, _regenerate, _mood, _shot_edit):
        command = parse(text, resolver, list(families), list(models))
        if command is not None:
            return command
    raise ConfigError(
        f"I did not understand {note.strip()!r}. Say `help` for the forms I understand offline "
        '(e.g. "make Lin\'s coat red from episode 2 on", "scene 2 shot 1 as a close-up", "regenerate scene 3"), '
        'or set `[llm.agents.director] policy = "llm"` in reelcrew.toml for free-form notes.'
    )


def _wardrobe(text: str, r: _Resolver, families: list[str], models: list[str]) -> Wardrobe | None:
    forms = [
        rf"^(?:make|turn|change|paint)\s+(?P<who>.+?)'s?\s+(?P<garment>[a-z-]+)\s+(?:to\s+|into\s+)?{_COLOUR_WORDS}"
        rf"{_SCOPE}$",
        rf"^(?P<who>.+?)'s?\s+(?P<garment>[a-z-]+)\s+(?:is|should be|becomes|turns|goes)\s+{_COLOUR_WORDS}{_SCOPE}$",
        rf"^(?:dress|put)\s+(?P<who>.+?)\s+in\s+(?P<outfit>.+?){_SCOPE}$",
        rf"^(?P<who>.+?)\s+(?:wears|should wear|is wearing|now wears)\s+(?P<outfit>.+?){_SCOPE}$",
    ]
    for form in forms:
        m = re.match(form, text)
        if m is None:
            continue
        groups = m.groupdict()
        colour = (groups.get("colour") or "").strip()
        if colour and not all(w in vocabulary().colours or w in vocabulary().shades for w in re.split(r"[ -]", colour)):
            continue
        who = r.character(groups["who"])
        if who is None:
            raise ConfigError(f"no character called {groups['who']!r}; the characters are: {r.character_names()}")
        start, until = r.scope(groups.get("scope") or "")
        return Wardrobe(
            character_id=who,
            garment=groups.get("garment") or "",
            colour=colour,
            outfit=(groups.get("outfit") or "").strip(),
            from_scene=start,
            until_scene=until,
        )
    return None


def _route(text: str, r: _Resolver, families: list[str], models: list[str]) -> Route | None:
    m = re.match(r"^(?:use|try|pick|put)\s+(?P<model>.+?)\s+(?:for|on)\s+(?P<target>.+)$", text) or re.match(
        r"^(?:route|send|move|switch)\s+(?P<target>.+?)\s+(?:to|onto|on)\s+(?P<model>.+)$", text
    )
    if m is None:
        return None
    name = re.sub(r"^(?:the\s+)?(.+?)(?:\s+models?)?$", r"\1", m["model"].strip())
    shot_ids = r.targets(m["target"])
    if name in ("automatic routing", "auto routing", "auto", "automatic", "the router", "default", "the default"):
        return Route(shot_ids=shot_ids)
    by_lower = {x.lower(): x for x in models}
    if name in by_lower:
        return Route(shot_ids=shot_ids, model=by_lower[name])
    fams = {x.lower(): x for x in families}
    if name in fams:
        return Route(shot_ids=shot_ids, family=fams[name])
    raise ConfigError(
        f"no video model or family called {name!r}; families: {', '.join(sorted(fams))}; "
        f"models: {', '.join(sorted(models))}"
    )


def _regenerate(text: str, r: _Resolver, families: list[str], models: list[str]) -> Regenerate | None:
    m = re.match(
        r"^(?:regenerate|redo|reshoot|re-?roll|re-?generate|(?:do\s+)?(?:a\s+|another\s+)?(?:new|fresh|another)"
        r"\s+takes?\s+(?:of|for)|retake)\s+(?P<target>.+)$",
        text,
    )
    return Regenerate(shot_ids=r.targets(m["target"])) if m else None


def _mood(text: str, r: _Resolver, families: list[str], models: list[str]) -> Mood | None:
    m = re.match(
        r"^(?:give\s+|add\s+|make\s+it\s+)?(?P<dir>more|less)\s+(?P<q>[a-z ]+?)\s+(?:in|for|to)\s+(?P<t>.+)$", text
    )
    m = m or re.match(
        r"^(?P<t>.+?)\s+(?:needs|should have|could use|wants|with)\s+(?P<dir>more|less)\s+(?P<q>[a-z ]+)$", text
    )
    if m is None:
        return None
    words = set(m["q"].split())
    vocab = vocabulary()
    direction: Literal[1, -1]
    if words & vocab.raise_:
        direction = 1 if m["dir"] == "more" else -1
    elif words & vocab.lower:
        direction = -1 if m["dir"] == "more" else 1
    else:
        known = ", ".join(sorted(vocab.raise_ | vocab.lower))
        raise ConfigError(f"I can raise or lower a scene's intensity offline; {m['q']!r} is not one of: {known}")
    return Mood(scene_ids=r.scenes(m["t"]), direction=direction, quality=m["q"])


def _shot_edit(text: str, r: _Resolver, families: list[str], models: list[str]) -> ShotEdit | None:
    body = re.sub(r"^(?:make|change|set|turn|reframe)\s+", "", text)
    m = re.match(rf"^(?P<ref>{_SHOT_REF})(?P<rest>(?:[\s:,-].*)?)$", body)
    if m is None:
        return None
    shot_ids = [r.shot(m["ref"])]
    changes, ignored = shot_attributes(m["rest"])
    if not changes:
        raise ConfigError(
            f"what should change in {shot_ids[0]}? Name a framing (close-up, wide shot …), an angle (low angle), "
            "a movement (handheld, push-in), a lens (85mm) or a duration (4 seconds)"
        )
    return ShotEdit(shot_ids=shot_ids, changes=changes, ignored=ignored)


def shot_attributes(text: str) -> tuple[dict[str, Any], str]:
    """Framing, angle, movement, lens and duration named in ``text``, and the words that were none of them."""
    rest = f" {text} "
    changes: dict[str, Any] = {}
    vocab = vocabulary()
    for field in ("camera_angle", "shot_type", "movement"):  # angles first: "dutch tilt" is an angle, not a tilt
        for pattern, value in vocab.attributes[field]:
            m = re.search(rf"(?<![\w-])(?:{pattern})(?![\w-])", rest)
            if m:
                changes[field] = value
                rest = rest[: m.start()] + " " + rest[m.end() :]
                break
    lens = re.search(r"(?<!\w)(\d{2,3})\s*mm(?:\s+lens)?(?!\w)", rest)
    if lens:
        changes["lens_mm"] = int(lens[1])
        rest = rest[: lens.start()] + " " + rest[lens.end() :]
    seconds = re.search(r"(?<![\w.])(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)(?!\w)(?:\s+long)?", rest)
    if seconds:
        changes["duration_s"] = float(seconds[1])
        rest = rest[: seconds.start()] + " " + rest[seconds.end() :]
    words = [w for w in re.findall(r"[a-z0-9'-]+", rest) if w not in vocabulary().filler]
    return changes, " ".join(words)


def _question(text: str, r: _Resolver) -> Question:
    m = re.match(
        r"^what (?:did|does|do|is|was|will) (?P<who>.+?) (?:wear|wearing)(?: (?:in|for|during) (?P<s>.+))?$", text
    )
    if m and r.character(m["who"]):
        scenes = r.scenes(m["s"]) if m["s"] else []
        return Question(text=text, topic="wardrobe", character_id=r.character(m["who"]), scene_ids=scenes)
    m = re.match(r"^(?:what does|how does) (?P<who>.+?) look(?: like)?$", text) or re.match(
        r"^(?:who is|describe) (?P<who>.+)$", text
    )
    if m and r.character(m["who"]):
        return Question(text=text, topic="look", character_id=r.character(m["who"]))
    m = re.match(r"^who(?:'s| is| are)? (?:in|appears in|is in) (?P<s>.+)$", text)
    if m:
        return Question(text=text, topic="cast", scene_ids=r.scenes(m["s"]))
    m = re.match(r"^(?:where is|where does|what is the location of|where's) (?P<s>.+?)(?: set| take place)?$", text)
    if m and re.match(_SCENE_REF + "$", m["s"]):
        return Question(text=text, topic="location", scene_ids=r.scenes(m["s"]))
    m = re.match(r"^(?:which|what) model (?:is|does|will|did) (?P<t>.+?)(?: (?:on|use|get|go to|run on))?$", text)
    m = m or re.match(r"^why (?:is|was|does|did) (?P<t>.+?) (?:on|use|go to|routed to|get) .+$", text)
    if m:
        return Question(text=text, topic="route", shot_ids=r.targets(m["t"]))
    m = re.match(r"^how much (?:does|will|would|did) (?P<t>.+?) cost$", text)
    if m:
        episodes = [int(n) for n in re.findall(r"episode (\d+)", m["t"])]
        return Question(text=text, topic="cost", episodes=episodes)
    return Question(text=text, topic="search")


# ── resolving names and numbers ─────────────────────────────────────────────────────────────────────────────


class _Resolver:
    """Scene numbers, ids, location words and character names → ids in ``board``."""

    def __init__(self, board: Storyboard) -> None:
        self.board = board
        self.scene_list: list[Scene] = [b.scene for e in board.episodes for b in e.scenes]
        self.names: dict[str, str] = {}
        for cid, bible in board.bibles.characters.items():
            for name in (cid, bible.name, *bible.aliases):
                self.names.setdefault(normalise(name), cid)

    def character(self, text: str) -> str | None:
        key = normalise(re.sub(r"^(?:the\s+)", "", text.strip())).removesuffix("'s").removesuffix("'")
        return self.names.get(key)

    def character_names(self) -> str:
        return ", ".join(sorted({b.name for b in self.board.bibles.characters.values()})) or "none"

    def scene(self, text: str) -> str:
        """One scene id from a number in script order, an id, 'episode N scene M' or 'the <words> scene'."""
        text = text.strip().removeprefix("scene ").strip()
        ids = [s.id for s in self.scene_list]
        if re.fullmatch(r"\d+", text):
            n = int(text)
            if not 1 <= n <= len(ids):
                raise ConfigError(f"there is no scene {n}: the production has {len(ids)} scenes (1–{len(ids)})")
            return ids[n - 1]
        m = re.fullmatch(r"e(\d+)-s(\d+)", text) or re.fullmatch(r"episode (\d+),? scene (\d+)", text)
        if m:
            wanted = scene_id(int(m[1]), int(m[2]))
            if wanted not in ids:
                raise ConfigError(
                    f"there is no scene {wanted}; scenes run {ids[0]} … {ids[-1]}" if ids else "no scenes"
                )
            return wanted
        found = self.scenes_about(text)
        if len(found) != 1:
            raise ConfigError(f"{text!r} names {len(found)} scenes ({', '.join(found) or 'none'}); use a scene id")
        return found[0]

    def scenes_about(self, text: str) -> list[str]:
        words = _words(re.sub(r"^the\s+|\s+scenes?$", "", text))
        return [s.id for s in self.scene_list if words and _mentions(f"{s.heading} {s.location_name}", words)]

    def scenes(self, text: str) -> list[str]:
        """Scenes named in ``text``: one or more refs, 'episode N', or 'the <words> scene(s)' (every match)."""
        text = text.strip()
        found: list[str] = []
        for part in _parts(text):
            m = re.fullmatch(r"(?:all of )?episode (\d+)", part)
            if m:
                number = int(m[1])
                scenes = [s.id for s in self.scene_list if s.episode == number]
                if not scenes:
                    raise ConfigError(f"there is no episode {number}")
                found += scenes
            elif re.fullmatch(r"the .+ scenes", part):
                matches = self.scenes_about(part)
                if not matches:
                    raise ConfigError(f"no scene's heading mentions {part!r}")
                found += matches
            else:
                found.append(self.scene(part))
        return list(dict.fromkeys(found))

    def shot(self, text: str) -> str:
        text = text.strip()
        m = re.fullmatch(r"(e\d+-s\d+)-sh(\d+)", text) or re.fullmatch(rf"(?:scene )?({_SCENE_TOKEN}) shot (\d+)", text)
        if m:
            scene, index = m[1], int(m[2])
        else:
            m = re.fullmatch(rf"shot (\d+) (?:of|in) (?:scene )?({_SCENE_TOKEN})", text)
            if m is None:
                raise ConfigError(f"{text!r} is not a shot; say 'scene 2 shot 1' or an id like E01-S002-SH01")
            scene, index = m[2], int(m[1])
        board = self.board.scene_board(self.scene(scene))
        if not 1 <= index <= len(board.shots):
            raise ConfigError(f"scene {board.scene.id} has {len(board.shots)} shots; there is no shot {index}")
        return board.shots[index - 1].id

    def targets(self, text: str) -> list[str]:
        """Shot ids for a target: shots, scenes, episodes, all, a character's shots, 'the <words> shots'."""
        text = text.strip()
        try:
            return self._target(text)
        except ConfigError:
            parts = _parts(text)
            if len(parts) == 1:
                raise
        return list(dict.fromkeys(shot for part in parts for shot in self._target(part)))

    def _target(self, text: str) -> list[str]:
        shots = self.board.shots()
        if text in ("all", "all shots", "all the shots", "every shot", "everything", "the whole production"):
            return [s.id for s in shots]
        if re.fullmatch(_SHOT_REF, text):
            return [self.shot(text)]
        m = re.fullmatch(r"(?:all of |all shots (?:of|in) |the shots (?:of|in) )?episode (\d+)", text)
        if m:
            picked = [s.id for s in shots if s.episode == int(m[1])]
            if not picked:
                raise ConfigError(f"there is no episode {m[1]}")
            return picked
        m = re.fullmatch(r"(?:the )?(?:shots with |shots of )(?P<who>.+)", text) or re.fullmatch(
            r"(?P<who>.+?)'s? shots", text
        )
        if m and self.character(m["who"]):
            who = self.character(m["who"])
            return [s.id for s in shots if who in s.characters]
        if re.fullmatch(_SCENE_REF, text) or re.fullmatch(r"(?:all )?(?:the )?shots (?:of|in) " + _SCENE_REF, text):
            scene = self.scene(re.sub(r"^(?:all )?(?:the )?shots (?:of|in) ", "", text))
            return [s.id for s in self.board.scene_board(scene).shots]
        m = re.fullmatch(r"(?:all )?(?:the )?(?P<words>.+?) shots?", text)
        if m:
            words = _words(m["words"])
            picked = [s.id for s in shots if words and _mentions(self.shot_text(s), words)]
            if not picked:
                raise ConfigError(f"no shot mentions {m['words']!r} in its action, props, physics or scene heading")
            return picked
        m = re.fullmatch(r"the (?P<words>.+?) scenes?", text)
        if m:
            scenes = self.scenes(text)
            return [s.id for s in shots if s.scene_id in scenes]
        raise ConfigError(
            f"{text!r} is not a shot, a scene or a group of shots; say e.g. 'scene 3', 'scene 3 shot 2', "
            "'episode 2', 'Lin's shots' or 'the rain shots'"
        )

    def shot_text(self, shot: Shot) -> str:
        """What 'the <words> shots' is matched against: everything the shot shows, not what is said in it."""
        board = self.board.scene_board(shot.scene_id)
        beats = [b.text for b in board.scene.beats if b.index in shot.beat_indices and b.kind == "action"]
        parts = [shot.description, shot.lighting, *shot.props, *shot.physics_elements, board.scene.heading, *beats]
        return " ".join(parts)

    def scope(self, text: str) -> tuple[str, str | None]:
        """(first scene, first scene after) for 'from episode 2 on', 'in scene 3', 'in episode 2', or everywhere."""
        ids = [s.id for s in self.scene_list]
        if not ids:
            raise ConfigError("the storyboard has no scenes")
        text = text.strip()
        if not text or text in ("everywhere", "throughout", "from now on"):
            return ids[0], None
        m = re.fullmatch(r"(?:from|starting(?: in| at| with| from)?) (?P<ref>.+?)(?: on(?:wards?)?)?", text)
        if m:
            return self.scenes(m["ref"])[0], None
        m = re.fullmatch(r"(?:in|for|during) (?P<ref>.+)", text)
        if m:
            scenes = self.scenes(m["ref"])
            after = ids.index(scenes[-1]) + 1
            return scenes[0], ids[after] if after < len(ids) else None
        raise ConfigError(f"{text!r}: say 'from episode 2 on', 'from scene 4 on', 'in scene 3' or 'in episode 2'")


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9']+", text) if w not in vocabulary().filler]


def _parts(text: str) -> list[str]:
    return [p.strip() for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", text) if p.strip()]


def _mentions(text: str, words: Sequence[str]) -> bool:
    """Every word appears in ``text`` as a word or with a common ending (rain → rainy, raining, rainfall)."""
    tokens = set(re.findall(r"[a-z0-9']+", text.lower()))
    return all(any(f"{w}{suffix}" in tokens for suffix in vocabulary().suffixes) for w in words)


# ── what a command changes (the offline policy's edits, before they become tool calls) ───────────────────────


TIGHTER = [ShotType.ELS, ShotType.LS, ShotType.MLS, ShotType.MS, ShotType.MCU, ShotType.CU, ShotType.ECU]
MOOD_STEP = 0.25


def mood_changes(shot: Shot, direction: int) -> dict[str, Any]:
    """More tension: one step tighter, a slow push-in on a still camera, intensity up; less: the reverse."""
    changes: dict[str, Any] = {}
    intensity = round(min(1.0, max(0.0, shot.emotional_intensity + direction * MOOD_STEP)), 2)
    if intensity != shot.emotional_intensity:
        changes["emotional_intensity"] = intensity
    if shot.shot_type in TIGHTER:
        i = min(len(TIGHTER) - 1, max(0, TIGHTER.index(shot.shot_type) + direction))
        if TIGHTER[i] != shot.shot_type:
            changes["shot_type"] = TIGHTER[i].value
    if direction > 0 and shot.movement == Movement.STATIC:
        changes["movement"] = Movement.PUSH_IN.value
    if direction < 0 and shot.movement in (Movement.PUSH_IN, Movement.HANDHELD):
        changes["movement"] = Movement.STATIC.value
    return changes


def model_for_family(family: str, quality: str, router: RouterSettings, catalog: ModelCatalog) -> str:
    """The family's model at the production's quality tier (``router.tiers``); for a family without tiers, its
    cheapest model for draft, its dearest for premium, the middle one for standard."""
    tier = router.tiers.get(family, {}).get(quality)
    if tier:
        return tier
    entries = sorted(catalog.family(family), key=lambda e: min(e.price_usd_per_s.values()))
    if not entries:
        raise ConfigError(f"the catalog has no model of family {family!r}")
    return {"draft": entries[0], "premium": entries[-1]}.get(quality, entries[len(entries) // 2]).id
