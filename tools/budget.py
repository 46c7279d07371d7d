"""The spend ledger and the hard budget cap.

Before a paid call the caller reserves its estimated cost; the reservation fails with ``BudgetExceeded`` if it
would take committed + reserved spend past the cap, so parallel workers cannot overspend together. Spend is kept
per cache key in ``OUT/ledger.json``, so a resumed run knows what was already paid and never counts a clip twice.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from domain.errors import BudgetExceeded
from domain.files import write_json


class BudgetLedger:
    def __init__(self, path: Path | None, cap_usd: float | None) -> None:
        self.path = path
        self.cap_usd = cap_usd
        self._lock = threading.Lock()
        self._reserved: dict[str, float] = {}
        self._spent: dict[str, float] = {}
        if path is not None and path.is_file():
            self._spent = {k: float(v) for k, v in json.loads(path.read_text()).get("spent", {}).items()}

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return round(sum(self._spent.values()), 6)

    def reserve(self, key: str, amount: float) -> None:
        """Hold ``amount`` for the call keyed ``key``, or refuse before anything is spent."""
        with self._lock:
            if key in self._spent or key in self._reserved:
                return
            committed = sum(self._spent.values()) + sum(self._reserved.values())
            if self.cap_usd is not None and committed + amount > self.cap_usd + 1e-9:
                raise BudgetExceeded(self.cap_usd, committed, amount)
            self._reserved[key] = amount

    def commit(self, key: str, actual: float) -> None:
        with self._lock:
            self._reserved.pop(key, None)
            self._spent[key] = actual
            self._save()

    def release(self, key: str) -> None:
        """Drop a reservation whose call failed (providers do not bill failed generations)."""
        with self._lock:
            self._reserved.pop(key, None)

    def _save(self) -> None:
        if self.path is not None:
            write_json(self.path, {"cap_usd": self.cap_usd, "spent": self._spent})
