"""The graph as ``langgraph dev`` serves it (see langgraph.json).

The server brings its own checkpointer; settings come from reelcrew.toml and REELCREW_* in the server's
environment, and each run names its production folder in its context: ``context={"out": "/path/to/OUT"}``.
"""

from __future__ import annotations

from typing import Any

from graph.build import build_graph
from reelcrew.config import load_settings


def make_graph() -> Any:
    return build_graph(load_settings())
