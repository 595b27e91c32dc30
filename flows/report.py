"""Progress reports: write them, publish them in Prefect, send them, and the pre-inspection pack
when the next inspection is near (all in ``services.progress_report``; the flow publishes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_link_artifact
from prefect.states import Completed, Failed, State

from actions import services
from actions.results import ReportResult
from flows.common import (
    Outcome,
    as_of_name,
    call_service,
    publish_markdown,
    publish_table,
    resolve_as_of,
    transient_only,
)


@task(retries=1, retry_delay_seconds=30, retry_condition_fn=transient_only)
def write_and_send(as_of: date, out_dir: str, options: dict[str, Any]) -> Outcome[ReportResult]:
    return call_service(services.progress_report, as_of, Path(out_dir), **options)


@flow(name="progress-report", flow_run_name=as_of_name("report"))
def progress_report(
    as_of: date | None = None,
    out_dir: str = "reports",
    formats: str = "html,pdf,md,csv,xlsx",
    inspection: str | None = None,
    send: bool = True,
    owners: list[str] | None = None,
    since: date | None = None,
    title: str | None = None,
) -> State:
    """Write the progress report (and any pack that is due); send it to managers and the SRO.

    ``inspection`` and ``owners`` narrow the report; a narrowed report is neither sent nor
    accompanied by packs.
    """
    day = resolve_as_of(as_of)
    options = {
        "formats": formats,
        "inspection": inspection,
        "send": send,
        "owners": owners,
        "since": since,
        "title": title,
    }
    outcome = write_and_send(day, out_dir, options)
    summary = outcome.result
    if summary is None:
        return outcome.failed_state()
    markdown = summary.pop("markdown", "")
    publish_markdown("progress-report", markdown, f"progress report as of {day}")
    for fmt in ("html", "pdf"):
        if fmt in summary["files"]:
            create_link_artifact(
                key=f"progress-report-{fmt}",
                link=Path(summary["files"][fmt]).resolve().as_uri(),
                link_text=f"Progress report ({fmt.upper()})",
            )
    if summary["packs"]:
        publish_table("pre-inspection-packs", summary["packs"], "packs produced this run")
    if summary["queued"]:
        publish_table("report-recipients", summary["queued"], "who was sent which report")
    if summary["failed"]:
        return Failed(message=f"{summary['failed']} report message(s) not delivered", data=summary)
    return Completed(data=summary)
