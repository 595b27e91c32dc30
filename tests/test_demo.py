"""`actions demo`, the first command of the Quick start: the whole loop, in-process, on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.common.settings import reset_settings
from actions.store import db
from tests.support.cli_runner import actions

pytestmark = pytest.mark.slow


def test_the_demo_runs_the_whole_loop_and_the_next_inspection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo points the product at its folder through the environment: restore it afterwards.
    for name in (
        "ACTIONS_DATABASE_URL",
        "ACTIONS_CONFIG",
        "ACTIONS_SECRET_KEY",
        "ACTIONS_OUTBOX_DIR",
    ):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    try:
        result = actions(capsys, "demo", "--dir", str(tmp_path / "demo"), "--json")
    finally:
        reset_settings()
        db.reset_engines()
    assert result.code == 0, result.err
    summary = result.json()
    steps = {s["step"]: s for s in summary["steps"]}
    assert steps["chase"]["sent"] > 0 and steps["escalate"]["sent"] > 0
    assert summary["emails"] > 10
    assert Path(summary["report"]["html"]).stat().st_size > 10_000
    follow_up = steps["next inspection"]
    assert follow_up["inspection"] == "NOR-2021"
    assert follow_up["repeats"] >= 3 and follow_up["not_raised_again"] >= 3
    # Run twice in the same folder: it starts afresh, with the same outcome.
    again = actions(capsys, "demo", "--dir", str(tmp_path / "demo"), "--json")
    reset_settings()
    db.reset_engines()
    assert again.json()["steps"] == summary["steps"]
