"""Shots a policy proposes or a director edits, checked against the storyboard rules.

An LLM policy may hand ``plan_shots`` its own shot list, and a director's note changes one shot with
``edit_shot``; both go through here, so a lens that does not suit the framing, a duration the dialogue does not
fit in, a beat that does not exist or a character the script does not have is caught with a reason, and
everything the rules can fill in (dialogue, intensity, physics, props, lighting) is filled in from the beats.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from domain.bibles import Bibles
from domain.screenplay import Scene, shot_id
from domain.shot import CameraAngle, Movement, Shot, ShotType
from tools.shot_planning import ScenePlanner, Unit, lens_for, lighting_note, rules, word_count


class ShotSpec(BaseModel):
    """A shot as an LLM policy may propose it; everything but the framing and the beats is optional."""

    shot_type: str = Field(description="one of ECU CU MCU MS MLS LS ELS OTS POV INSERT")
    beat_indices: list[int] = Field(default_factory=list, description="which beats of the scene it covers")
    characters: list[str] | None = Field(default=None, description="character ids in frame")
    description: str | None = None
    duration_s: float | None = None
    lens_mm: int | None = None
    camera_angle: str | None = None
    movement: str | None = None
    props: list[str] | None = None


def _enum(kind: type[Any], value: str, what: str) -> Any:
    try:
        return kind(value.strip().lower() if kind is not ShotType else value.strip().upper())
    except ValueError:
        choices = ", ".join(v.value for v in kind)
        raise ValueError(f"unknown {what} {value!r}; use one of: {choices}") from None


def shots_from_specs(
    scene: Scene,
    bibles: Bibles,
    specs: list[ShotSpec],
    *,
    establish: bool,
    line_pause_s: float | None = None,
) -> tuple[list[Shot], list[str]]:
    """Validate and normalise proposed shots: lens into the framing's range, durations fitted to the dialogue
    and clamped, dialogue, intensity, physics and props filled from the beats. ValueError on anything invalid."""
    if not specs:
        raise ValueError("no shots proposed; propose at least one, or omit 'shots' to let the rules plan the scene")
    planner = ScenePlanner(scene, bibles, establish=establish, line_pause_s=line_pause_s)
    known = set(bibles.characters) | set(scene.speaking_characters)
    d = rules().durations
    notes: list[str] = []
    shots: list[Shot] = []
    covered: set[int] = set()
    for n, spec in enumerate(specs, start=1):
        shot_type = _enum(ShotType, spec.shot_type, "shot type")
        bad = [i for i in spec.beat_indices if not 0 <= i < len(scene.beats)]
        if bad:
            raise ValueError(
                f"shot {n}: beats {bad} do not exist; scene {scene.id} has beats 0..{len(scene.beats) - 1}"
            )
        chosen = sorted(set(spec.beat_indices))
        covered.update(chosen)
        lines = [line for i in chosen if (line := scene.beats[i].dialogue) is not None]
        # A transition beat (CUT TO:, FADE OUT.) is an edit, not something to film: its words stay out of the shot.
        text = " ".join(b.text for i in chosen if (b := scene.beats[i]).dialogue is None and b.kind != "transition")
        readings = [planner.readings[i] for i in chosen]
        characters = spec.characters
        if characters is None:
            characters = list(dict.fromkeys([*(line.character for line in lines), *planner.matcher.present_in(text)]))
        unknown = [c for c in characters if c not in known]
        if unknown:
            raise ValueError(f"shot {n}: unknown characters {unknown}; known ids: {', '.join(sorted(known))}")
        lens = lens_for(shot_type)
        lens_mm = spec.lens_mm if spec.lens_mm is not None else lens.default
        if not lens.min <= lens_mm <= lens.max:
            notes.append(f"shot {n}: lens {lens_mm}mm does not suit {shot_type.value}; set to {lens.default}mm")
            lens_mm = lens.default
        physics = sorted({p for r in readings for p in r.physics})
        unit = Unit(
            "line" if lines else "action",
            shot_type,
            chosen,
            characters,
            lines,
            max((r.intensity for r in readings), default=0.0),
            physics,
            list(dict.fromkeys(p for r in readings for p in r.props)),
            text or " ".join(line.text for line in lines),
            action_words=word_count(text),
        )
        needed = planner.dialogue_seconds(lines)
        duration = spec.duration_s if spec.duration_s is not None else planner.duration(unit)
        if duration < max(needed, d["min_s"]) or duration > d["max_s"]:
            fitted = round(min(max(duration, needed, d["min_s"]), d["max_s"]), 1)
            notes.append(f"shot {n}: duration {duration}s fitted to {fitted}s (dialogue needs {needed:.1f}s)")
            duration = fitted
        shots.append(
            Shot(
                id=shot_id(scene.episode, scene.number, n),
                episode=scene.episode,
                scene_id=scene.id,
                index=n,
                location_id=scene.location_id,
                shot_type=shot_type,
                camera_angle=_enum(CameraAngle, spec.camera_angle, "camera angle")
                if spec.camera_angle
                else planner.angle(unit, shot_type),
                lens_mm=lens_mm,
                movement=_enum(Movement, spec.movement, "movement")
                if spec.movement
                else planner.movement(unit, shot_type),
                lighting=lighting_note(planner.location),
                duration_s=duration,
                characters=characters,
                dialogue=lines,
                emotional_intensity=round(unit.intensity, 3),
                has_physics_elements=bool(physics),
                physics_elements=physics,
                cinematic_priority=n == 1 and establish and shot_type in (ShotType.ELS, ShotType.LS),
                description=spec.description or planner.describe(unit, shot_type, characters),
                props=spec.props if spec.props is not None else unit.props,
                beat_indices=chosen,
            )
        )
    missing = [i for i, b in enumerate(scene.beats) if i not in covered and b.kind in ("action", "dialogue")]
    if missing:
        notes.append(f"beats {missing} are not covered by any shot")
    return shots, notes


EDITABLE_SHOT_FIELDS = (
    "shot_type",
    "lens_mm",
    "camera_angle",
    "movement",
    "description",
    "duration_s",
    "characters",
    "lighting",
    "model_override",
    "emotional_intensity",
    "cinematic_priority",
    "take",
)
_TIGHTNESS = [ShotType.ELS, ShotType.LS, ShotType.MLS, ShotType.MS, ShotType.MCU, ShotType.CU, ShotType.ECU]


def edit_shot(shot: Shot, changes: dict[str, Any], known_characters: set[str]) -> tuple[Shot, list[str]]:
    """A copy of ``shot`` with ``changes`` applied and checked; returns notes on anything adjusted.

    A new framing without a lens gets that framing's lens; a lens alone that the framing cannot take moves the
    framing to the nearest one that can ("85mm" on a medium shot makes a close-up); a framing and a lens that do
    not suit each other, a duration outside 1.5–8 s or shorter than the shot's dialogue, or an unknown character
    is refused (ValueError).
    ``model_override`` of "" or "auto" clears the pin.
    """
    unknown = sorted(set(changes) - set(EDITABLE_SHOT_FIELDS))
    if unknown:
        raise ValueError(f"cannot edit {unknown}; editable fields: {', '.join(EDITABLE_SHOT_FIELDS)}")
    data = shot.model_dump()
    notes: list[str] = []
    if "shot_type" in changes:
        data["shot_type"] = _enum(ShotType, str(changes["shot_type"]), "shot type")
        if "lens_mm" not in changes:
            data["lens_mm"] = lens_for(data["shot_type"]).default
            notes.append(f"lens set to {data['lens_mm']}mm to suit {data['shot_type'].value}")
    if "lens_mm" in changes and "shot_type" not in changes:
        mm = int(changes["lens_mm"])
        current = ShotType(data["shot_type"])
        if not lens_for(current).min <= mm <= lens_for(current).max:
            suits = [t for t in _TIGHTNESS if lens_for(t).min <= mm <= lens_for(t).max]
            if suits:  # "85mm" on a medium shot means a closer framing
                here = _TIGHTNESS.index(current) if current in _TIGHTNESS else 3
                data["shot_type"] = min(suits, key=lambda t: abs(_TIGHTNESS.index(t) - here))
                notes.append(f"framing set to {data['shot_type'].value} to suit a {mm}mm lens")
    if "lens_mm" in changes:
        lens = lens_for(ShotType(data["shot_type"]))
        mm = int(changes["lens_mm"])
        if not lens.min <= mm <= lens.max:
            raise ValueError(
                f"a {lens.min}–{lens.max}mm lens suits {ShotType(data['shot_type']).value}; {mm}mm does not. "
                "Change shot_type too, or pick a lens in range."
            )
        data["lens_mm"] = mm
    if "camera_angle" in changes:
        data["camera_angle"] = _enum(CameraAngle, str(changes["camera_angle"]), "camera angle")
    if "movement" in changes:
        data["movement"] = _enum(Movement, str(changes["movement"]), "movement")
    if "duration_s" in changes:
        d = rules().durations
        value = float(changes["duration_s"])
        needed = sum(word_count(line.text) for line in shot.dialogue) / (d["speaking_rate_wpm"] / 60.0)
        if not d["min_s"] <= value <= d["max_s"]:
            raise ValueError(f"duration must be {d['min_s']}–{d['max_s']} s, not {value}; split the shot instead")
        if value < needed:
            raise ValueError(f"the shot's dialogue needs about {needed:.1f} s; {value} s would cut it off")
        data["duration_s"] = round(value, 2)
    if "characters" in changes:
        given = changes["characters"]
        ids = [str(c).strip() for c in (given.split(",") if isinstance(given, str) else given) if str(c).strip()]
        unknown_ids = [c for c in ids if known_characters and c not in known_characters]
        if unknown_ids:
            raise ValueError(f"unknown characters {unknown_ids}; known ids: {', '.join(sorted(known_characters))}")
        data["characters"] = ids
    for key in ("description", "lighting"):
        if key in changes:
            data[key] = str(changes[key]).strip()
    if "model_override" in changes:
        pin = str(changes["model_override"] or "").strip()
        data["model_override"] = None if pin.lower() in ("", "auto", "none") else pin
    if "emotional_intensity" in changes:
        data["emotional_intensity"] = float(changes["emotional_intensity"])
    if "cinematic_priority" in changes:
        data["cinematic_priority"] = bool(changes["cinematic_priority"])
    if "take" in changes:
        data["take"] = int(changes["take"])
    return Shot.model_validate(data), notes
