"""Generation prompts that carry the bibles: the reason characters stop drifting between stateless calls.

A prompt is built from parts in priority order (framing, characters and wardrobe, the light, the action, the
camera style, the dialogue, the correction). When a provider's limit is short, the lowest-priority parts are
cut first, so the bible entries survive and only flavour is lost.
"""

from __future__ import annotations

from domain.production import CharacterLook, ShotContext
from domain.shot import Shot, ShotType

FRAMING = {
    ShotType.ECU: "Extreme close-up",
    ShotType.CU: "Close-up",
    ShotType.MCU: "Medium close-up",
    ShotType.MS: "Medium shot",
    ShotType.MLS: "Medium long shot",
    ShotType.LS: "Long shot, full body",
    ShotType.ELS: "Extreme long shot, establishing",
    ShotType.OTS: "Over-the-shoulder shot",
    ShotType.POV: "Point-of-view shot",
    ShotType.INSERT: "Insert shot of a detail",
}

NEGATIVE = "text overlays, watermark, extra people, changed outfit, changed hairstyle, deformed hands, flicker"


def describe_character(look: CharacterLook) -> str:
    a = look.appearance
    traits = [t for t in (a.age_range and f"age {a.age_range}", a.face, a.hair, a.build, a.skin_tone) if t]
    traits += a.distinguishing
    text = f"{look.name}" + (f" ({', '.join(traits)})" if traits else "")
    if look.outfit is not None:
        text += f", wearing {look.outfit.description}"
    return text


def prompt_parts(shot: Shot, context: ShotContext, correction: str = "") -> list[str]:
    """The parts of a prompt, most important first."""
    loc = context.location
    framing = (
        f"Vertical 9:16 cinematic short-drama shot. {FRAMING[shot.shot_type]}, {shot.camera_angle.value} angle, "
        f"{shot.lens_mm}mm lens, {shot.movement.value} camera."
    )
    parts = [framing]
    if correction:
        parts.append(f"Correction: {correction}")
    if context.characters:
        parts.append(
            "Characters (keep exactly as described): " + "; ".join(map(describe_character, context.characters)) + "."
        )
    setting = f"Setting: {loc.name}" + (f", {loc.int_ext.lower()}" if loc.int_ext else "")
    setting += f", {loc.time_of_day.lower()}." if loc.time_of_day else "."
    parts.append(setting)
    if loc.lighting_palette or shot.lighting:
        parts.append(f"Lighting: {shot.lighting or loc.lighting_palette}.")
    if shot.description:
        parts.append(f"Action: {shot.description}")
    if loc.camera_style:
        parts.append(f"Camera style: {loc.camera_style}.")
    if shot.dialogue:
        lines = " ".join(f'{line.character.upper()} says: "{line.text}"' for line in shot.dialogue)
        parts.append(f"Dialogue: {lines}")
    return parts


def compose(shot: Shot, context: ShotContext, *, max_chars: int, correction: str = "") -> str:
    """Join the parts, dropping the least important whole parts first, then trimming, to fit ``max_chars``."""
    parts = prompt_parts(shot, context, correction)
    while len(parts) > 1 and len(" ".join(parts)) > max_chars:
        parts.pop()
    text = " ".join(parts)
    return text if len(text) <= max_chars else text[: max_chars - 1].rsplit(" ", 1)[0] + "…"
