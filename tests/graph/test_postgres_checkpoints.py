"""Checkpoints in Postgres, for teams: a real PostgreSQL server started for the test on loopback; a production is
produced and resumed through it, and two productions sharing the server keep their own threads.

`make test` installs Debian's postgresql; the server runs as the postgres user in a temporary cluster."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reelcrew import runner
from tests.graph.support import SMALL, TINY, free_port, model_calls

pytestmark = pytest.mark.slow

INITDB = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
needs_postgres = pytest.mark.skipif(
    not INITDB or shutil.which("runuser") is None or os.geteuid() != 0,
    reason="needs Debian's postgresql (make test installs it) and root to run it as the postgres user",
)


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def dsn() -> Iterator[str]:
    bin_dir = Path(INITDB[-1]).parent
    data = Path(tempfile.mkdtemp(prefix="reelcrew-pg-"))
    shutil.chown(data, "postgres", "postgres")
    port = free_port()
    _as_postgres(str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres")
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
    log = str(data / "server.log")  # the server's output goes there, not into our pipes (which it would hold open)
    _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-o", options, "-l", log, "-w", "-t", "30", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        _as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop")
        shutil.rmtree(data, ignore_errors=True)


ROOT_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neon-vows"


@needs_postgres
def test_productions_checkpoint_in_postgres_and_resume_from_there(dsn: str, tmp_path: Path) -> None:
    import psycopg

    team = {"checkpoint": {"backend": "postgres", "postgres_dsn": dsn}}
    first, second = tmp_path / "first", tmp_path / "second"

    made = runner.produce([TINY], first, **SMALL, **team)
    priced = runner.produce([ROOT_EXAMPLE], second, dry_run=True, **team)

    assert made.status == "complete" and priced.status == "estimated"
    assert not (first / "checkpoints.sqlite").exists() and not (second / "checkpoints.sqlite").exists()
    with psycopg.connect(dsn) as conn:
        threads = {row[0] for row in conn.execute("select distinct thread_id from checkpoints")}
    assert len(threads) == 2  # one thread per production on the shared server
    # Each production reads its own state back from the server.
    assert runner.load_production(first).storyboard.title == "Two Nights"
    assert runner.load_production(second).storyboard.title == "Neon Vows"
    calls = model_calls(first)
    again = runner.resume(first)
    assert again.status == "complete" and model_calls(first) == calls  # resumed from Postgres: nothing paid twice
