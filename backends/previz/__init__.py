"""The offline previz renderer: the video model reelcrew uses when no provider key is configured.

It draws each shot as an animatic from the bibles (set, light, characters, framing, camera move, dialogue
caption), and can simulate a real model's failures (drift, artifacts, latency) from labelled profiles so the
gates have something to catch.
"""

from backends.previz.backend import PrevizBackend
from backends.previz.renderer import RenderedClip, render_clip, render_still, sidecar_path
from backends.previz.simulation import Fault, SimulationProfile, decide_faults, get_profile, load_profiles

__all__ = [
    "Fault",
    "PrevizBackend",
    "RenderedClip",
    "SimulationProfile",
    "decide_faults",
    "get_profile",
    "load_profiles",
    "render_clip",
    "render_still",
    "sidecar_path",
]
