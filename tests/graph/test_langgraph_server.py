"""`langgraph dev` serves the production graph (langgraph.json); the official SDK client drives a run on loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.graph.support import ROOT, TINY, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    env = {
        **os.environ,
        "REELCREW_RUN__WIDTH": "144",
        "REELCREW_RUN__HEIGHT": "256",
        "REELCREW_RUN__WORKERS": "4",
        "REELCREW_EXPORT__WIDTH": "144",
        "REELCREW_EXPORT__HEIGHT": "256",
        "LANGSMITH_TRACING": "false",
    }
    exe = Path(sys.executable).with_name("langgraph")
    proc = subprocess.Popen(
        [str(exe), "dev", "--port", str(port), "--host", "127.0.0.1", "--no-browser", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=(tmp_path / "server.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError((tmp_path / "server.log").read_text()[-2000:])
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_sdk_client_drives_a_production(server: str, tmp_path: Path) -> None:
    from langgraph_sdk import get_client

    out = tmp_path / "served"

    async def drive() -> dict:  # type: ignore[type-arg]
        client = get_client(url=server)
        assistants = await client.assistants.search(graph_id="reelcrew")
        assert assistants, "the reelcrew graph is not served"
        thread = await client.threads.create()
        result = await client.runs.wait(
            thread["thread_id"], "reelcrew", input={"scripts": [str(TINY)]}, context={"out": str(out)}
        )
        state = await client.threads.get_state(thread["thread_id"])
        return {"result": result, "state": state}

    got = asyncio.run(drive())
    values = got["state"]["values"]
    assert values["status"] in ("complete", "producing")
    assert (out / "storyboard.json").is_file() and (out / "calls.jsonl").is_file()
    if values["status"] == "complete":
        assert (out / "manifest.json").is_file()
        assert sorted(p.parent.name for p in out.glob("episodes/*/final.mp4")) == ["ep01", "ep02"]
    else:  # paused at the review interrupt
        assert got["state"]["tasks"] and got["state"]["tasks"][0]["interrupts"]
