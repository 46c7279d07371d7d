"""Offline audio: synthesised music beds and sound effects, loudness measurement and limiting, WAV buffers."""

from backends.audio.effects import EFFECTS, natural_length, render_effect
from backends.audio.loudness import Loudness, measure, normalise
from backends.audio.music import moods, render_bed

__all__ = ["EFFECTS", "Loudness", "measure", "moods", "natural_length", "normalise", "render_bed", "render_effect"]
