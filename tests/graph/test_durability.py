"""kill -9 at several points, then `reelcrew resume`: the run completes, pays for nothing twice, and its outputs
equal those of a run that was never interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from reelcrew import runner
from tests.graph.support import ROOT, SMALL_TOML, TINY, fingerprint, finish, model_calls

pytestmark = pytest.mark.slow


def start(out: Path, config: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "reelcrew", "produce", str(TINY), "-o", str(out), "--seed", "7", "-c", str(config)]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def kill_when(proc: subprocess.Popen[bytes], ready: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL the run as soon as ``ready()`` holds; False if it finished first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if ready():
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the run neither reached the kill point nor finished")


POINTS: dict[str, Callable[[Path], bool]] = {
    "planning": lambda out: (out / "storyboard.json").exists(),
    "generating": lambda out: len(model_calls(out)) >= 3,
    "exporting": lambda out: (out / "episodes" / "ep01" / "audio").exists(),
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    base = tmp_path_factory.mktemp("uninterrupted")
    config = base / "reelcrew.toml"
    config.write_text(SMALL_TOML)
    out = base / "out"
    proc = start(out, config)
    assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    finish(out, runner.resume(out))
    return {"config": config, "fingerprint": fingerprint(out), "calls": model_calls(out)}


@pytest.mark.parametrize("point", list(POINTS))
def test_kill_and_resume(point: str, reference: dict[str, object], tmp_path: Path) -> None:
    out = tmp_path / "out"
    killed = kill_when(start(out, reference["config"]), lambda: POINTS[point](out))  # type: ignore[arg-type]
    assert killed, f"the run finished before the {point} kill point"
    before = {c["key"] for c in model_calls(out)}
    resumed = subprocess.run(
        [sys.executable, "-m", "reelcrew", "resume", str(out)], cwd=ROOT, capture_output=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr.decode()
    finish(out, runner.resume(out))
    calls = model_calls(out)
    keys = [c["key"] for c in calls]
    assert len(keys) == len(set(keys)), "a model call whose result was stored was made again"
    assert before <= set(keys)
    assert set(keys) <= {c["key"] for c in reference["calls"]}  # type: ignore[union-attr]
    assert fingerprint(out) == reference["fingerprint"]
