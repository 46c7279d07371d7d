"""Reading the bibles out of the script: who each character is, how they look and sound, and how each place is lit.

Video models remember nothing between calls, so everything that must stay the same across shots is read
here, once, from what the writer wrote:

- characters: every speaker plus anyone introduced in action the screenplay way, an ALL-CAPS name with an age
  (``TESS (35), severe ponytail, in a crisp white blouse``). Looks come from the introduction, split at commas
  and sorted by the words in ``tools/data/looks.yaml``; wardrobe comes from every clause like ``in a charcoal
  trench coat`` or ``now in a black turtleneck`` attached to the character, each later one starting a new
  ``Outfit`` from that scene on; gender comes from the pronouns that refer to them (subject pronouns first,
  possessives only where those are silent); the voice from gender, age and parentheticals; the emotional range
  from the emotions scored in their lines.
- locations: INT/EXT and time of day give a base palette, words in the action (neon, candle, rain,
  fluorescent ...) add light and colour (``tools/data/lighting.yaml``), tension and romance pick a camera style.
  A location seen at several times of day gets one light per time of day (``lighting_variants``): the same
  kitchen at night and in the morning is lit differently. Its description is the first action there that is
  not a character's introduction.

What the script does not say gets a plain default and its field name in ``defaults``. Names are never invented:
a character exists only if the script names them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from domain.bibles import (
    LIGHTING_FIELDS,
    Appearance,
    Bibles,
    CharacterBible,
    LightingVariant,
    Outfit,
    SceneBible,
    VoiceProfile,
)
from domain.screenplay import Beat, Character, DialogueLine, Scene, Screenplay, slugify
from tools import beats
from tools.beats import load_yaml

Gender = str  # "female" | "male" | "neutral"

_AGE = r"(\d{1,3}s?|(?:early|mid|late)[- ]?\d0s)"
_INTRO = re.compile(r"(?<![\w'’])((?:[A-Z][A-Z0-9'’.\-]*\s+){0,3}[A-Z][A-Z0-9'’\-]*[A-Z0-9])\s*\(\s*" + _AGE + r"\s*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)]*\s+")
_ABBREVIATIONS = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Det.", "Sgt.", "Capt.", "Prof.", "Jr.", "Sr.")
_CLAUSE_END = re.compile(r"[,;.!?:—–]|\s-\s")
_CUE_LEAD = re.compile(
    r"^(?:now\s+)?(?:in|wearing|dressed in|changed into|changes into|has changed into|wears|pulls on|puts on|"
    r"shrugs on|slips into)\s+(?:a\s+|an\s+|the\s+)?(?:fresh\s+)?",
    re.IGNORECASE,
)
_LEAD_WITH = re.compile(r"^(?:and\s+|with\s+)?(?:a\s+|an\s+|the\s+)?", re.IGNORECASE)
_HEDGES = re.compile(r"\b(?:maybe|perhaps|sort of|kind of|somewhat|slightly|vaguely|some)\s+|(?<=\w)-?ish\b", re.I)
_PRONOUN = re.compile(r"(?<![\w'])(she|her|hers|herself|he|him|his|himself)(?![\w'])", re.IGNORECASE)
_OBJECT_AFTER_HER = frozenset(
    [
        "with",
        "to",
        "at",
        "from",
        "in",
        "on",
        "and",
        "as",
        "into",
        "back",
        "away",
        "off",
        "up",
        "down",
        "close",
        "again",
        "the",
        "a",
        "an",
        "for",
        "by",
        "over",
        "toward",
        "towards",
        "out",
        "that",
        "this",
        "what",
        "how",
        "if",
        "when",
        "while",
        "until",
        "before",
        "after",
        "through",
        "around",
        "across",
        "about",
        "but",
        "or",
        "so",
        "then",
        "now",
        "once",
        "here",
        "there",
        "alone",
        "closer",
        "tight",
        "tightly",
        "gently",
        "softly",
        "firmly",
        "hard",
        "goodbye",
    ]
)
_DEPICTION = re.compile(
    r"(?:\b(?:photo|photograph|picture|portrait|poster|image|video|screen|message|caller id|file)s?\b[^.!?]*|:\s*)$",
    re.IGNORECASE,
)
INTRO_PATTERN = _INTRO


def is_depiction(text: str, start: int) -> bool:
    """True when the name at ``start`` is seen in a photo, on a screen or in a message, not in person
    ('a photo of Kai shaking Hale's hand', "Lin's phone buzzes: KAI")."""
    window = text[max(0, start - 48) : start]
    sentence_start = max(window.rfind(". "), window.rfind("! "), window.rfind("? "))
    return bool(_DEPICTION.search(window[sentence_start + 1 :] if sentence_start >= 0 else window))


def _her_is_object(text: str, after: int, end: int) -> bool:
    """'her' is an object ('holds the key out to her.', 'hugs her tight') unless a noun follows it ('her keys').

    The next word decides: none (the clause or sentence ends: a comma, a full stop, a dash) or a function word
    means an object. An object 'her' is someone else than the sentence's subject, so it must not vote for them.
    """
    following = text[after:end]
    if re.match(r"\s*(?:[,;:.!?)\]\"”’]|—|–|\s-\s|$)", following):
        return True
    words = following.split()
    return not words or words[0].lower().strip('.,;:!?"”’)') in _OBJECT_AFTER_HER


def _words_pattern(words: list[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?:{alternation})(?![A-Za-z])", re.IGNORECASE)


@dataclass(frozen=True)
class LookWords:
    """The looks lexicon compiled once: one pattern per kind of description."""

    colors: tuple[str, ...]
    color: re.Pattern[str]
    explicit_colors: dict[str, str]
    hair: re.Pattern[str]
    face: re.Pattern[str]
    build: re.Pattern[str]
    skin: re.Pattern[str]
    distinguishing: re.Pattern[str]
    garment: re.Pattern[str]
    wardrobe_cue: re.Pattern[str]
    vocabulary: frozenset[str]
    titles: dict[str, str]
    pronouns: dict[str, str]
    gender_nouns: re.Pattern[str]
    gender_of_noun: dict[str, str]
    caps_stopwords: frozenset[str]


@cache
def look_words() -> LookWords:
    data = load_yaml("looks.yaml")
    cue_phrases = "|".join(re.escape(c) for c in sorted(data["wardrobe_cues"], key=len, reverse=True))
    vocabulary = {
        w.lower()
        for key in ("colors", "hair", "face", "build", "skin", "distinguishing", "garments")
        for w in data[key]
    }
    gender_of_noun = {noun: gender for gender, nouns in data["gender_nouns"].items() for noun in nouns}
    return LookWords(
        colors=tuple(data["colors"]),
        color=_words_pattern(list(data["colors"])),
        explicit_colors={str(k): str(v) for k, v in data["explicit_colors"].items()},
        hair=_words_pattern(data["hair"]),
        face=_words_pattern(data["face"]),
        build=_words_pattern(data["build"]),
        skin=_words_pattern(data["skin"]),
        distinguishing=_words_pattern(data["distinguishing"]),
        garment=_words_pattern(data["garments"]),
        wardrobe_cue=re.compile(
            rf"(?<![\w-])(?i:{cue_phrases})(?![\w-])|(?<![\w-])in (?=[A-Z][\w]*['’]s\s)", re.UNICODE
        ),
        vocabulary=frozenset(vocabulary),
        titles={str(k).lower(): str(v) for k, v in data["titles"].items()},
        pronouns={p: gender for gender, words in data["pronouns"].items() for p in words},
        gender_nouns=_words_pattern(list(gender_of_noun)),
        gender_of_noun=gender_of_noun,
        caps_stopwords=frozenset(str(w) for w in data["caps_stopwords"]),
    )


@cache
def _lighting_data() -> dict[str, Any]:
    data = load_yaml("lighting.yaml")
    cues = data["cues"]
    alternation = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
    data["_cue_pattern"] = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)
    return dict(data)


@cache
def _voice_data() -> dict[str, Any]:
    return dict(load_yaml("voice.yaml"))


# --- small text helpers --------------------------------------------------------------------------------------------


def title_case(name: str) -> str:
    """'VICTOR HALE' -> 'Victor Hale', "O'NEIL" -> "O'Neil"; text already in mixed case is kept."""
    if any(c.islower() for c in name):
        return name

    def word(token: str) -> str:
        parts = re.split(r"(['’\-])", token.lower())
        out = []
        for i, part in enumerate(parts):
            possessive = i > 0 and parts[i - 1] in ("'", "’") and part == "s"
            out.append(part if possessive else part[:1].upper() + part[1:])
        return "".join(out)

    return " ".join(word(t) for t in name.split())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets; 'Mr.' and similar do not end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        piece = text[start : match.start()].rstrip()
        if piece.endswith(_ABBREVIATIONS) or re.search(r"(?:^|\s)[A-Z]\.$", piece):
            continue
        spans.append((start, match.start()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def colors_in(text: str) -> list[str]:
    """Colour words in order of appearance, each once ("charcoal coat over a white blouse" -> charcoal, white)."""
    found = [m.group(0).lower() for m in look_words().color.finditer(text)]
    return [c for c in dict.fromkeys(found) if c not in ("light", "dark", "pale")] or list(dict.fromkeys(found))


def explicit_wording(text: str) -> str:
    """Ambiguous colour words made explicit ('charcoal' -> 'charcoal grey'), hedges removed ('slightly', '-ish')."""
    words = look_words()
    text = _HEDGES.sub("", text)

    def repl(match: re.Match[str]) -> str:
        word = match.group(0)
        explicit = words.explicit_colors.get(word.lower())
        if not explicit or explicit.lower() == word.lower():
            return word
        following = text[match.end() : match.end() + len(explicit) + 1].lower()
        if following.strip().startswith(explicit.split()[-1]):
            return word  # already explicit
        return explicit

    return words.color.sub(repl, text).strip()


def _trim(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def age_label(age_text: str) -> tuple[int | None, str]:
    """'28' -> (28, 'late 20s'); '40s' -> (45, '40s'); 'mid-30s' -> (35, 'mid 30s')."""
    text = age_text.strip().lower()
    if text.isdigit():
        age = int(text)
        if age < 13:
            return age, "child"
        if age < 20:
            return age, "teens"
        decade, unit = divmod(age, 10)
        part = "early" if unit <= 3 else "mid" if unit <= 6 else "late"
        return age, f"{part} {decade * 10}s"
    match = re.match(r"(?:(early|mid|late)[- ]?)?(\d)0s$", text)
    if not match:
        return None, text
    decade = int(match.group(2)) * 10
    part = match.group(1)
    age = decade + {"early": 2, "mid": 5, "late": 8, None: 5}[part]
    return age, f"{part} {decade}s" if part else f"{decade}s"


# --- the script index ----------------------------------------------------------------------------------------------


@dataclass
class Person:
    """Everything the script says about one character, gathered in one pass."""

    id: str
    name: str
    speaking: bool = False
    forms: set[str] = field(default_factory=set)
    cue_names: set[str] = field(default_factory=set)
    intro: str = ""
    intro_scene: str | None = None
    intro_key: tuple[str, int, int] | None = None  # (scene id, beat index, sentence start) of the introduction
    descriptor: str = ""
    age_text: str | None = None
    scenes: list[str] = field(default_factory=list)
    lines: list[DialogueLine] = field(default_factory=list)
    action_readings: list[beats.BeatReading] = field(default_factory=list)
    votes: Counter[str] = field(default_factory=Counter)
    weak_votes: Counter[str] = field(default_factory=Counter)
    outfits: list[Outfit] = field(default_factory=list)

    def add_scene(self, scene_id: str) -> None:
        if scene_id not in self.scenes:
            self.scenes.append(scene_id)


class ScriptIndex:
    """One pass over a screenplay that every bible is built from; cheap enough to rebuild per tool call."""

    def __init__(self, screenplay: Screenplay) -> None:
        self.screenplay = screenplay
        self.scenes: list[Scene] = screenplay.scenes()
        self.people: dict[str, Person] = {}
        self._collect_speakers()
        self._collect_intros()
        self._name_of: dict[str, str] = {}
        self.mention_pattern = self._mention_pattern()
        self._walk_action()
        for person in self.people.values():
            person.scenes.sort()

    # speakers and introductions

    def _collect_speakers(self) -> None:
        for scene in self.scenes:
            for beat in scene.beats:
                line = beat.dialogue
                if line is None:
                    continue
                person = self.people.get(line.character)
                if person is None:
                    name = title_case(line.character.replace("-", " ").upper())
                    person = self.people[line.character] = Person(id=line.character, name=name, speaking=True)
                    person.cue_names.add(line.character.replace("-", " ").upper())
                person.lines.append(line)
                person.add_scene(scene.id)

    def _collect_intros(self) -> None:
        words = look_words()
        for scene in self.scenes:
            for beat in scene.beats:
                if beat.kind != "action":
                    continue
                for match in _INTRO.finditer(beat.text):
                    tokens = match.group(1).split()
                    while tokens and tokens[0].strip(".") in words.caps_stopwords:
                        tokens.pop(0)
                    if not tokens:
                        continue
                    key_tokens = [t for t in tokens if t.lower() not in words.titles]
                    if not key_tokens:
                        continue
                    full, key = " ".join(tokens), " ".join(key_tokens)
                    person = self._match_person(full, key, key_tokens)
                    if person is None:
                        person = self.people[slugify(key)] = Person(id=slugify(key), name=title_case(full))
                    if person.intro:
                        continue
                    person.name = title_case(full)
                    person.forms.update({full, key, *[t for t in key_tokens if len(t.strip(".")) >= 2]})
                    start, end = next(
                        (s, e) for s, e in sentence_spans(beat.text) if s <= match.start() < e or match.start() < s
                    )
                    person.intro = beat.text[start:end].strip()
                    person.intro_scene = scene.id
                    person.intro_key = (scene.id, beat.index, start)
                    person.descriptor = beat.text[match.end() : end]
                    person.age_text = match.group(2)
                    title = next((t.lower() for t in tokens if t.lower() in words.titles), None)
                    if title and words.titles[title]:
                        person.votes[words.titles[title]] += 2
                    for noun in words.gender_nouns.findall(person.intro):
                        person.votes[words.gender_of_noun[noun.lower()]] += 2
                    person.add_scene(scene.id)

    def _match_person(self, full: str, key: str, key_tokens: list[str]) -> Person | None:
        for candidate in (full, key, key_tokens[-1], key_tokens[0]):
            person = self.people.get(slugify(candidate))
            if person is not None:
                return person
        return None

    # mentions

    def _mention_pattern(self) -> re.Pattern[str] | None:
        owners: dict[str, set[str]] = {}
        for person in self.people.values():
            forms = person.forms | person.cue_names
            if not forms:
                forms = {person.id.replace("-", " ").upper()}
            for form in forms:
                for variant in {form.upper(), title_case(form.upper())}:
                    owners.setdefault(variant, set()).add(person.id)
        unique = {form: ids.pop() for form, ids in owners.items() if len(ids) == 1}
        self._owner_of_form = unique
        if not unique:
            return None
        alternation = "|".join(re.escape(f) for f in sorted(unique, key=len, reverse=True))
        return re.compile(rf"(?<![\w'’])(?:{alternation})(?![\w])")

    def mentions(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, character id) of every character named in ``text``."""
        if self.mention_pattern is None:
            return []
        return [(m.start(), m.end(), self._owner_of_form[m.group(0)]) for m in self.mention_pattern.finditer(text)]

    def present_in(self, text: str) -> list[str]:
        """Character ids named in ``text``, in order of first mention."""
        return list(dict.fromkeys(cid for _, _, cid in self.mentions(text)))

    # one walk over the action: scenes, pronoun votes, wardrobe clauses, action readings

    def _walk_action(self) -> None:
        words = look_words()
        for scene in self.scenes:
            context: str | None = None  # who "he"/"she" opening the next action most likely is
            for beat in scene.beats:
                if beat.dialogue is not None:
                    context = beat.dialogue.character
                    continue
                if beat.kind != "action":
                    continue
                mentions = self.mentions(beat.text)
                reading = beats.analyze(beat.text)
                for cid in dict.fromkeys(m[2] for m in mentions if not is_depiction(beat.text, m[0])):
                    self.people[cid].add_scene(scene.id)
                    self.people[cid].action_readings.append(reading)
                context = self._vote_pronouns(beat.text, mentions, context)
                self._wardrobe_clauses(scene, beat, mentions, words)

    def _vote_pronouns(self, text: str, mentions: list[tuple[int, int, str]], context: str | None) -> str | None:
        """Resolve he/she to a character: a sentence-initial subject pronoun refers to the previous sentence's
        subject; possessives to this sentence's subject; object pronouns to someone else named before.
        Subject pronouns are trusted (``votes``); the rest only count where those are silent (``weak_votes``).
        ``context`` is who the beat most likely continues with (the last speaker); returns the last subject."""
        pronouns = look_words().pronouns
        previous_subject: str | None = context
        history: list[str] = []
        for start, end in sentence_spans(text):
            inside = [m for m in mentions if start <= m[0] < end]
            subject = inside[0][2] if inside else None
            subject_is_pronoun = False
            first_word = re.match(r"\s*([A-Za-z]+)", text[start:end])
            for match in _PRONOUN.finditer(text, start, end):
                word = match.group(1).lower()
                gender = pronouns[word]
                before = [m for m in inside if m[0] < match.start()]
                sentence_initial = first_word is not None and first_word.start(1) + start == match.start()
                if word in ("she", "he"):
                    referent = before[-1][2] if before and not sentence_initial else previous_subject
                    if sentence_initial or subject is None:
                        subject = referent
                        subject_is_pronoun = True
                    if referent:
                        self.people[referent].votes[gender] += 1
                    continue
                is_object = word in ("him",) or (word == "her" and _her_is_object(text, match.end(), end))
                if is_object:
                    current = subject or previous_subject
                    others = [m[2] for m in reversed(before) if m[2] != current]
                    others += [cid for cid in reversed(history) if cid != current]
                    referent = others[0] if others else None
                else:
                    referent = before[0][2] if before else (subject if subject_is_pronoun else previous_subject)
                if referent:
                    self.people[referent].weak_votes[gender] += 1
            history.extend(m[2] for m in inside)
            previous_subject = subject or previous_subject
        return previous_subject

    def _wardrobe_clauses(
        self, scene: Scene, beat: Beat, mentions: list[tuple[int, int, str]], words: LookWords
    ) -> None:
        text = beat.text
        for start, end in sentence_spans(text):
            for cue in words.wardrobe_cue.finditer(text, start, end):
                owners = [m for m in mentions if start <= m[0] < cue.start()]
                if not owners:
                    continue
                person = self.people[owners[-1][2]]
                if person.intro_key == (scene.id, beat.index, start):
                    continue  # the introduction's own clause is read with the rest of the introduction
                stop = _CLAUSE_END.search(text, cue.end(), end)
                clause = text[cue.start() : stop.start() if stop else end].strip()
                if not words.garment.search(clause):
                    continue
                self._add_outfit(person, scene.id, _CUE_LEAD.sub("", clause).strip())

    @staticmethod
    def _add_outfit(person: Person, scene_id: str, description: str, source: str = "script") -> None:
        if not description:
            return
        if any(o.from_scene == scene_id for o in person.outfits):
            return
        current = [o for o in person.outfits if o.from_scene <= scene_id]
        if current and current[-1].description.lower() == description.lower():
            return
        person.outfits.append(
            Outfit(from_scene=scene_id, description=description, colors=colors_in(description), source=source)  # type: ignore[arg-type]
        )
        person.outfits.sort(key=lambda o: o.from_scene)


# --- characters ----------------------------------------------------------------------------------------------------


@dataclass
class IntroLooks:
    appearance: Appearance
    outfit: str = ""


def read_introduction(descriptor: str) -> IntroLooks:
    """Sort the comma-separated pieces after ``NAME (age)`` into hair, face, build, skin, marks and wardrobe.

    Stops at the first piece that reads as action ('waits at the railing'), so props in the action are not
    mistaken for looks.
    """
    words = look_words()
    look = Appearance()
    hair: list[str] = []
    face: list[str] = []
    build: list[str] = []
    garments: list[str] = []
    for raw in descriptor.split(","):
        piece = raw.strip().rstrip(".")
        if not piece:
            continue
        first = piece.split()[0].lower().strip(".")
        if first.endswith("s") and first not in words.vocabulary and not words.color.fullmatch(first):
            break  # "crosses the crowded deck with two glasses" is action, not looks
        if words.garment.search(piece) and not words.hair.search(piece):
            garments.append(_CUE_LEAD.sub("", piece).strip())
        elif words.hair.search(piece):
            hair.append(_LEAD_WITH.sub("", piece).strip())
        elif words.distinguishing.search(piece):
            look.distinguishing.append(_LEAD_WITH.sub("", piece).strip())
        elif words.skin.search(piece):
            look.skin_tone = _LEAD_WITH.sub("", piece).strip()
        elif words.face.search(piece):
            face.append(_LEAD_WITH.sub("", piece).strip())
        elif words.build.search(piece):
            build.extend(p.strip() for p in re.split(r"\s+and\s+", _LEAD_WITH.sub("", piece)) if p.strip())
    look.hair = ", ".join(hair)
    look.face = ", ".join(face)
    look.build = ", ".join(build)
    return IntroLooks(look, ", ".join(garments))


def _gender(person: Person) -> str | None:
    for votes in (person.votes, person.weak_votes):
        female, male = votes.get("female", 0), votes.get("male", 0)
        if female != male:
            return "female" if female > male else "male"
    return None


def _emotional_range(person: Person) -> list[str]:
    totals: dict[str, float] = {}
    for line in person.lines:
        reading = beats.score(line.text, line.parenthetical, dialogue=True)
        for emotion in reading.emotions[:2]:
            totals[emotion] = totals.get(emotion, 0.0) + max(reading.intensity, 0.1)
    for reading in person.action_readings:
        for emotion in reading.emotions[:1]:
            totals[emotion] = totals.get(emotion, 0.0) + 0.5 * max(reading.intensity, 0.1)
    return [emotion for emotion, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:4]]


def _voice(person: Person, gender: str | None, age: int | None, age_range: str, emotions: list[str]) -> VoiceProfile:
    data = _voice_data()
    pitch = data["pitch"][gender or "neutral"]
    rate = int(data["default_rate"])
    if age is not None:
        row = [r for r in data["age"] if age >= r["from"]][-1]
        pitch += row["pitch"]
        rate = int(row["rate"])
    styles: Counter[str] = Counter()
    for line in person.lines:
        if line.parenthetical:
            for style in beats.score("", line.parenthetical, dialogue=True).styles:
                styles[style] += 1
    if styles:
        style = "; ".join(s for s, _ in styles.most_common(2))
    elif emotions:
        style = f"{data['emotion_styles'].get(emotions[0], 'natural')}, natural"
    else:
        style = str(data["default_style"])
    return VoiceProfile(
        gender=gender or "neutral",  # type: ignore[arg-type]
        age_range=age_range,
        pitch=max(0, min(99, int(pitch))),
        rate_wpm=rate,
        style=style,
    )


def find_characters(index: ScriptIndex) -> list[Character]:
    """Every speaking character and every named non-speaking one, in order of first appearance."""
    entries = []
    for person in index.people.values():
        aliases = sorted(
            {title_case(f) for f in person.forms | person.cue_names if title_case(f) != person.name and len(f) > 1}
        )
        entries.append(
            Character(
                character_id=person.id,
                name=person.name,
                aliases=aliases,
                speaking=person.speaking,
                first_scene=person.scenes[0] if person.scenes else "",
                intro=person.intro,
                scenes=list(person.scenes),
                age=person.age_text or "",
            )
        )
    return sorted(entries, key=lambda e: (e.first_scene, e.character_id))


def character_bible(index: ScriptIndex, character_id: str) -> CharacterBible:
    """The full bible of one character; ``KeyError`` if the script never names them."""
    person = index.people[character_id]
    defaults: list[str] = []
    looks = read_introduction(person.descriptor) if person.descriptor else IntroLooks(Appearance())
    appearance = looks.appearance
    age, age_range = age_label(person.age_text) if person.age_text else (None, "")
    appearance.age_range = age_range
    if not appearance.age_range:
        appearance.age_range = "adult"
        defaults.append("appearance.age_range")
    if not appearance.hair:
        appearance.hair = "natural hair, neatly kept"
        defaults.append("appearance.hair")
    if not appearance.build:
        appearance.build = "average build"
        defaults.append("appearance.build")

    wardrobe = list(person.outfits)
    if looks.outfit and person.intro_scene:
        intro_outfit = Outfit(from_scene=person.intro_scene, description=looks.outfit, colors=colors_in(looks.outfit))
        wardrobe = [o for o in wardrobe if o.from_scene != person.intro_scene] + [intro_outfit]
        wardrobe.sort(key=lambda o: o.from_scene)
        wardrobe = [o for i, o in enumerate(wardrobe) if i == 0 or o.description != wardrobe[i - 1].description]
    first_scene = person.scenes[0] if person.scenes else (person.intro_scene or "E01-S001")
    if not wardrobe:
        wardrobe = [
            Outfit(
                from_scene=first_scene,
                description="everyday clothes in muted tones",
                colors=["grey"],
                source="default",
            )
        ]
        defaults.append("wardrobe")

    gender = _gender(person)
    emotions = _emotional_range(person)
    voice = _voice(person, gender, age, age_range, emotions)
    if gender is None:
        defaults.append("voice_profile.gender")
    if not age_range:
        defaults.append("voice_profile.age_range")
    if not any(line.parenthetical for line in person.lines):
        defaults.append("voice_profile.style")
    defaults.append("voice_profile.accent")
    if not emotions:
        emotions = ["neutral"]
        defaults.append("emotional_range")

    aliases = sorted(
        {title_case(f) for f in person.forms | person.cue_names if title_case(f) != person.name and len(f) > 1}
    )
    return CharacterBible(
        character_id=person.id,
        name=person.name,
        aliases=aliases,
        description=person.intro,
        appearance=appearance,
        wardrobe=wardrobe,
        voice_profile=voice,
        emotional_range=emotions,
        speaking=person.speaking,
        scenes=list(person.scenes),
        defaults=defaults,
    )


# --- locations -----------------------------------------------------------------------------------------------------


def _time_key(time_of_day: str) -> str | None:
    data = _lighting_data()
    text = time_of_day.upper().strip()
    if not text:
        return None
    if text in data["times"]:
        return text
    if text in data["aliases"]:
        return str(data["aliases"][text])
    for word in re.split(r"[\s\-/]+", text):
        if word in data["times"]:
            return word
        if word in data["aliases"]:
            return str(data["aliases"][word])
    return None


def _temperature_word(kelvin: int) -> str:
    return "warm" if kelvin < 3600 else "neutral" if kelvin < 5000 else "cool"


@dataclass(frozen=True)
class _Light:
    time_of_day: str
    palette: str
    kelvin: int
    colors: list[str]


def _light(time_key: str, raw_time: str, int_ext: str, scenes: list[Scene]) -> _Light:
    """The light of ``scenes`` (all at one location and one time of day): the time's base palette, and the light
    words of those scenes' action (a candle lit at night says nothing of the morning)."""
    data = _lighting_data()
    base = data["times"][time_key]
    interior = base.get("interior") if int_ext == "INT" else None
    palette, kelvin, colors = (
        (interior["palette"], int(interior["kelvin"]), list(interior["colors"]))
        if interior
        else (base["palette"], int(base["kelvin"]), list(base["colors"]))
    )
    all_text = "\n".join(b.text for s in scenes for b in s.beats if b.kind == "action")
    cue_names = list(dict.fromkeys(m.group(0).lower() for m in data["_cue_pattern"].finditer(all_text)))
    phrases: list[str] = []
    cue_colors: list[str] = []
    override: int | None = None
    for cue_name in cue_names:
        cue = data["cues"][cue_name]
        if cue["phrase"] not in phrases and cue["phrase"] not in palette:
            phrases.append(cue["phrase"])
        cue_colors.extend(cue.get("colors") or [])
        if override is None and cue.get("kelvin") and int(cue["kelvin"]) != kelvin:
            override = int(cue["kelvin"])
    phrases = phrases[:4]
    if override is not None:
        kelvin = override
        palette = ", ".join([*phrases, f"{_temperature_word(kelvin)} {kelvin}K", raw_time.lower()])
    elif phrases:
        palette = ", ".join([palette, *phrases])
    key_colors = list(dict.fromkeys([*cue_colors, *colors]))[:5]
    return _Light(raw_time.upper(), palette, max(1500, min(12000, kelvin)), key_colors)


_INTRODUCES = re.compile(
    r"(?<![\w'’])[A-Z][A-Z0-9'’.\-]*[A-Z0-9](?:\s+[A-Z][A-Z0-9'’.\-]*)*\s*\(\s*" + _AGE + r"(?![\w-])"
)
"""A character's introduction, ``MAYA (30)`` or ``JUN HAN (30s, tailored black suit)``: the age may open a list."""


def _place_description(scenes: list[Scene]) -> str:
    """The first two sentences of the location's first action that describe it: a sentence introducing a
    character ('MAYA (30), tired eyes, in a yellow raincoat ...') describes the character, not the place, so it
    is skipped, and an action made only of introductions gives way to the next one."""
    for scene in scenes:
        for beat in scene.beats:
            if beat.kind != "action":
                continue
            spans = [(a, b) for a, b in sentence_spans(beat.text) if not _INTRODUCES.search(beat.text[a:b])]
            if spans:
                return _trim(" ".join(beat.text[a:b] for a, b in spans[:2]))
    return ""


def scene_bible(index: ScriptIndex, location_id: str) -> SceneBible:
    """The look of one location across all its scenes; ``KeyError`` if no scene is set there.

    The main light is that of the location's most frequent time of day (ties go to the earliest); scenes at
    another time of day get a ``LightingVariant`` of their own, so a kitchen at night and in the morning are
    lit differently. Camera style and description are the location's, whatever the hour.
    """
    scenes = [s for s in index.scenes if s.location_id == location_id]
    if not scenes:
        raise KeyError(location_id)
    data = _lighting_data()
    defaults: list[str] = []
    first = scenes[0]
    name = title_case(first.location_name) if first.location_name else title_case(location_id.replace("-", " "))
    int_ext = first.int_ext or ""
    if not int_ext:
        int_ext = "INT"
        defaults.append("int_ext")

    keys = {s.id: _time_key(s.time_of_day) for s in scenes}
    times = Counter(key for key in keys.values() if key)
    time_key = max(times, key=lambda k: (times[k], -list(times).index(k))) if times else None
    if time_key is None:
        time_key = "DAY"
        defaults.extend(["time_of_day", "lighting_palette"])
    groups: dict[str, list[Scene]] = {}
    for s in scenes:  # a scene whose heading names no known time keeps the main light
        groups.setdefault(keys[s.id] or time_key, []).append(s)
    lights: dict[str, tuple[_Light, list[Scene]]] = {}
    for key, members in groups.items():
        raw_time = next((s.time_of_day for s in members if keys[s.id] == key), "") or next(
            (s.time_of_day for s in members if s.time_of_day), time_key
        )
        lights[key] = (_light(key, raw_time, int_ext, members), members)
    main = lights[time_key][0]
    variants = [
        LightingVariant(
            time_of_day=light.time_of_day,
            lighting_palette=light.palette,
            color_temperature_k=light.kelvin,
            key_colors=light.colors,
            scenes=[s.id for s in members],
        )
        for key, (light, members) in lights.items()
        if key != time_key
    ]

    readings = [beats.analyze(b.text) for s in scenes for b in s.beats if b.kind == "action"]
    tense_physics = set(data["tense_physics"])
    mean = sum(r.intensity for r in readings) / len(readings) if readings else 0.0
    tense = mean >= float(data["tense_intensity"]) or any(tense_physics & set(r.physics) for r in readings)
    emotion_totals: dict[str, float] = {}
    for s in scenes:
        for b in s.beats:
            reading = beats.score(
                b.text, b.dialogue.parenthetical if b.dialogue else None, dialogue=b.dialogue is not None
            )
            for emotion in reading.emotions[:1]:
                emotion_totals[emotion] = emotion_totals.get(emotion, 0.0) + reading.intensity
    romantic = "love" in sorted(emotion_totals, key=lambda e: -emotion_totals[e])[:2]
    facts = {"int_ext": "EXT" if "EXT" in int_ext else "INT", "tense": tense, "romantic": romantic}
    camera_style = ""
    for rule in data["camera_styles"]:
        if all(facts.get(k) == v for k, v in rule["when"].items()):
            camera_style = str(rule["style"])
            if not rule["when"]:
                defaults.append("camera_style")
            break

    description = _place_description(scenes)
    if not description:
        defaults.append("description")
    return SceneBible(
        location_id=location_id,
        name=name,
        int_ext=int_ext,
        time_of_day=main.time_of_day,
        description=description,
        lighting_palette=main.palette,
        color_temperature_k=main.kelvin,
        key_colors=main.colors,
        camera_style=camera_style,
        scenes=[s.id for s in scenes],
        defaults=defaults,
        lighting_variants=variants,
    )


def location_ids(screenplay: Screenplay) -> list[str]:
    """Every location in order of first appearance."""
    return [place.location_id for place in screenplay.locations()]


def extract_bibles(screenplay: Screenplay, index: ScriptIndex | None = None) -> Bibles:
    """Every character and location bible of a screenplay, from one pass over it."""
    index = index or ScriptIndex(screenplay)
    characters = {cid: character_bible(index, cid) for cid in index.people}
    locations = {lid: scene_bible(index, lid) for lid in location_ids(screenplay)}
    return Bibles(characters=characters, locations=locations)


# --- edits: a director's note or an agent's fix applied to one field ---------------------------------------------

CHARACTER_FIELDS = (
    "description",
    "aliases",
    "appearance.face",
    "appearance.hair",
    "appearance.build",
    "appearance.age_range",
    "appearance.skin_tone",
    "appearance.distinguishing",
    "wardrobe",
    "voice_profile.gender",
    "voice_profile.age_range",
    "voice_profile.pitch",
    "voice_profile.rate_wpm",
    "voice_profile.style",
    "voice_profile.accent",
    "emotional_range",
)
LOCATION_FIELDS = (
    "description",
    "lighting_palette",
    "color_temperature_k",
    "key_colors",
    "camera_style",
    "time_of_day",
    "int_ext",
)
FIELD_ALIASES = {
    "hair": "appearance.hair",
    "face": "appearance.face",
    "build": "appearance.build",
    "age": "appearance.age_range",
    "age_range": "appearance.age_range",
    "skin": "appearance.skin_tone",
    "skin_tone": "appearance.skin_tone",
    "distinguishing": "appearance.distinguishing",
    "outfit": "wardrobe",
    "costume": "wardrobe",
    "clothes": "wardrobe",
    "voice": "voice_profile.style",
    "style": "voice_profile.style",
    "pitch": "voice_profile.pitch",
    "rate": "voice_profile.rate_wpm",
    "rate_wpm": "voice_profile.rate_wpm",
    "gender": "voice_profile.gender",
    "accent": "voice_profile.accent",
    "emotions": "emotional_range",
    "lighting": "lighting_palette",
    "palette": "lighting_palette",
    "kelvin": "color_temperature_k",
    "color_temperature": "color_temperature_k",
    "colour_temperature_k": "color_temperature_k",
    "colors": "key_colors",
    "colours": "key_colors",
    "camera": "camera_style",
}
_FROM_SCENE = re.compile(r"\bfrom\s+(?:scene\s+)?(E\d{2,}-S\d{3,})\b(?:\s+on(?:wards?)?)?", re.IGNORECASE)
_FROM_EPISODE_SCENE = re.compile(
    r"\bfrom\s+(?:episode|ep\.?)\s*(\d+)\s*,?\s*scene\s*(\d+)\b(?:\s+on(?:wards?)?)?|"
    r"\bfrom\s+scene\s*(\d+)\s+of\s+(?:episode|ep\.?)\s*(\d+)\b(?:\s+on(?:wards?)?)?",
    re.IGNORECASE,
)
_FROM_EPISODE = re.compile(r"\bfrom\s+(?:the\s+start\s+of\s+)?(?:episode|ep\.?)\s*(\d+)\b(?:\s+on(?:wards?)?)?", re.I)


def canonical_field(name: str, kind: str) -> str:
    """The full dotted field name for a short one ('hair' -> 'appearance.hair'); ValueError if not editable."""
    key = name.strip().lower().replace(" ", "_")
    key = FIELD_ALIASES.get(key, key)
    allowed = CHARACTER_FIELDS if kind == "character" else LOCATION_FIELDS
    if key not in allowed:
        raise ValueError(f"{kind} bibles have no editable field {name!r}; editable fields: {', '.join(allowed)}")
    return key


def resolve_from_scene(value: str, scene_ids: list[str]) -> tuple[str | None, str]:
    """Split 'coat red from episode 2' into ('E02-S001', 'coat red'); scene ids must exist in the script."""
    from domain.screenplay import scene_id as make_scene_id

    def check(sid: str) -> str:
        if sid not in scene_ids:
            raise ValueError(f"there is no scene {sid}; scenes run from {scene_ids[0]} to {scene_ids[-1]}")
        return sid

    if match := _FROM_SCENE.search(value):
        return check(match.group(1).upper()), (value[: match.start()] + value[match.end() :]).strip(" ,;")
    if match := _FROM_EPISODE_SCENE.search(value):
        episode, number = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        sid = check(make_scene_id(int(episode), int(number)))
        return sid, (value[: match.start()] + value[match.end() :]).strip(" ,;")
    if match := _FROM_EPISODE.search(value):
        prefix = f"E{int(match.group(1)):02d}-"
        first = next((sid for sid in scene_ids if sid.startswith(prefix)), None)
        if first is None:
            raise ValueError(f"there is no episode {match.group(1)} in the script")
        return first, (value[: match.start()] + value[match.end() :]).strip(" ,;")
    return None, value.strip()


def wardrobe_description(current: str | None, change: str) -> str:
    """Apply a short wardrobe note to the current outfit: 'coat red' on 'charcoal trench coat over a white blouse'
    gives 'red trench coat over a white blouse'; a note naming a garment not worn becomes the new outfit."""
    words = look_words()
    colour_set = {c.lower() for c in words.colors}
    change = change.strip().rstrip(".")
    new_colors = [c for c in (m.group(0) for m in words.color.finditer(change))]
    garments = [m.group(0).lower() for m in words.garment.finditer(change)]
    worn = {m.group(0).lower().split()[-1] for m in words.garment.finditer(current or "")}
    rest = words.color.sub(" ", words.garment.sub(" ", change.lower())).split()
    recolour = len(garments) == 1 and bool(new_colors) and not rest  # 'raincoat red': one garment, a new colour
    if worn and worn <= {g.split()[-1] for g in garments} and not recolour:
        return change  # a whole new description of the same clothes, not a note about one garment
    if current and garments and new_colors:
        for garment in garments:
            head = garment.split()[-1]
            found = next((m for m in words.garment.finditer(current) if m.group(0).lower().split()[-1] == head), None)
            if not found:
                continue
            tokens = list(re.finditer(r"[^\s]+", current[: found.start()]))
            colour_span: list[re.Match[str]] = []
            insert_at = found.start()
            for token in reversed(tokens):
                clean = token.group(0).lower().strip(",.;")
                if clean in colour_set:
                    colour_span.insert(0, token)
                elif not colour_span and words.garment.fullmatch(clean):
                    insert_at = token.start()
                else:
                    break
            colours = " ".join(new_colors)
            if colour_span:
                return current[: colour_span[0].start()] + colours + current[colour_span[-1].end() :]
            return current[:insert_at] + colours + " " + current[insert_at:]
    note = change.split()
    colour_tokens = [t for t in note if t.lower().strip(",.") in colour_set]
    others = [t for t in note if t.lower().strip(",.") not in colour_set]
    first_garment = next((i for i, t in enumerate(note) if words.garment.fullmatch(t.lower().strip(",."))), None)
    first_colour = next((i for i, t in enumerate(note) if t.lower().strip(",.") in colour_set), None)
    if first_garment is not None and first_colour is not None and first_colour > first_garment:
        return " ".join(colour_tokens + others)
    return change


def _as_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,;]", value) if v.strip()]


def _drop_default(defaults: list[str], field_name: str) -> list[str]:
    return [d for d in defaults if d != field_name and not d.startswith(field_name + ".")]


def edit_character(
    bible: CharacterBible, field_name: str, value: str, *, scene_ids: list[str], from_scene: str | None = None
) -> tuple[CharacterBible, str]:
    """A copy of ``bible`` with one field changed, and a sentence saying what changed. ValueError if invalid.

    Wardrobe notes may carry their start ('coat red from episode 2'); the outfit then starts at that scene and
    later outfits stay. Other fields are plain values; lists are comma-separated.
    """
    key = canonical_field(field_name, "character")
    updated = bible.model_copy(deep=True)
    value = value.strip()
    if not value:
        raise ValueError(f"no value given for {key}")
    if key == "wardrobe":
        start, note = resolve_from_scene(value, scene_ids)
        if from_scene:
            if from_scene not in scene_ids:
                raise ValueError(f"there is no scene {from_scene}; scenes run from {scene_ids[0]} to {scene_ids[-1]}")
            start = from_scene
        start = start or (updated.wardrobe[0].from_scene if updated.wardrobe else (updated.scenes or scene_ids)[0])
        current = updated.outfit_for(start)
        replaced = next((o for o in updated.wardrobe if o.from_scene == start), None)
        description = wardrobe_description(current.description if current else None, note)
        source = replaced.source if replaced is not None and replaced.source != "default" else "director"
        outfit = Outfit(from_scene=start, description=description, colors=colors_in(description), source=source)  # type: ignore[arg-type]
        updated.wardrobe = sorted(
            [o for o in updated.wardrobe if o.from_scene != start] + [outfit], key=lambda o: o.from_scene
        )
        updated.defaults = _drop_default(updated.defaults, "wardrobe")
        was = f" (was: {current.description})" if current else ""
        return updated, f"{bible.name} wears {description} from {start} on{was}"
    group, _, attr = key.partition(".")
    old: Any
    if group == "appearance":
        new: Any = _as_list(value) if attr == "distinguishing" else value
        old = getattr(updated.appearance, attr)
        setattr(updated.appearance, attr, new)
    elif group == "voice_profile":
        old = getattr(updated.voice_profile, attr)
        try:
            updated.voice_profile = VoiceProfile.model_validate(
                {**updated.voice_profile.model_dump(), attr: int(value) if attr in ("pitch", "rate_wpm") else value}
            )
        except Exception as exc:
            raise ValueError(f"invalid {key} {value!r}: {exc}") from exc
        new = getattr(updated.voice_profile, attr)
    else:
        new = _as_list(value) if key in ("aliases", "emotional_range") else value
        old = getattr(updated, key)
        setattr(updated, key, new)
    updated.defaults = _drop_default(updated.defaults, key)
    return updated, f"{bible.name}: {key} {old!r} -> {new!r}"


def set_wardrobe(bible: CharacterBible, outfits: list[Any], scene_ids: list[str]) -> tuple[CharacterBible, str]:
    """A copy of ``bible`` with its whole wardrobe replaced (a director's scoped change computed elsewhere).

    Each outfit needs ``from_scene`` and ``description``; colours are read from the description when not given.
    """
    if not outfits:
        raise ValueError("an empty wardrobe: give at least one outfit {from_scene, description}")
    wardrobe: list[Outfit] = []
    for raw in outfits:
        data = raw.model_dump() if isinstance(raw, Outfit) else dict(raw)
        data.setdefault("source", "director")
        if not data.get("colors"):
            data["colors"] = colors_in(str(data.get("description", "")))
        try:
            outfit = Outfit.model_validate(data)
        except Exception as exc:
            raise ValueError(f"invalid outfit {raw!r}: {exc}") from exc
        if scene_ids and outfit.from_scene not in scene_ids:
            raise ValueError(
                f"there is no scene {outfit.from_scene}; scenes run from {scene_ids[0]} to {scene_ids[-1]}"
            )
        wardrobe.append(outfit)
    updated = bible.model_copy(deep=True)
    updated.wardrobe = sorted(wardrobe, key=lambda o: o.from_scene)
    updated.defaults = _drop_default(updated.defaults, "wardrobe")
    summary = "; ".join(f"{o.from_scene}: {o.description}" for o in updated.wardrobe)
    return updated, f"{bible.name} wardrobe set to {summary}"


def edit_location(
    bible: SceneBible, field_name: str, value: str, *, from_scene: str | None = None
) -> tuple[SceneBible, str]:
    """A copy of ``bible`` with one field changed, and what changed. A palette naming '3200K' also sets the kelvin.

    A light field (palette, kelvin, key colours, time of day) with ``from_scene`` changes the light of that
    scene's time of day: the variant lighting it, or the main light. Without it, the main light changes.
    """
    key = canonical_field(field_name, "location")
    value = value.strip()
    if not value:
        raise ValueError(f"no value given for {key}")
    if from_scene and bible.scenes and from_scene not in bible.scenes:
        raise ValueError(f"{from_scene} is not set at {bible.name}; its scenes: {', '.join(bible.scenes)}")
    variant = bible.variant_for(from_scene) if from_scene and key in LIGHTING_FIELDS else None
    data = variant.model_dump() if variant is not None else bible.model_dump()
    old = data[key]
    if key == "color_temperature_k":
        digits = re.sub(r"[^\d]", "", value)
        if not digits:
            raise ValueError(f"color_temperature_k must be a number of kelvin such as 3200, not {value!r}")
        data[key] = int(digits)
    elif key == "key_colors":
        data[key] = _as_list(value)
    else:
        data[key] = value
        kelvin = re.search(r"(\d{4,5})\s?K\b", value)
        if key == "lighting_palette" and kelvin:
            data["color_temperature_k"] = int(kelvin.group(1))
    try:
        if variant is not None:
            changed = LightingVariant.model_validate(data)
            updated = bible.model_copy(deep=True)
            updated.lighting_variants = [changed if v is variant else v for v in bible.lighting_variants]
        else:
            updated = SceneBible.model_validate(data)
    except Exception as exc:
        raise ValueError(f"invalid {key} {value!r}: {exc}") from exc
    updated.defaults = _drop_default(updated.defaults, key)
    where = f" ({variant.time_of_day.lower()}, {', '.join(variant.scenes)})" if variant is not None else ""
    return updated, f"{bible.name}{where}: {key} {old!r} -> {data[key]!r}"


# --- tightening after clustered failures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BibleEdit:
    """One field change an agent proposes, and why; applied through the ``edit_bible`` tool."""

    field: str
    value: str
    from_scene: str | None = None
    why: str = ""


_LIGHTING_CAUSES = ("lighting", "color", "colour", "exposure")
_MOTION_CAUSES = ("artifact", "black", "frozen", "blur", "motion", "physics", "flicker")


def tighten_character(bible: CharacterBible, reasons: list[str]) -> list[BibleEdit]:
    """Edits that make a character's entry unambiguous: explicit colour words, no hedges, the exact age.

    Nothing is invented: a field the script left to a default is not filled in (``defaults`` still shows it,
    for the producer to set with ``edit_bible``).
    """
    edits: list[BibleEdit] = []
    for attr in ("hair", "face", "build", "skin_tone"):
        value = getattr(bible.appearance, attr)
        if value and f"appearance.{attr}" not in bible.defaults:
            explicit = explicit_wording(value)
            if explicit != value:
                edits.append(BibleEdit(f"appearance.{attr}", explicit, why="explicit colour words, no hedges"))
    intro_age = _INTRO.search(bible.description)
    if intro_age and intro_age.group(2).isdigit() and intro_age.group(2) not in bible.appearance.age_range:
        edits.append(
            BibleEdit(
                "appearance.age_range",
                f"{intro_age.group(2)} years old, {bible.appearance.age_range}",
                why="the exact age from the introduction",
            )
        )
    for outfit in bible.wardrobe:
        if outfit.source == "default":
            continue
        explicit = explicit_wording(outfit.description)
        if explicit != outfit.description:
            edits.append(BibleEdit("wardrobe", explicit, from_scene=outfit.from_scene, why="explicit colour words"))
    return edits


def tighten_location(bible: SceneBible, reasons: list[str]) -> list[BibleEdit]:
    """Edits that make a location's light unambiguous (one stated colour temperature, explicit key colours) and,
    after motion artifacts, its camera steadier. Each time of day's light is tightened on its own (the edits of a
    lighting variant carry the ``from_scene`` of its first scene), so the morning is not locked to the night."""
    causes = " ".join(reasons).lower()
    edits: list[BibleEdit] = []
    lighting_cause = any(c in causes for c in _LIGHTING_CAUSES) or not causes
    if lighting_cause or "drift" in causes:
        lights: list[tuple[str | None, SceneBible]] = [(None, bible)]
        lights += [(v.scenes[0], bible.for_scene(v.scenes[0])) for v in bible.lighting_variants if v.scenes]
        for from_scene, lit in lights:
            palette = explicit_wording(lit.lighting_palette)
            lock = f"constant {lit.color_temperature_k}K key light, no mixed colour temperatures"
            if "constant" not in palette:
                palette = f"{palette}; {lock}" if palette else lock
            if palette != lit.lighting_palette:
                edits.append(BibleEdit("lighting_palette", palette, from_scene, why="one stated colour temperature"))
            colors = [explicit_wording(c) for c in lit.key_colors]
            if colors != lit.key_colors:
                edits.append(BibleEdit("key_colors", ", ".join(colors), from_scene, why="explicit colour words"))
    if any(c in causes for c in _MOTION_CAUSES) and "handheld" in bible.camera_style:
        steady = bible.camera_style.replace("handheld", "stabilised gimbal, no camera shake")
        edits.append(BibleEdit("camera_style", steady, why="steadier camera after motion artifacts"))
    return edits
