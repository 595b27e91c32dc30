"""How the CLI starts flow runs (SPEC section 5: chase, escalate, report and ingest run as
Prefect flow runs, on the configured server or Prefect's temporary local one)."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

from actions.errors import ActionsError


def _quiet_prefect() -> None:
    # The CLI prints its own summary; Prefect's per-run chatter stays in the server's logs.
    # Prefect reads this when it is first imported, so it must be set before that.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # The temporary server's telemetry has nowhere to go on closed networks and fails loudly.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _outcome(state: Any) -> dict[str, Any]:
    result = state.result(raise_on_failure=False)
    if isinstance(result, dict):
        return result
    if isinstance(result, ActionsError):
        raise result
    if isinstance(result, BaseException):
        raise ActionsError(f"the flow run failed: {type(result).__name__}: {result}")
    raise ActionsError(f"the flow run ended {state.name}: {state.message or ''}".strip())


def run_chase_flow(kind: str, as_of: date, *, dry_run: bool) -> dict[str, Any]:
    _quiet_prefect()
    from flows.chase import chase_updates, escalate_overdue

    flow = chase_updates if kind == "chase" else escalate_overdue
    state = flow(as_of=as_of, dry_run=dry_run, return_state=True)
    return _outcome(state)
