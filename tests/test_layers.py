"""Each layer imports only the layers below it (ARCHITECTURE.md); a test, so the rule cannot rot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["domain", "backends", "tools", "agents", "graph", "reelcrew"]
OURS = {*ORDER, "evals"}
ALLOWED = {layer: set(ORDER[: i + 1]) for i, layer in enumerate(ORDER)}
ALLOWED["reelcrew"] |= {"evals"}
ALLOWED["evals"] = set(ORDER[:-1]) | {"evals", "reelcrew.config"}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in OURS}


@pytest.mark.parametrize("layer", [*ORDER, "evals"])
def test_layer_imports_only_downward(layer: str) -> None:
    wrong = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for name in imports(path):
            top = name.split(".")[0]
            if top not in ALLOWED[layer] and name not in ALLOWED[layer]:
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)
