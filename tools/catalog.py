"""Imports every tool module once, so the registry holds all 29 tools."""

from tools import audio, character, continuity, qa, router, script  # noqa: F401
