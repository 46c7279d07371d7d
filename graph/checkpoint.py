"""Where a run's checkpoints live: SQLite inside OUT by default, Postgres for a team, memory for tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from domain.errors import ConfigError
from domain.settings import CheckpointSettings

# Our state holds pydantic models; LangGraph deserialises only the types it is told it may.
_STATE_TYPES = [
    ("domain.screenplay", "Screenplay"), ("domain.screenplay", "Episode"), ("domain.screenplay", "Scene"),
    ("domain.screenplay", "Beat"), ("domain.screenplay", "DialogueLine"),
    ("domain.storyboard", "Storyboard"), ("domain.storyboard", "EpisodeBoard"), ("domain.storyboard", "SceneBoard"),
    ("domain.shot", "Shot"), ("domain.shot", "ShotType"), ("domain.shot", "CameraAngle"), ("domain.shot", "Movement"),
    ("domain.bibles", "Bibles"), ("domain.bibles", "CharacterBible"), ("domain.bibles", "SceneBible"),
    ("domain.bibles", "Appearance"), ("domain.bibles", "Outfit"), ("domain.bibles", "VoiceProfile"),
    ("domain.bibles", "ReferenceFrame"), ("domain.bibles", "LightingVariant"),
    ("domain.production", "ShotRecord"), ("domain.production", "ShotAttempt"), ("domain.production", "GateResult"),
    ("tools.routing", "CostEstimate"), ("tools.routing", "RouteDecision"),
    ("graph.state", "EpisodeProgress"), ("graph.state", "Phase"), ("graph.state", "ReviewItem"),
]  # fmt: skip


def serializer() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=_STATE_TYPES)


@contextmanager
def open_checkpointer(settings: CheckpointSettings, out: Path) -> Iterator[Any]:
    """The configured checkpointer, open for the duration of the block."""
    if settings.backend == "memory":
        from langgraph.checkpoint.memory import InMemorySaver

        yield InMemorySaver(serde=serializer())
    elif settings.backend == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        out.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(out / "checkpoints.sqlite", check_same_thread=False)
        try:
            yield SqliteSaver(conn, serde=serializer())
        finally:
            conn.close()
    else:
        if settings.postgres_dsn is None:
            raise ConfigError(
                "checkpoint.backend = 'postgres' needs checkpoint.postgres_dsn (or REELCREW_CHECKPOINT__POSTGRES_DSN)"
            )
        try:
            from langgraph.checkpoint.postgres import PostgresSaver
        except ImportError:
            raise ConfigError("Postgres checkpoints need `pip install reelcrew[postgres]`") from None
        with PostgresSaver.from_conn_string(settings.postgres_dsn.get_secret_value()) as saver:
            saver.serde = serializer()
            saver.setup()
            yield saver
