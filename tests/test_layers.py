"""The package's folders are layers: a module imports only from its own folder and the ones
below it (README, Layout). Read from the source, so a wrong import fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "actions"
BASE = {"common", "domain", "store", "tracking", "results"}
#: What each folder (or top-level module) may import from ``actions``, besides itself.
ALLOWED: dict[str, set[str]] = {
    "common": set(),
    "domain": {"common"},
    "store": {"common", "domain"},
    "tracking": {"common", "domain", "store"},
    "results": set(),
    "repeats": BASE,
    "intake": BASE | {"repeats"},
    "transfer": BASE,
    "messaging": BASE,
    "reports": BASE,
    "chasing": BASE | {"messaging"},
    "web": BASE | {"repeats"},
    "services": BASE | {"intake", "chasing", "messaging", "reports"},
    "flows_api": {"common", "intake", "results", "services"},
    "cli": BASE | {"intake", "repeats", "transfer", "chasing", "reports", "web", "flows_api"},
}


def imports_of(path: Path) -> set[str]:
    """The ``actions`` folders and modules a source file imports (``actions.x.y`` → ``x``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "actions":
                found |= {parts[1]} if len(parts) > 1 else {a.name for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("actions.")}
    return found


def layer_of(path: Path) -> str:
    first = path.relative_to(PACKAGE).parts[0]
    return first.removesuffix(".py")


SOURCES = sorted(
    p for p in PACKAGE.rglob("*.py") if "versions" not in p.parts and p.name != "__init__.py"
)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_module_imports_only_from_the_layers_below(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"{layer}: a new folder needs its place in ALLOWED (and the README)"
    wrong = imports_of(path) - ALLOWED[layer] - {layer}
    assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_the_layer_table_sees_every_import() -> None:
    """The check reads real imports: the CLI reaches the web portal, the portal the tracking."""
    assert "web" in imports_of(PACKAGE / "cli" / "web.py")
    assert "tracking" in imports_of(PACKAGE / "web" / "me.py")
