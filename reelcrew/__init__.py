"""reelcrew: screenplay in, finished vertical short drama out.

>>> from reelcrew import storyboard, produce
>>> board = storyboard("examples/neon-vows/neon-vows.fountain")
>>> outcome = produce(["examples/neon-vows"], "out", run={"quality": "draft"})
"""

from __future__ import annotations

from typing import Any

__all__ = ["produce", "resume", "storyboard"]


def __getattr__(name: str) -> Any:
    # Imported lazily so `import reelcrew` stays cheap and lower layers can import reelcrew.config.
    if name in __all__:
        from reelcrew import runner

        return getattr(runner, name)
    raise AttributeError(name)
