"""The storyboard artist: a scene's beats become 5–7 planned shots, deterministically, with no model involved.

The rules a script supervisor would use, with their numbers in ``tools/data/shot_planning.yaml``:

- **Establishing** (ELS outside, LS inside; cinematic priority) when an episode opens or the location changes.
- **Dialogue coverage** alternates OTS (over the listener's shoulder) and singles: CU, or MCU for calm lines;
  CU at peaks (ECU beyond), a short **reaction** shot of the listener after a charged line; a V.O. plays over
  whoever listens, an O.S. line over the listener's close-up; dual dialogue is one two-shot.
- **Action**: physics (water, fight, crowd, vehicle, fire …) gets a wider tracking or handheld shot; an action
  peak a CU/ECU of its subject; an important prop an **INSERT** the first time it appears in the scene.
- **Budget**: reaction shots go first, then calm neighbouring lines merge into two-shots and short actions
  into one, until the scene has at most 7 shots; a thin scene gains reactions (or a long action splits) up to 5.
- **Durations** fit the words: each line takes words ÷ the speaker's rate plus a pause either side; action
  grows with its length; every shot is kept within 1.5–8 s, and a longer line is split across a reaction.
- **Lens** follows the framing (ELS ~20mm … CU 50–85, ECU 100); the camera style's "24mm" is honoured where
  the framing allows. **Lighting** comes from the location's bible.

``revise_scene`` redoes a scene after clustered failures with a safer coverage chosen per cause (see there).
Shot ids come from ``domain.screenplay.shot_id``, so a rerun of the same script gives the same ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from domain.bibles import Bibles, CharacterBible, SceneBible
from domain.screenplay import DialogueLine, Episode, Scene, Screenplay, shot_id
from domain.shot import CameraAngle, Movement, Shot, ShotType
from domain.storyboard import EpisodeBoard, SceneBoard, Storyboard
from tools import beats
from tools.beats import load_yaml
from tools.bible_extraction import INTRO_PATTERN, is_depiction

_WORDS = re.compile(r"[\w'’\-]+")
_MM = re.compile(r"(\d{2,3})\s?mm")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")
_OFFSCREEN = ("O.S.", "O.C.", "OS", "OC", "OFF")
_VOICE_OVER = ("V.O.", "VO", "PHONE", "ON PHONE", "FILTERED", "RADIO", "SPEAKER", "SPEAKERPHONE")
_EXIT = re.compile(r"\b(?:leaves|exits|walks out|storms out|escapes|is gone|vanishes)\b", re.IGNORECASE)
_PRONOUN_START = re.compile(r"\s*(She|He)\b")
_TO_SOMEONE = re.compile(r"\bto ([A-Za-z][\w'’\-]+)", re.IGNORECASE)
_TO_SELF = re.compile(r"\b(?:to (?:himself|herself|themselves|self)|aside)\b", re.IGNORECASE)
_TITLES = frozenset({"detective", "det.", "officer", "mr.", "mrs.", "ms.", "dr.", "doctor", "captain", "sergeant"})

FRAMING_WORDS = {
    ShotType.ELS: "Extreme long shot",
    ShotType.LS: "Long shot",
    ShotType.MLS: "Medium long shot",
    ShotType.MS: "Medium shot",
    ShotType.MCU: "Medium close-up",
    ShotType.CU: "Close-up",
    ShotType.ECU: "Extreme close-up",
    ShotType.OTS: "Over-the-shoulder shot",
    ShotType.INSERT: "Insert",
    ShotType.POV: "Point-of-view shot",
}


@dataclass(frozen=True)
class LensRange:
    default: int
    min: int
    max: int


@dataclass(frozen=True)
class PlanningRules:
    lenses: dict[ShotType, LensRange]
    tighter: dict[ShotType, ShotType]
    durations: dict[str, float]
    coverage: dict[str, float]
    revision: dict[str, Any]
    reveal: re.Pattern[str]
    vista: re.Pattern[str]
    wide_physics: frozenset[str]


@cache
def rules() -> PlanningRules:
    """The planning rules from ``shot_planning.yaml``, loaded once."""
    data = load_yaml("shot_planning.yaml")
    return PlanningRules(
        lenses={ShotType(k): LensRange(**v) for k, v in data["lenses"].items()},
        tighter={ShotType(k): ShotType(v) for k, v in data["tighter"].items()},
        durations={k: float(v) for k, v in data["durations"].items()},
        coverage={k: float(v) for k, v in data["coverage"].items()},
        revision=dict(data["revision"]),
        reveal=re.compile(r"\b(?:" + "|".join(map(re.escape, data["reveal_words"])) + r")\b|:", re.IGNORECASE),
        vista=re.compile(r"\b(?:" + "|".join(map(re.escape, data["vista_words"])) + r")\b", re.IGNORECASE),
        wide_physics=frozenset(data["wide_physics"]),
    )


def lens_for(shot_type: ShotType) -> LensRange:
    return rules().lenses[shot_type]


# --- coverage profiles ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """How to cover a scene: the normal plan (all defaults) or a safer one after clustered failures."""

    revision: int = 0
    max_characters: int | None = None
    tighten: bool = False
    explicit_looks: bool = False
    lock_lighting: bool = False
    static: bool = False
    shorter: bool = False
    causes: tuple[str, ...] = ()


def _cause_key(reason: str) -> str:
    return re.split(r"[:\s(]", reason.strip().lower(), maxsplit=1)[0] or reason.strip().lower()


def coverage_for(reasons: list[str], revision: int) -> Coverage:
    """The safer coverage for a redo: each failure cause maps to a profile in ``shot_planning.yaml``
    (``revision:``), profiles combine (the strictest setting wins), and an unknown cause gets ``default``.

    - character drift → one character per shot, one step tighter, each character's look spelled out;
    - lighting drift → the location's light restated and locked in every shot, a static camera;
    - artifacts, black or frozen frames, blur, motion → static camera, shots no longer than 5 s;
    - anything else → at most two characters, tighter, looks spelled out, static.
    """
    profiles = rules().revision
    merged: dict[str, Any] = {}
    causes: list[str] = []
    for reason in reasons or ["default"]:
        key = _cause_key(reason)
        profile = next((profiles[k] for k in profiles if isinstance(profiles[k], dict) and k in key), None)
        if profile is None:
            profile = profiles["default"]
            key = "default"
        causes.append(key)
        for name, value in profile.items():
            if name == "max_characters":
                merged[name] = min(int(value), int(merged.get(name, value)))
            elif isinstance(value, bool):
                merged[name] = merged.get(name, False) or value
    return Coverage(
        revision=revision,
        max_characters=merged.get("max_characters"),
        tighten=merged.get("tighten", False),
        explicit_looks=merged.get("explicit_looks", False),
        lock_lighting=merged.get("lock_lighting", False),
        static=merged.get("static", False),
        shorter=merged.get("shorter", False),
        causes=tuple(dict.fromkeys(causes)),
    )


# --- who is who ----------------------------------------------------------------------------------------------------


class NameMatcher:
    """Finds the characters an action line puts on screen: by name, alias or a distinctive part of the name,
    leaving out names seen only in a photo or on a screen; resolves a sentence-opening he/she by gender."""

    def __init__(self, bibles: Bibles, extra_ids: list[str] = ()) -> None:  # type: ignore[assignment]
        owners: dict[str, set[str]] = {}
        self.names: dict[str, str] = {}
        self.genders: dict[str, str] = {}
        for cid, bible in bibles.characters.items():
            self.names[cid] = bible.name
            self.genders[cid] = bible.voice_profile.gender
            forms = {bible.name, *bible.aliases, cid.replace("-", " ")}
            forms |= {t for t in bible.name.split() if len(t) > 1 and t.lower() not in _TITLES}
            for form in forms:
                for variant in {form, form.upper(), form.title()}:
                    owners.setdefault(variant, set()).add(cid)
        for cid in extra_ids:
            if cid not in self.names:
                self.names[cid] = cid.replace("-", " ").title()
                for variant in {cid.replace("-", " ").upper(), cid.replace("-", " ").title()}:
                    owners.setdefault(variant, set()).add(cid)
        self.owner = {form: ids.pop() for form, ids in owners.items() if len(ids) == 1}
        alternation = "|".join(re.escape(f) for f in sorted(self.owner, key=len, reverse=True))
        self.pattern = re.compile(rf"(?<![\w'’])(?:{alternation})(?![\w])") if alternation else None

    def present_in(self, text: str) -> list[str]:
        """Character ids on screen in ``text``, in order of first mention."""
        if self.pattern is None:
            return []
        return list(
            dict.fromkeys(
                self.owner[m.group(0)] for m in self.pattern.finditer(text) if not is_depiction(text, m.start())
            )
        )

    def subjects(self, text: str, recent: list[str]) -> list[str]:
        """Who each sentence is about: its first on-screen name, or for 'She …'/'He …' the most recent
        character of that gender."""
        found: list[str] = []
        recent = list(recent)
        for sentence in _SENTENCES.split(text):
            names = self.present_in(sentence)
            if names:
                found.append(names[0])
                recent.extend(names)  # a 'She' in the next sentence may be someone just named
                continue
            opening = _PRONOUN_START.match(sentence)
            if opening:
                gender = "female" if opening.group(1).lower() == "she" else "male"
                match = next((c for c in reversed(recent) if self.genders.get(c) == gender), None)
                if match:
                    found.append(match)
        return list(dict.fromkeys(found))

    def name(self, cid: str) -> str:
        return self.names.get(cid) or cid.replace("-", " ").title()


# --- planning one scene --------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """A shot in the making: what it covers and why; becomes a ``Shot`` at the end."""

    kind: str  # establishing | action | physics | peak | insert | line | voice | offscreen | reaction | dual
    shot_type: ShotType
    beats: list[int] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    lines: list[DialogueLine] = field(default_factory=list)
    intensity: float = 0.0
    physics: list[str] = field(default_factory=list)
    props: list[str] = field(default_factory=list)
    text: str = ""
    exchange: int = 0
    speaker: str | None = None
    listener: str | None = None
    action_words: int = 0
    score: float = 0.0  # for inserts: how much the prop matters here
    carries: bool = False  # an insert that is the only shot of its beat
    intro: bool = False  # a character's first appearance: kept as its own shot, for their reference look


def word_count(text: str) -> int:
    return len(_WORDS.findall(text))


def _sentence_with(text: str, needle: str) -> str:
    for sentence in _SENTENCES.split(text):
        if needle.lower() in sentence.lower():
            return sentence.strip()
    return text.strip()


def _trim(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


class ScenePlanner:
    """Plans one scene. Linear in its beats; all regexes are compiled once per process."""

    def __init__(
        self,
        scene: Scene,
        bibles: Bibles,
        *,
        establish: bool,
        coverage: Coverage | None = None,
        line_pause_s: float | None = None,
        matcher: NameMatcher | None = None,
    ) -> None:
        self.scene = scene
        self.bibles = bibles
        self.establish = establish
        self.coverage = coverage or Coverage()
        self.rules = rules()
        self.pause = self.rules.durations["line_pause_s"] if line_pause_s is None else line_pause_s
        self.matcher = matcher or NameMatcher(bibles, scene.speaking_characters)
        known = bibles.locations.get(scene.location_id)
        self.location = (  # the location as lit at this scene's time of day
            known.for_scene(scene.id)
            if known is not None
            else SceneBible(
                location_id=scene.location_id, name=scene.location_name.title(), time_of_day=scene.time_of_day
            )
        )
        self.readings = [
            beats.analyze(b.text)
            if b.dialogue is None
            else beats.score(b.text, b.dialogue.parenthetical, dialogue=True)
            for b in scene.beats
        ]

    # durations

    def speaking_rate(self, cid: str) -> float:
        bible = self.bibles.characters.get(cid)
        wpm = bible.voice_profile.rate_wpm if bible else self.rules.durations["speaking_rate_wpm"]
        return wpm / 60.0

    def line_seconds(self, line: DialogueLine) -> float:
        return word_count(line.text) / self.speaking_rate(line.character) + self.pause

    def dialogue_seconds(self, lines: list[DialogueLine]) -> float:
        return sum(self.line_seconds(line) for line in lines) + self.pause if lines else 0.0

    def duration(self, unit: Unit) -> float:
        d = self.rules.durations
        if unit.kind == "establishing":
            action = d["establishing_s"]
        elif unit.kind == "insert":
            action = d["insert_s"]
        elif unit.kind == "reaction":
            action = d["reaction_s"]
        elif unit.kind == "physics":
            action = min(d["physics_base_s"] + d["physics_per_word_s"] * unit.action_words, d["physics_max_s"])
        elif unit.action_words:
            action = min(d["action_base_s"] + d["action_per_word_s"] * unit.action_words, d["action_max_s"])
        else:
            action = 0.0
        seconds = max(action, self.dialogue_seconds(unit.lines))
        if self.coverage.shorter and not unit.lines:
            seconds = min(seconds, float(self.rules.revision.get("shorter_max_s", 5.0)))
        return round(min(max(seconds, d["min_s"]), d["max_s"]), 1)

    # building units

    def plan_units(self) -> list[Unit]:
        cov = self.rules.coverage
        units: list[Unit] = []
        present: list[str] = []  # on screen now, in order of arrival
        recent: list[str] = []  # everyone seen or heard, most recent last (for he/she and listeners)
        pending_short: list[int] = []
        carries = False
        exchange = 0
        line_no = 0
        previous_kind = ""
        establishing_done = not self.establish

        def seen(cid: str) -> None:
            if cid in recent:
                recent.remove(cid)
            recent.append(cid)

        for i, beat in enumerate(self.scene.beats):
            reading = self.readings[i]
            if beat.dialogue is None:
                if beat.kind != "action":
                    previous_kind = beat.kind
                    continue
                names = self.matcher.present_in(beat.text)
                subjects = self.matcher.subjects(beat.text, recent)
                on_screen = list(dict.fromkeys([*subjects, *names]))
                for cid in on_screen:
                    seen(cid)
                    if cid not in present:
                        present.append(cid)
                words = word_count(beat.text)
                introduces = bool(INTRO_PATTERN.search(beat.text))
                insert = min(reading.props, key=beats.prop_rank) if reading.props else None
                chars = (on_screen or present)[:3]
                if not establishing_done:
                    units.append(self._establishing([*pending_short, i], beat.text, chars, reading))
                    establishing_done = True
                elif reading.physics:
                    needs_width = len(chars) >= 3 or not chars or set(reading.physics) & self.rules.wide_physics
                    wide = ShotType.LS if needs_width else ShotType.MLS
                    units.append(
                        Unit(
                            "physics",
                            wide,
                            [*pending_short, i],
                            chars,
                            intensity=reading.intensity,
                            physics=list(reading.physics),
                            props=list(reading.props),
                            text=beat.text,
                            action_words=words,
                            intro=introduces,
                        )
                    )
                elif reading.intensity >= cov["action_peak_intensity"] and chars and not introduces:
                    framing = ShotType.ECU if reading.intensity >= cov["extreme_intensity"] else ShotType.CU
                    units.append(
                        Unit(
                            "peak",
                            framing,
                            [*pending_short, i],
                            chars[:1],
                            intensity=reading.intensity,
                            props=list(reading.props),
                            text=beat.text,
                            action_words=words,
                        )
                    )
                elif insert and words <= 2 * cov["short_action_words"] and not introduces:
                    carries = True  # the insert below is this beat's only shot
                elif (
                    words < cov["short_action_words"]
                    and not insert
                    and units
                    and units[-1].kind in ("action", "physics", "establishing", "peak")
                ):
                    widened = units[-1]  # a short action joins the shot before it
                    widened.beats.append(i)
                    widened.text += " " + beat.text
                    widened.action_words += words
                    widened.characters = list(dict.fromkeys([*widened.characters, *chars]))[:3]
                    previous_kind = "action"
                    continue
                else:
                    framing = ShotType.MS if len(chars) <= 2 else ShotType.MLS
                    units.append(
                        Unit(
                            "action",
                            framing,
                            [*pending_short, i],
                            chars,
                            intensity=reading.intensity,
                            props=list(reading.props),
                            text=beat.text,
                            action_words=words,
                            intro=introduces,
                        )
                    )
                pending_short = []
                if insert:
                    sentence = _sentence_with(beat.text, insert)
                    score = 1.0 - beats.prop_rank(insert) / 20 + 0.5 * bool(self.rules.reveal.search(sentence))
                    units.append(
                        Unit(
                            "insert",
                            ShotType.INSERT,
                            [i],
                            chars,
                            intensity=reading.intensity,
                            props=[insert],
                            text=sentence,
                            action_words=words,
                            score=score + 0.5 * reading.intensity,
                            carries=carries,
                        )
                    )
                carries = False
                for sentence in _SENTENCES.split(beat.text):
                    if _EXIT.search(sentence):
                        leaving = self.matcher.subjects(sentence, recent)
                        if leaving and leaving[0] in present:
                            present.remove(leaving[0])  # "Dex … escapes into the crowd": Dex is gone
                previous_kind = "action"
                continue

            # dialogue
            line = beat.dialogue
            speaker = line.character
            extension = (line.extension or "").upper().strip("() ")
            voice_over = any(tag in extension for tag in _VOICE_OVER)
            offscreen = not voice_over and any(extension.startswith(tag) for tag in _OFFSCREEN)
            if not establishing_done:
                units.append(self._establishing([], "", present, reading))
                establishing_done = True
            if previous_kind != "dialogue":
                exchange += 1
                line_no = 0
            previous_kind = "dialogue"
            if not voice_over and not offscreen:
                if speaker not in present:
                    present.append(speaker)
                seen(speaker)
            listener = self._listener(i, speaker, present, recent)
            last = units[-1] if units else None
            max_s = self.rules.durations["max_s"]

            singles = self.coverage.max_characters == 1
            if (
                line.dual
                and not singles
                and last is not None
                and last.kind in ("line", "dual")
                and last.beats[-1] == i - 1
                and last.lines
                and last.lines[-1].dual
            ):
                last.kind = "dual"
                last.shot_type = ShotType.MS
                last.characters = list(dict.fromkeys([*(ln.character for ln in last.lines), speaker]))[:2]
                last.lines.append(line)
                last.beats.append(i)
                last.intensity = max(last.intensity, reading.intensity)
                continue
            if voice_over:
                watcher = [c for c in reversed(recent) if c in present and c != speaker][:1]
                if (
                    last is not None
                    and last.kind not in ("insert", "reaction", "establishing")
                    and last.exchange == exchange
                    and self.dialogue_seconds([*last.lines, line]) <= max_s
                ):
                    last.lines.append(line)
                    last.beats.append(i)
                    last.intensity = max(last.intensity, reading.intensity)
                    continue
                units.append(
                    Unit(
                        "voice",
                        ShotType.MCU if watcher else ShotType.MS,
                        [i],
                        watcher,
                        [line],
                        reading.intensity,
                        text=line.text,
                        exchange=exchange,
                        speaker=speaker,
                        listener=watcher[0] if watcher else None,
                    )
                )
                continue
            if offscreen:
                subject = [listener] if listener else present[:1]
                framing = ShotType.CU if reading.intensity >= cov["calm_intensity"] else ShotType.MCU
                units.append(
                    Unit(
                        "offscreen",
                        framing,
                        [i],
                        subject,
                        [line],
                        reading.intensity,
                        text=line.text,
                        exchange=exchange,
                        speaker=speaker,
                        listener=subject[0] if subject else None,
                    )
                )
                continue
            if (
                last is not None
                and last.kind in ("line", "voice")
                and last.speaker == speaker
                and not line.dual
                and last.beats[-1] == i - 1
                and self.dialogue_seconds([*last.lines, line]) <= max_s
            ):
                last.lines.append(line)
                last.beats.append(i)
                last.intensity = max(last.intensity, reading.intensity)
                continue
            if reading.intensity >= cov["extreme_intensity"]:
                framing = ShotType.ECU
            elif reading.intensity >= cov["peak_intensity"]:
                framing = ShotType.CU
            elif listener and line_no % 2 == 0:
                framing = ShotType.OTS
            else:
                framing = ShotType.CU if reading.intensity >= cov["calm_intensity"] else ShotType.MCU
            line_no += 1
            characters = [speaker, listener] if framing is ShotType.OTS and listener else [speaker]
            units.append(
                Unit(
                    "line",
                    framing,
                    [*pending_short, i],
                    characters,
                    [line],
                    reading.intensity,
                    text=line.text,
                    exchange=exchange,
                    speaker=speaker,
                    listener=listener,
                )
            )
            pending_short = []
            if listener and reading.intensity >= cov["reaction_intensity"]:
                units.append(
                    Unit(
                        "reaction",
                        ShotType.CU,
                        [i],
                        [listener],
                        [],
                        round(reading.intensity * 0.9, 3),
                        text=line.text,
                        exchange=exchange,
                        speaker=speaker,
                        listener=listener,
                    )
                )
        if not establishing_done:
            units.append(self._establishing([], "", present, beats.BeatReading(0.0)))
        if pending_short and units:
            units[-1].beats.extend(pending_short)
        units = self._choose_inserts(units)
        units = self._split_long_lines(units)
        return self._fit_budget(units)

    def _choose_inserts(self, units: list[Unit]) -> list[Unit]:
        """Keep the best insert of each prop, and the best few of those; an insert that was its beat's only
        shot becomes a plain shot of the action instead of vanishing."""
        inserts = [u for u in units if u.kind == "insert"]
        best: dict[str, Unit] = {}
        for unit in inserts:
            prop = unit.props[0]
            if prop not in best or unit.score > best[prop].score:
                best[prop] = unit
        limit = int(self.rules.coverage["max_inserts_per_scene"])
        keep = {id(u) for u in sorted(best.values(), key=lambda u: -u.score)[:limit]}
        out: list[Unit] = []
        for unit in units:
            if unit.kind != "insert" or id(unit) in keep:
                if unit.kind == "insert":
                    unit.characters = []
                out.append(unit)
            elif unit.carries:
                framing = ShotType.MS if len(unit.characters) <= 2 else ShotType.MLS
                out.append(replace(unit, kind="action", shot_type=framing, carries=False))
        return out

    def _establishing(self, beat_ids: list[int], text: str, chars: list[str], reading: beats.BeatReading) -> Unit:
        outside = "EXT" in (self.scene.int_ext or self.location.int_ext)
        vista = self.rules.vista.search(f"{text} {self.scene.location_name} {self.location.description}")
        heading_physics = beats.detect_physics(self.scene.heading)
        return Unit(
            "establishing",
            ShotType.ELS if outside and vista else ShotType.LS,
            beat_ids,
            chars[:3],
            intensity=reading.intensity,
            physics=list(dict.fromkeys([*reading.physics, *heading_physics])),
            props=list(reading.props),
            text=text or self.location.description,
            action_words=word_count(text),
        )

    def _listener(self, i: int, speaker: str, present: list[str], recent: list[str]) -> str | None:
        """Who the speaker talks to, always someone on screen: the one a '(to Dex)' names, the last other speaker,
        the next one to answer, else whoever was seen most recently."""
        line = self.scene.beats[i].dialogue
        on_screen = [c for c in present if c != speaker]
        if line is not None and line.parenthetical:
            if _TO_SELF.search(line.parenthetical):
                return None
            named = _TO_SOMEONE.search(line.parenthetical)
            if named:
                target = self.matcher.present_in(named.group(1).title())
                if target and target[0] in on_screen:
                    return target[0]
        beats_list = self.scene.beats
        for j in range(i - 1, -1, -1):
            other = beats_list[j].dialogue
            if other is None:
                break
            if other.character in on_screen:
                return other.character
        for j in range(i + 1, len(beats_list)):
            other = beats_list[j].dialogue
            if other is None:
                break
            if other.character in on_screen:
                return other.character
        others = [c for c in reversed(recent) if c in on_screen]
        return others[0] if others else None

    def _split_long_lines(self, units: list[Unit]) -> list[Unit]:
        """A line too long for one shot continues over the listener's reaction (or a tighter single)."""
        max_s = self.rules.durations["max_s"]
        out: list[Unit] = []
        for unit in units:
            if unit.kind not in ("line", "voice", "offscreen") or self.dialogue_seconds(unit.lines) <= max_s:
                out.append(unit)
                continue
            chunks: list[list[DialogueLine]] = [[]]
            for line in unit.lines:
                for sentence in _SENTENCES.split(line.text):
                    piece = line.model_copy(update={"text": sentence})
                    if chunks[-1] and self.dialogue_seconds([*chunks[-1], piece]) > max_s:
                        chunks.append([])
                    chunks[-1].append(piece)
            for n, chunk in enumerate(chunks):
                if n == 0:
                    out.append(replace(unit, lines=chunk))
                    continue
                cutaway = unit.listener if n % 2 == 1 and unit.listener else unit.speaker
                framing = ShotType.CU if cutaway != unit.speaker else ShotType.MCU
                out.append(
                    replace(
                        unit,
                        kind="reaction" if cutaway != unit.speaker else unit.kind,
                        shot_type=framing,
                        characters=[cutaway] if cutaway else [],
                        lines=chunk,
                        beats=list(unit.beats),
                    )
                )
        return out

    def _fit_budget(self, units: list[Unit]) -> list[Unit]:
        cov = self.rules.coverage
        max_n, min_n = int(cov["target_max_shots"]), int(cov["target_min_shots"])
        max_s = self.rules.durations["max_s"]
        while len(units) > max_n:
            reactions = [u for u in units if u.kind == "reaction" and not u.lines]
            if reactions:
                units.remove(min(reactions, key=lambda u: u.intensity))
                continue
            best: tuple[float, int] | None = None
            for k in range(len(units) - 1):
                a, b = units[k], units[k + 1]
                if self._mergeable(a, b) and (best is None or self._cost(a, b) < best[0]):
                    best = (self._cost(a, b), k)
            if best is None or best[0] > max_s:
                break
            k = best[1]
            units[k : k + 2] = [self._merge(units[k], units[k + 1])]
        while len(units) < min_n:
            candidates = [
                (u.intensity, k)
                for k, u in enumerate(units)
                if u.kind == "line" and u.listener and not (k + 1 < len(units) and units[k + 1].kind == "reaction")
            ]
            if candidates:
                _, k = max(candidates)
                unit = units[k]
                units.insert(
                    k + 1,
                    Unit(
                        "reaction",
                        ShotType.MCU if unit.intensity < cov["calm_intensity"] else ShotType.CU,
                        list(unit.beats[-1:]),
                        [unit.listener] if unit.listener else [],
                        [],
                        round(unit.intensity * 0.9, 3),
                        text=unit.text,
                        exchange=unit.exchange,
                        speaker=unit.speaker,
                        listener=unit.listener,
                    ),
                )
                continue
            long_actions = [
                (u.action_words, k)
                for k, u in enumerate(units)
                if u.kind in ("action", "physics")
                and len(_SENTENCES.split(u.text)) >= 2
                and u.characters
                and self.duration(u) >= 4.0
            ]
            if not long_actions:
                break
            _, k = max(long_actions)
            unit = units[k]
            sentences = _SENTENCES.split(unit.text)
            half = max(1, len(sentences) // 2)
            first = replace(unit, text=" ".join(sentences[:half]), action_words=word_count(" ".join(sentences[:half])))
            second = replace(
                unit,
                kind="action",
                shot_type=ShotType.MCU,
                characters=unit.characters[:1],
                physics=[],
                text=" ".join(sentences[half:]),
                action_words=word_count(" ".join(sentences[half:])),
            )
            units[k : k + 1] = [first, second]
        return units

    def _mergeable(self, a: Unit, b: Unit) -> bool:
        peak = self.rules.coverage["peak_intensity"]
        if max(a.intensity, b.intensity) >= peak or a.intro or b.intro:
            return False
        if a.kind == "line" and b.kind == "line" and a.exchange == b.exchange:
            return self.coverage.max_characters != 1 or a.speaker == b.speaker
        return a.kind == "action" and b.kind == "action"

    def _cost(self, a: Unit, b: Unit) -> float:
        if a.lines or b.lines:
            return self.dialogue_seconds([*a.lines, *b.lines])
        return self.duration(a) + self.duration(b) - self.rules.durations["action_base_s"]

    def _merge(self, a: Unit, b: Unit) -> Unit:
        characters = list(dict.fromkeys([*a.characters, *b.characters]))[:3]
        framing = ShotType.MS if len(characters) <= 2 else ShotType.MLS
        return Unit(
            a.kind,
            framing,
            [*a.beats, *b.beats],
            characters,
            [*a.lines, *b.lines],
            max(a.intensity, b.intensity),
            list(dict.fromkeys([*a.physics, *b.physics])),
            list(dict.fromkeys([*a.props, *b.props])),
            f"{a.text} {b.text}".strip(),
            a.exchange,
            a.speaker,
            a.listener or b.listener,
            a.action_words + b.action_words,
        )

    # units → shots

    def shots(self) -> list[Shot]:
        return [self.to_shot(unit, n) for n, unit in enumerate(self.plan_units(), start=1)]

    def to_shot(self, unit: Unit, index: int) -> Shot:
        cov = self.coverage
        shot_type = unit.shot_type
        characters = list(unit.characters)
        if cov.max_characters is not None and len(characters) > cov.max_characters:
            keep = [c for c in (unit.speaker, *characters) if c in characters]
            characters = list(dict.fromkeys(keep))[: cov.max_characters]
            if shot_type is ShotType.OTS:
                shot_type = ShotType.MCU
        if cov.tighten:
            shot_type = ShotType.LS if unit.kind == "establishing" else self.rules.tighter[shot_type]
        physics = [] if unit.kind in ("line", "voice", "offscreen", "reaction", "dual", "insert") else unit.physics
        scene = self.scene
        return Shot(
            id=shot_id(scene.episode, scene.number, index),
            episode=scene.episode,
            scene_id=scene.id,
            index=index,
            location_id=scene.location_id,
            shot_type=shot_type,
            camera_angle=self.angle(unit, shot_type),
            lens_mm=self._lens(shot_type),
            movement=self.movement(unit, shot_type),
            lighting=lighting_note(self.location, locked=cov.lock_lighting),
            duration_s=self.duration(unit),
            characters=characters,
            dialogue=list(unit.lines),
            emotional_intensity=round(min(max(unit.intensity, 0.0), 1.0), 3),
            has_physics_elements=bool(physics),
            physics_elements=list(physics),
            cinematic_priority=unit.kind == "establishing",
            description=self.describe(unit, shot_type, characters),
            props=list(unit.props),
            beat_indices=sorted(set(unit.beats)),
            revision=cov.revision,
        )

    def _lens(self, shot_type: ShotType) -> int:
        lens = lens_for(shot_type)
        styled = _MM.search(self.location.camera_style)
        if styled and lens.min <= int(styled.group(1)) <= lens.max:
            return int(styled.group(1))
        return lens.default

    def angle(self, unit: Unit, shot_type: ShotType) -> CameraAngle:
        if shot_type is ShotType.INSERT:
            return CameraAngle.HIGH
        if self.coverage.static or self.coverage.tighten:
            return CameraAngle.EYE_LEVEL
        low = "low angle" in self.location.camera_style.lower()
        if unit.kind == "establishing":
            return CameraAngle.HIGH if shot_type is ShotType.ELS else CameraAngle.EYE_LEVEL
        if unit.kind == "physics":
            if "fight" in unit.physics and unit.intensity >= self.rules.coverage["extreme_intensity"]:
                return CameraAngle.DUTCH
            return CameraAngle.LOW if low else CameraAngle.EYE_LEVEL
        if unit.kind == "peak" and low:
            return CameraAngle.LOW
        return CameraAngle.EYE_LEVEL

    def movement(self, unit: Unit, shot_type: ShotType) -> Movement:
        if self.coverage.static:
            return Movement.STATIC
        style = self.location.camera_style.lower()
        cov = self.rules.coverage
        if unit.kind == "establishing":
            if "EXT" in (self.scene.int_ext or self.location.int_ext):
                return Movement.CRANE if shot_type is ShotType.ELS else Movement.DOLLY
            return Movement.DOLLY
        if unit.kind == "physics":
            if "vehicle" in unit.physics:
                return Movement.TRACKING
            if {"fight", "crowd", "fall"} & set(unit.physics) or "handheld" in style:
                return Movement.HANDHELD
            return Movement.TRACKING
        if (
            unit.kind in ("peak", "line")
            and unit.intensity >= cov["peak_intensity"]
            and shot_type
            in (
                ShotType.CU,
                ShotType.ECU,
            )
        ):
            return Movement.PUSH_IN
        if unit.kind == "insert" and unit.intensity >= cov["calm_intensity"]:
            return Movement.PUSH_IN
        if "push-in" in style and unit.intensity >= cov["calm_intensity"] and unit.kind in ("line", "action"):
            return Movement.PUSH_IN
        return Movement.STATIC

    def describe(self, unit: Unit, shot_type: ShotType, characters: list[str]) -> str:
        limit = int(self.rules.coverage["description_chars"])
        name = self.matcher.name
        framing = FRAMING_WORDS[shot_type]
        who = " and ".join(name(c) for c in characters)
        text = _trim(unit.text, limit)
        quote = " / ".join(f"“{_trim(line.text, 120)}”" for line in unit.lines)
        speaker = name(unit.speaker) if unit.speaker else ""
        where = self.location.name
        when = (self.scene.time_of_day or self.location.time_of_day).lower()
        if unit.kind == "establishing":
            lead = f"Establishing {framing.lower()} of {where}" + (f", {when}" if when else "")
            sentence = f"{lead}: {text}" if text else f"{lead}."
            if who:
                sentence += f" {who} in frame."
        elif unit.kind == "insert":
            sentence = f"Insert, close detail of the {unit.props[0]}: {text}"
        elif unit.kind == "dual":
            sentence = f"{framing} two-shot of {who}, talking over each other: {quote}"
        elif unit.kind == "voice":
            target = f" on {who}, listening" if who else f" of {where}"
            sentence = f"{framing}{target} as {speaker} is heard (voice-over): {quote}"
        elif unit.kind == "offscreen":
            sentence = f"{framing} of {who} as {speaker} calls out off-screen: {quote}"
        elif unit.kind == "reaction":
            sentence = f"Reaction {framing.lower()} of {who}, taking in {speaker}'s words" + (
                f", as {speaker} goes on: {quote}" if unit.lines else "."
            )
        elif unit.kind == "line" and shot_type is ShotType.OTS and unit.listener and len(characters) > 1:
            sentence = f"{framing} from behind {name(unit.listener)} onto {speaker}, who says: {quote}"
        elif unit.kind == "line":
            cue = next((f" ({line.parenthetical})" for line in unit.lines if line.parenthetical), "")
            sentence = f"{framing} of {who or speaker}{cue}, saying: {quote}"
        elif unit.kind == "physics":
            sentence = f"{framing}, {', '.join(unit.physics)} in motion: {text}"
        else:
            sentence = f"{framing} of {who}: {text}" if who else f"{framing}: {text}"
        if self.coverage.explicit_looks:
            sentence += self._looks(characters)
        return sentence

    def _looks(self, characters: list[str]) -> str:
        """The looks spelled out in the shot itself, for a redo after character drift."""
        parts = []
        for cid in characters:
            bible = self.bibles.characters.get(cid)
            if bible is None:
                continue
            parts.append(look_phrase(bible, self.scene.id))
        count = len(characters)
        if count == 0:
            return " No people in frame."
        head = f" Exactly {count} {'person' if count == 1 else 'people'} in frame"
        return f"{head}: {'; '.join(parts)}." if parts else f"{head}."


def look_phrase(bible: CharacterBible, scene_id: str) -> str:
    """'Lin (late 20s, sleek black bob, sharp-eyed) in a charcoal trench coat over a white silk blouse'."""
    look = bible.appearance
    traits = ", ".join(t for t in (look.age_range, look.hair, look.face, *look.distinguishing) if t)
    outfit = bible.outfit_for(scene_id)
    wearing = f" in {outfit.description}" if outfit else ""
    return f"{bible.name}" + (f" ({traits})" if traits else "") + wearing


def lighting_note(location: SceneBible, *, locked: bool = False) -> str:
    """The shot's lighting note from the location bible; ``locked`` restates it as a constraint for a redo."""
    palette = location.lighting_palette or "natural light"
    kelvin = f"{location.color_temperature_k}K"
    if locked:
        return f"Locked to the location bible: {palette}; {kelvin} throughout, no change in light between shots"
    return palette if kelvin in palette else f"{palette} ({kelvin})"


# --- scenes, storyboards, revisions --------------------------------------------------------------------------------


def establishes(previous: Scene | None, scene: Scene) -> bool:
    """An establishing shot opens each episode and marks every change of location."""
    return previous is None or previous.episode != scene.episode or previous.location_id != scene.location_id


def plan_scene(
    scene: Scene,
    bibles: Bibles,
    *,
    establish: bool,
    coverage: Coverage | None = None,
    line_pause_s: float | None = None,
    matcher: NameMatcher | None = None,
) -> list[Shot]:
    """The shots of one scene under the rules in this module's docstring."""
    planner = ScenePlanner(
        scene, bibles, establish=establish, coverage=coverage, line_pause_s=line_pause_s, matcher=matcher
    )
    return planner.shots()


def plan_storyboard(screenplay: Screenplay, bibles: Bibles, *, line_pause_s: float | None = None) -> Storyboard:
    """Every scene planned, with the bibles attached: the storyboard the rest of the crew works from."""
    matcher = NameMatcher(bibles, [c for s in screenplay.scenes() for c in s.speaking_characters])
    episodes: list[EpisodeBoard] = []
    previous: Scene | None = None
    for episode in screenplay.episodes:
        boards = []
        for scene in episode.scenes:
            shots = plan_scene(
                scene, bibles, establish=establishes(previous, scene), line_pause_s=line_pause_s, matcher=matcher
            )
            boards.append(SceneBoard(scene=scene, shots=shots))
            previous = scene
        episodes.append(EpisodeBoard(number=episode.number, title=episode.title, scenes=boards))
    return Storyboard(title=screenplay.title, episodes=episodes, bibles=bibles)


def previous_scene(storyboard: Storyboard, scene_id: str) -> Scene | None:
    """The scene before ``scene_id`` in script order (None for the first)."""
    previous: Scene | None = None
    for episode in storyboard.episodes:
        for board in episode.scenes:
            if board.scene.id == scene_id:
                return previous
            previous = board.scene
    raise KeyError(scene_id)


def revise_scene(
    board: SceneBoard, bibles: Bibles, reasons: list[str], *, establish: bool, line_pause_s: float | None = None
) -> tuple[SceneBoard, list[str]]:
    """Redo a scene's storyboard after clustered failures; returns the new board and what changed, in words.

    The rule: the scene is planned again from its beats with the safer coverage of ``coverage_for(reasons)``,
    its ``revision`` goes up by one (on the board and on every shot, so caches and reviews see new shots), ids
    stay ``E01-S003-SH01`` … so edits and overrides still find them, and a model pinned on a shot id is kept.
    """
    revision = board.revision + 1
    coverage = coverage_for(reasons, revision)
    shots = plan_scene(board.scene, bibles, establish=establish, coverage=coverage, line_pause_s=line_pause_s)
    pinned = {shot.id: shot.model_override for shot in board.shots if shot.model_override}
    for shot in shots:
        shot.model_override = pinned.get(shot.id)
    changes = [f"revision {revision} for causes: {', '.join(coverage.causes)}"]
    if coverage.max_characters is not None:
        changes.append(f"at most {coverage.max_characters} character(s) per shot")
    if coverage.tighten:
        changes.append("framing one step tighter")
    if coverage.explicit_looks:
        changes.append("each character's age, hair and outfit spelled out in the shot description")
    if coverage.lock_lighting:
        changes.append("the location's lighting restated and locked in every shot")
    if coverage.static:
        changes.append("static camera")
    if coverage.shorter:
        changes.append(f"wordless shots capped at {rules().revision.get('shorter_max_s', 5.0)} s")
    before = sum(len(s.characters) for s in board.shots) / max(len(board.shots), 1)
    after = sum(len(s.characters) for s in shots) / max(len(shots), 1)
    changes.append(f"{len(board.shots)} → {len(shots)} shots, {before:.1f} → {after:.1f} characters per shot")
    return SceneBoard(scene=board.scene, shots=shots, revision=revision), changes


# --- the storyboard in the tool context ----------------------------------------------------------------------------


def screenplay_of(storyboard: Storyboard) -> Screenplay:
    """The screenplay a storyboard was planned from (its scenes live on the scene boards)."""
    return Screenplay(
        title=storyboard.title,
        episodes=[
            Episode(number=e.number, title=e.title, scenes=[b.scene for b in e.scenes]) for e in storyboard.episodes
        ],
    )


def storyboard_skeleton(screenplay: Screenplay, keep: Storyboard | None = None) -> Storyboard:
    """A storyboard with every scene and no shots yet; scenes unchanged since ``keep`` keep their shots and bibles."""
    kept: dict[str, SceneBoard] = {}
    if keep is not None:
        kept = {b.scene.id: b for e in keep.episodes for b in e.scenes}
    episodes = []
    for episode in screenplay.episodes:
        boards = []
        for scene in episode.scenes:
            old = kept.get(scene.id)
            boards.append(old if old is not None and old.scene == scene else SceneBoard(scene=scene))
        episodes.append(EpisodeBoard(number=episode.number, title=episode.title, scenes=boards))
    bibles = keep.bibles if keep is not None else Bibles()
    return Storyboard(title=screenplay.title, episodes=episodes, bibles=bibles)
