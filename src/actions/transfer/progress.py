"""How long phases of a transfer are reported to whoever draws the progress bar."""

from __future__ import annotations

from typing import Protocol


class ProgressHook(Protocol):
    """Told about long phases so a command can draw a progress bar (the service draws nothing)."""

    def phase(self, name: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...


class NoProgress:
    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, count: int) -> None:
        pass
