"""Chroma as a team's server: a real `chroma run` on loopback, the bible store and the frame store through
`HttpClient`, and a storyboard whose bibles land on the server instead of in OUT."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from backends.bible_store import BibleStore
from backends.chroma import open_client
from backends.frame_store import FrameMeta, FrameStore
from backends.text_embedding import HashingTextEmbedder
from domain.settings import StoreSettings
from tests.backends.test_bible_store import sample_bibles
from tests.graph.support import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreSettings]:
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if chroma is None:
        pytest.fail("the chroma command ships with the chromadb package and should be beside this Python")
    port = free_port()
    data = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={"ANONYMIZED_TELEMETRY": "False", "PATH": str(Path(sys.executable).parent)},
    )
    settings = StoreSettings(chroma_mode="server", chroma_host="127.0.0.1", chroma_port=port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                open_client(settings, data).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        yield settings
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_bibles_and_frames_live_on_the_server(server: StoreSettings, tmp_path: Path) -> None:
    client = open_client(server, tmp_path)
    bibles = BibleStore(client, HashingTextEmbedder(), collection_name="bibles-team-test")
    bibles.upsert_all(sample_bibles())
    assert bibles.search("the location with warm evening light", "location")[0].id == "promenade"
    assert not (tmp_path / "chroma").exists()  # nothing embedded in OUT

    frames = FrameStore(client, "offline-2", project="team-test")
    vector = np.ones((1, 8), dtype=np.float32) / np.sqrt(8)
    frames.add(["ref-1"], vector, [FrameMeta(shot="E01-S001-SH01", path="references/lin/a.png", kind="reference",
                                             character="lin", approved=True)])  # fmt: skip
    again = FrameStore(open_client(server, tmp_path), "offline-2", project="team-test")  # a second process
    assert again.references("lin").shape == (1, 8)


def test_a_production_configured_for_the_server_keeps_its_bibles_there(server: StoreSettings, tmp_path: Path) -> None:
    from reelcrew import runner
    from tests.graph.support import TINY

    out = tmp_path / "out"
    outcome = runner.produce([TINY], out, dry_run=True, store=server.model_dump())

    assert outcome.status == "estimated"
    assert not (out / "chroma").exists()
    from domain.settings import Config
    from tools.character import bible_store
    from tools.context import ToolContext

    mine = bible_store(ToolContext.create(Config(store=server), out)).all()
    assert {"maya", "ben"} <= set(mine.characters) and "kitchen" in mine.locations
    # Another production on the same server has a store of its own: nothing of this one shows there.
    other = bible_store(ToolContext.create(Config(store=server), tmp_path / "another")).all()
    assert not other.characters and not other.locations
