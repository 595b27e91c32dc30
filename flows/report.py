"""Progress reports: write them, publish them in Prefect, send them, and the pre-inspection pack
when the next inspection is near."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_link_artifact
from prefect.states import Completed, Failed, State

from actions import distribution
from actions.reports import generate_pack, generate_report, pack_due, parse_formats
from flows.common import (
    as_of_name,
    call_service,
    publish_markdown,
    publish_table,
    resolve_as_of,
    user_error_state,
)
from flows.deliver import deliver_messages


@task(retries=1, retry_delay_seconds=30)
def write_report(out_dir: str, formats: str, as_of: date, scope: dict[str, Any]) -> dict[str, Any]:
    """``scope``: inspection_code, owner_emails, since, title (see generate_report)."""

    def written() -> dict[str, Any]:
        output = generate_report(Path(out_dir), parse_formats(formats), as_of, **scope)
        return {
            "paths": {k: str(v) for k, v in output.paths.items()},
            "markdown": output.markdown,
            "summary": output.summary,
        }

    return call_service(written)


@task
def write_packs(out_dir: str, as_of: date) -> list[dict[str, Any]]:
    """The pre-inspection pack of every inspection whose next inspection is near."""
    from actions import db
    from actions.policy import load_policy
    from actions.queries import list_inspections

    policy = load_policy()
    with db.session_scope() as session:
        known = list_inspections(session)
    packs = []
    for inspection in known:
        if pack_due(as_of, inspection.next_inspection, policy):
            output = generate_pack(Path(out_dir), inspection.code, as_of)
            packs.append(
                {
                    "inspection": inspection.code,
                    "next_inspection": str(inspection.next_inspection),
                    **{fmt: str(path) for fmt, path in output.paths.items()},
                }
            )
    return packs


@task(retries=1, retry_delay_seconds=30)
def queue_report_messages(as_of: date, out_dir: str) -> list[dict[str, Any]]:
    return distribution.queue_reports(as_of, Path(out_dir))


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
    scope = {"inspection_code": inspection, "owner_emails": owners, "since": since, "title": title}
    outcome = write_report(out_dir, formats, day, scope)
    if "error" in outcome:
        return user_error_state(outcome)
    report = outcome["result"]
    publish_markdown("progress-report", report["markdown"], f"progress report as of {day}")
    for fmt in ("html", "pdf"):
        if fmt in report["paths"]:
            create_link_artifact(
                key=f"progress-report-{fmt}",
                link=Path(report["paths"][fmt]).resolve().as_uri(),
                link_text=f"Progress report ({fmt.upper()})",
            )
    summary: dict[str, Any] = {
        "as_of": day.isoformat(),
        "files": report["paths"],
        "summary": report["summary"],
        "packs": [],
        "sent": 0,
        "failed": 0,
        "queued": [],
    }
    narrowed = inspection is not None or owners is not None
    if not narrowed:
        summary["packs"] = write_packs(out_dir, day)
        if summary["packs"]:
            publish_table("pre-inspection-packs", summary["packs"], "packs produced this run")
    if send and not narrowed:
        summary["queued"] = queue_report_messages(day, out_dir)
        publish_table("report-recipients", summary["queued"], "who was sent which report")
        if summary["queued"]:
            delivery = deliver_messages(None)
            if "error" in delivery:
                return user_error_state(delivery)
            summary.update(sent=delivery["sent"], failed=delivery["failed"])
    if summary["failed"]:
        return Failed(message=f"{summary['failed']} report message(s) not delivered", data=summary)
    return Completed(data=summary)
