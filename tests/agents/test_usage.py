"""LLM usage accounting persisted in OUT: every call of every process of a production is counted once."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

from agents.usage import USAGE_FILE, UsageLedger, usage_ledger
from domain.settings import Config, LLMSettings
from tools.context import ToolContext

ROOT = Path(__file__).resolve().parents[2]
PRICES = LLMSettings(price_per_1k_input=1.0, price_per_1k_output=2.0)


def test_two_ledgers_on_the_same_out_add_up(tmp_path: Path) -> None:
    # the first process: planning, then a budget stop; the second: the resume
    first = UsageLedger(PRICES, tmp_path / USAGE_FILE)
    first.record("script", 1000, 100)
    first.record("router", 500, 50)
    second = UsageLedger(PRICES, tmp_path / USAGE_FILE)
    second.record("script", 2000, 200)
    second.record("qa", 100, 10)

    expected = {
        "qa": {"calls": 1, "input_tokens": 100, "output_tokens": 10, "cost_usd": 0.12},
        "router": {"calls": 1, "input_tokens": 500, "output_tokens": 50, "cost_usd": 0.6},
        "script": {"calls": 2, "input_tokens": 3000, "output_tokens": 300, "cost_usd": 3.6},
    }
    assert second.summary() == expected
    assert first.summary() == expected  # the first sees the second's calls too: the file is the ledger
    assert second.total_cost_usd() == 4.32
    stored = json.loads((tmp_path / USAGE_FILE).read_text(encoding="utf-8"))
    assert stored["agents"]["script"]["calls"] == 2


def test_the_run_ledger_lives_in_out_and_survives_a_new_context(tmp_path: Path) -> None:
    config = Config(llm=PRICES)
    before = ToolContext.create(config, tmp_path / "out")
    usage_ledger(before).record("script", 1000, 0)
    assert (tmp_path / "out" / USAGE_FILE).is_file()

    resumed = ToolContext.create(config, tmp_path / "out")  # a resume builds its context (and ledger) afresh
    assert usage_ledger(resumed).summary()["script"]["calls"] == 1
    usage_ledger(resumed).record("script", 1000, 0)
    assert resumed.services["llm_usage"].summary()["script"] == {
        "calls": 2,
        "input_tokens": 2000,
        "output_tokens": 0,
        "cost_usd": 2.0,
    }


def test_a_memory_ledger_writes_nothing(tmp_path: Path) -> None:
    ledger = UsageLedger(PRICES)
    ledger.record("qa", 10, 1)
    assert ledger.summary()["qa"]["calls"] == 1
    assert list(tmp_path.iterdir()) == []


def test_parallel_threads_and_two_processes_lose_no_call(tmp_path: Path) -> None:
    path = tmp_path / USAGE_FILE
    worker = (
        "import sys; from pathlib import Path; from agents.usage import UsageLedger; "
        "from domain.settings import LLMSettings; "
        "ledger = UsageLedger(LLMSettings(price_per_1k_input=1.0, price_per_1k_output=2.0), Path(sys.argv[1])); "
        "[ledger.record(sys.argv[2], 10, 1) for _ in range(150)]"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", worker, str(path), agent], cwd=ROOT) for agent in ("qa", "audio")
    ]
    ledger = UsageLedger(PRICES, path)
    threads = [threading.Thread(target=lambda: [ledger.record("qa", 10, 1) for _ in range(50)]) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [p.wait(timeout=120) for p in processes] == [0, 0]

    summary = ledger.summary()
    assert summary["qa"]["calls"] == 150 + 3 * 50
    assert summary["qa"]["input_tokens"] == 3000 and summary["qa"]["output_tokens"] == 300
    assert summary["audio"]["calls"] == 150
    assert ledger.total_cost_usd() == round((150 + 150 + 150) * (0.01 + 0.002), 6)


def test_an_unreadable_ledger_is_kept_aside_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / USAGE_FILE
    path.write_text("{half a file", encoding="utf-8")
    ledger = UsageLedger(PRICES, path)
    assert ledger.summary() == {}  # reading only warns
    assert path.read_text(encoding="utf-8") == "{half a file"
    ledger.record("qa", 10, 1)
    kept = list(tmp_path.glob(f"{USAGE_FILE}.unreadable-*"))
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == "{half a file"
    assert ledger.summary()["qa"]["calls"] == 1
