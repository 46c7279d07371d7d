"""The budget cap refuses before overspending, counts a clip once, and survives a restart."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.errors import BudgetExceeded
from tools.budget import BudgetLedger


def test_reservations_cannot_overspend_together(tmp_path: Path) -> None:
    ledger = BudgetLedger(tmp_path / "ledger.json", cap_usd=1.0)
    ledger.reserve("a", 0.6)
    with pytest.raises(BudgetExceeded, match="resume"):
        ledger.reserve("b", 0.6)  # a is not spent yet, but it is held
    ledger.release("a")
    ledger.reserve("b", 0.6)
    ledger.commit("b", 0.6)
    assert ledger.spent_usd == pytest.approx(0.6)


def test_spend_survives_a_restart_and_counts_once(tmp_path: Path) -> None:
    path = tmp_path / "ledger.json"
    first = BudgetLedger(path, cap_usd=1.0)
    first.reserve("clip", 0.4)
    first.commit("clip", 0.4)
    again = BudgetLedger(path, cap_usd=1.0)
    assert again.spent_usd == pytest.approx(0.4)
    again.reserve("clip", 0.4)  # already paid: reserving it again costs nothing
    again.reserve("other", 0.6)
    with pytest.raises(BudgetExceeded):
        again.reserve("third", 0.01)


def test_no_cap_means_no_limit(tmp_path: Path) -> None:
    ledger = BudgetLedger(None, cap_usd=None)
    ledger.reserve("big", 1e6)
    ledger.commit("big", 1e6)
    assert ledger.spent_usd == 1e6
