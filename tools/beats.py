"""Reading a beat the way an editor does: how charged it is, what moves physically, which props deserve an insert.

The storyboard needs three facts per beat and must get them offline, deterministically and fast (a 35-scene
episode has hundreds of beats): an emotional intensity in 0..1 (close-ups and the emotion model go to the
peaks), the physics elements (the physics model goes to water, fights, crowds, chases), and the props (an
INSERT shot for the ring). Lexicons live in ``tools/data/{emotion,physics,props}.yaml``; this module only
scores. Intensity is a noisy-or over the strongest few cues, so three strong words beat one, and a long
paragraph of mild words does not saturate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).parent / "data"

_WORD = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’\-]*")
_SUFFIXES = (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""), ("ly", ""), ("d", ""))


def load_yaml(name: str) -> Any:
    """One of the tools' data files, parsed."""
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Cue:
    """A performance cue such as (sobbing): how strong, which emotion, and how it colours a voice."""

    weight: float
    emotion: str
    style: str


@dataclass(frozen=True)
class Lexicon:
    words: dict[str, tuple[float, tuple[str, ...]]]
    intensifiers: dict[str, float]
    negators: dict[str, float]
    cues: dict[str, Cue]
    cue_pattern: re.Pattern[str]
    physics: tuple[tuple[str, re.Pattern[str]], ...]
    props: tuple[tuple[str, re.Pattern[str]], ...]
    scoring: dict[str, float]


