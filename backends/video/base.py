"""The one interface every video generator meets: a request in, an mp4 at ``target`` out.

Real providers (backends/video/*.py) and the offline previz renderer both satisfy it, so the router and the
generate_clip tool never know which one they hold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from domain.production import GenerationRequest, GenerationResult


@runtime_checkable
class VideoBackend(Protocol):
    """Makes one clip. Writes ``target`` atomically (a crash never leaves half an mp4) and says what it cost."""

    name: str

    async def generate(self, request: GenerationRequest, target: Path) -> GenerationResult: ...
