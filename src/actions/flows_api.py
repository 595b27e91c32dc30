"""How the CLI runs ingest, chase, escalate, report and deliver (docs/commands.md).

With a Prefect server configured (``PREFECT_API_URL`` in the environment or in the active
Prefect profile) each runs as a flow run on it, visible in the UI. Without one they call the
same service functions in this process and never import Prefect: starting Prefect's temporary
server took 33–42 s per command on this project's machines, for a run history nobody sees.
Both paths are imported inside the functions that take them (start-up speed: the services load
SQLAlchemy, the flows Prefect). A flow run hands back what the service returns
(:mod:`actions.results`), or ends Failed with a user error as data, raised here again.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.common.errors import ActionsError

if TYPE_CHECKING:
    from actions.results import ChaseResult, DeliveryResult, IngestResult, ReportResult


def prefect_server() -> str | None:
    """The Prefect API this process would use, without importing Prefect (which is slow)."""
    if url := os.environ.get("PREFECT_API_URL", "").strip():
        return url
    home = Path(os.environ.get("PREFECT_HOME") or Path.home() / ".prefect")
    profiles = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml")
    try:
        data = tomllib.loads(profiles.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or data.get("active") or "ephemeral"
    settings = data.get("profiles", {}).get(active, {})
    url = str(settings.get("PREFECT_API_URL") or "").strip() if isinstance(settings, dict) else ""
    return url or None


def _configure_prefect() -> None:
    # The CLI prints its own summary; Prefect's per-run chatter stays in the server's logs.
    # Prefect reads this when it is first imported, so it must be set before that.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _outcome(state: Any) -> Any:
    """A flow run's result; a user error it ended with is raised again as an ActionsError."""
    result = state.result(raise_on_failure=False)
    if (error := ActionsError.from_data(result)) is not None:
        raise error
    if isinstance(result, dict):  # Completed, or Failed with a summary (messages not delivered)
        return result
    if isinstance(result, ActionsError):  # a transient error that outlasted the task's retries
        raise result
    if isinstance(result, BaseException):
        raise ActionsError(f"the flow run failed: {type(result).__name__}: {result}")
    raise ActionsError(f"the flow run ended {state.name}: {state.message or ''}".strip())


def run_chase(kind: str, as_of: date, *, dry_run: bool) -> ChaseResult:
    if prefect_server() is None:
        from actions import services

        return services.chase_or_escalate(kind, as_of, dry_run=dry_run)
    _configure_prefect()
    from flows.chase import chase_updates, escalate_overdue

    flow = chase_updates if kind == "chase" else escalate_overdue
    return _outcome(flow(as_of=as_of, dry_run=dry_run, return_state=True))


def run_ingest(
    path: str, meta: dict[str, Any], *, dry_run: bool, received_at: datetime | None = None
) -> IngestResult:
    if prefect_server() is None:
        from actions import services

        return services.ingest_report(Path(path), meta, dry_run=dry_run, received_at=received_at)
    _configure_prefect()
    from flows.ingest import ingest_report

    state = ingest_report(
        path=path, **meta, dry_run=dry_run, received_at=received_at, return_state=True
    )
    return _outcome(state)


def run_report(as_of: date, out_dir: str, **options: Any) -> ReportResult:
    """``options``: formats, inspection, owners, since, title, send (see services)."""
    if prefect_server() is None:
        from actions import services

        summary = services.progress_report(as_of, Path(out_dir), **options)
        summary.pop("markdown", None)
        return summary
    _configure_prefect()
    from flows.report import progress_report

    return _outcome(progress_report(as_of=as_of, out_dir=out_dir, return_state=True, **options))


def run_deliver() -> DeliveryResult:
    if prefect_server() is None:
        from actions import services

        return services.deliver_outbox()
    _configure_prefect()
    from flows.deliver import deliver_outbox

    return _outcome(deliver_outbox(return_state=True))


def serve_deployments() -> None:
    from flows.deployments import serve

    serve()