def _whole_words(fragments: list[str]) -> re.Pattern[str]:
    alternation = "|".join(sorted(fragments, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


@cache
def lexicon() -> Lexicon:
    """The lexicons, loaded and compiled once per process."""
    emotion = load_yaml("emotion.yaml")
    words: dict[str, tuple[float, tuple[str, ...]]] = {}
    for label, entries in emotion["emotions"].items():
        for word, weight in entries.items():
            old_weight, old_labels = words.get(word, (0.0, ()))
            words[word] = (max(old_weight, float(weight)), (*old_labels, label))
    cues = {
        name: Cue(float(spec["weight"]), str(spec.get("emotion") or ""), str(spec.get("style") or ""))
        for name, spec in emotion["cues"].items()
    }
    physics = load_yaml("physics.yaml")["elements"]
    props = load_yaml("props.yaml")["props"]
    return Lexicon(
        words=words,
        intensifiers={k: float(v) for k, v in emotion["intensifiers"].items()},
        negators={k: float(v) for k, v in emotion["negators"].items()},
        cues=cues,
        cue_pattern=_whole_words([re.escape(c) for c in cues]),
        physics=tuple((name, _whole_words(list(frags))) for name, frags in physics.items()),
        props=tuple((name, _whole_words([re.escape(f) for f in forms])) for name, forms in props.items()),
        scoring={k: float(v) for k, v in emotion["scoring"].items()},
    )


@dataclass(frozen=True)
class BeatReading:
    """What one beat carries: ``emotions`` strongest first, ``styles`` from performance cues (for voices)."""

    intensity: float
    emotions: tuple[str, ...] = ()
    physics: tuple[str, ...] = ()
    props: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()


_lookup_memo: dict[str, tuple[float, tuple[str, ...]] | None] = {}


def _lookup(word: str) -> tuple[float, tuple[str, ...]] | None:
    """A word's weight and emotions, trying light inflection stripping (kisses → kiss, trembling → tremble)."""
    if word in _lookup_memo:
        return _lookup_memo[word]
    words = lexicon().words
    found = words.get(word)
    if found is None:
        for suffix, repl in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                stem = word[: -len(suffix)]
                found = words.get(stem + repl)
                if found is None and not repl and len(stem) >= 4 and stem[-1] == stem[-2]:
                    found = words.get(stem[:-1])  # slammed → slam, grabbing → grab
                if found is not None:
                    break
    _lookup_memo[word] = found
    return found


def _noisy_or(weights: list[float]) -> float:
    return 1.0 - math.prod(1.0 - min(max(w, 0.0), 0.999) for w in weights)


def score(text: str, parenthetical: str | None = None, *, dialogue: bool = False) -> BeatReading:
    """Emotional reading of a beat's text (and its parenthetical, for a line of dialogue).

    Why these features: writers mark intensity with loaded words, modifiers ("completely alone"),
    exclamation marks, shouted CAPS in speech, and performance cues such as (sobbing) or (screaming).
    """
    lex = lexicon()
    rules = lex.scoring
    word_weights: dict[str, float] = {}  # one weight per word: repeating a word does not add up
    emotion_totals: dict[str, float] = {}
    tokens = _WORD.findall(text)
    lowered = [t.lower().replace("’", "'") for t in tokens]
    caps = 0
    for i, word in enumerate(lowered):
        found = _lookup(word)
        original = tokens[i]
        shouted = dialogue or found is not None or word.endswith(("ed", "ing"))  # SLAMMED in action is emphasis
        if original.isupper() and len(original) >= 2 and shouted and original != "I":
            caps += 1
        if found is None:
            continue
        weight, labels = found
        for back in lowered[max(0, i - 2) : i]:
            if back in lex.intensifiers:
                weight *= lex.intensifiers[back]
            if back in lex.negators or back.endswith("n't"):
                weight *= lex.negators.get(back, lex.negators.get("n't", 0.4))
        weight = min(weight, 1.0)
        word_weights[word] = max(weight, word_weights.get(word, 0.0))
        for label in labels:
            emotion_totals[label] = emotion_totals.get(label, 0.0) + weight

    weights = list(word_weights.values())
    found_cues: list[str] = []
    styles: list[str] = []
    for in_action, source, factor in ((False, parenthetical or "", rules["cue_in_parenthetical"]), (True, text, 1.0)):
        for match in lex.cue_pattern.finditer(source):
            name = match.group(0).lower()
            cue = lex.cues[name]
            if in_action and cue.weight < rules["cue_in_action_min"]:
                continue  # 'quietly' or 'cold beers' in action is not a performance cue
            if name not in found_cues:
                found_cues.append(name)
                if cue.style and cue.weight > 0:
                    styles.append(cue.style)
            if cue.weight > 0:
                weights.append(min(cue.weight * factor, 1.0))
            if cue.emotion:
                emotion_totals[cue.emotion] = emotion_totals.get(cue.emotion, 0.0) + cue.weight * factor

    top = sorted(weights, reverse=True)[: int(rules["top_words"])]
    bonus = [
        min(text.count("!") * rules["exclamation_each"], rules["exclamation_max"]),
        min(caps * rules["caps_each"], rules["caps_max"]),
        min(text.count("?") * rules["question_each"], rules["exclamation_max"]),
    ]
    intensity = round(_noisy_or(top + bonus), 3)
    emotions = tuple(sorted(emotion_totals, key=lambda k: (-emotion_totals[k], k)))
    return BeatReading(
        intensity=intensity,
        emotions=emotions,
        cues=tuple(found_cues),
        styles=tuple(dict.fromkeys(styles)),
    )


def detect_physics(text: str) -> tuple[str, ...]:
    """Physics elements named in ``text`` (water, fight, crowd, vehicle, fire, explosion, glass, ...), in data order."""
    return tuple(name for name, pattern in lexicon().physics if pattern.search(text))


def detect_props(text: str) -> tuple[str, ...]:
    """Props worth an insert, in order of first mention."""
    hits: list[tuple[int, str]] = []
    for name, pattern in lexicon().props:
        match = pattern.search(text)
        if match:
            hits.append((match.start(), name))
    return tuple(name for _, name in sorted(hits))


def prop_rank(name: str) -> int:
    """How important a prop is for an insert: its position in ``props.yaml`` (0 = most important)."""
    for rank, (prop, _) in enumerate(lexicon().props):
        if prop == name:
            return rank
    return len(lexicon().props)


def analyze(text: str, parenthetical: str | None = None, *, dialogue: bool = False) -> BeatReading:
    """Everything a shot planner needs from one beat: intensity, emotions, physics, props, cues."""
    reading = score(text, parenthetical, dialogue=dialogue)
    return BeatReading(
        intensity=reading.intensity,
        emotions=reading.emotions,
        physics=detect_physics(text),
        props=detect_props(text),
        cues=reading.cues,
        styles=reading.styles,
    )
