"""Ingesting a report: on demand (a deployment without schedule), or from `actions ingest`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.states import Completed, State

from actions import services
from actions.results import IngestResult
from flows.common import Outcome, call_service, publish_markdown, publish_table, transient_only


@task(retries=1, retry_delay_seconds=10, retry_condition_fn=transient_only)
def ingest_file(
    path: str, meta: dict[str, Any], dry_run: bool, received_at: datetime | None
) -> Outcome[IngestResult]:
    """Extraction and writing in one task, in one transaction."""
    return call_service(
        services.ingest_report, Path(path), meta, dry_run=dry_run, received_at=received_at
    )


@flow(name="ingest-report", flow_run_name="ingest {path}")
def ingest_report(
    path: str,
    body: str,
    inspectorate: str | None = None,
    title: str | None = None,
    published: date | None = None,
    next_inspection: date | None = None,
    dry_run: bool = False,
    received_at: datetime | None = None,
    addressees: list[str] | None = None,
) -> State:
    """Read a report file and create its inspection, findings and actions (idempotent).

    ``received_at`` back-dates the records (default now), e.g. when loading an older report.
    ``addressees`` keeps only the findings addressed to those bodies (and those addressed to
    no one), as ``actions ingest --addressee``.
    """
    meta = {
        "body": body,
        "inspectorate": inspectorate,
        "title": title,
        "published": published,
        "next_inspection": next_inspection,
        "addressees": list(addressees or []),
    }
    outcome = ingest_file(path, meta, dry_run, received_at)
    summary = outcome.result
    if summary is None:
        return outcome.failed_state()
    rows = [{"ref": ref, "change": "created"} for ref in summary["created"]]
    rows += [{"ref": ref, "change": "superseded"} for ref in summary["superseded"]]
    rows += [
        {"ref": r["ref"], "change": f"raises {r['repeat_of']} again ({r['similarity']:.2f})"}
        for r in summary["repeats"]
    ]
    rows += [
        {"ref": r["ref"], "change": f"may repeat {r['repeat_of']}: for the SRO to decide"}
        for r in summary["suggested_repeats"]
    ]
    rows += [
        {"ref": ref, "change": "not raised again: review"} for ref in summary["not_raised_again"]
    ]
    publish_table("ingest-actions", rows, f"{summary['inspection']}: actions from {path}")
    lines = [
        f"# Ingest of {Path(path).name}",
        "",
        f"- **inspection**: {summary['inspection']} — {summary['title']}",
        f"- **outcome**: {summary['outcome']}{' (dry run)' if dry_run else ''}",
        f"- **findings**: {summary['findings']}",
        f"- **created**: {len(summary['created'])}, **kept**: {summary['kept']}, "
        f"**superseded**: {len(summary['superseded'])}",
    ]
    if summary["unassigned"]:
        lines.append(f"- **unassigned**: {', '.join(summary['unassigned'])}")
    if summary["left_out"]:
        named = _left_out(summary["left_out_addressees"])
        lines.append(f"- **left out**: {summary['left_out']} addressed to others: {named}")
    if summary["repeats"] or summary["suggested_repeats"]:
        lines.append(
            f"- **raised again**: {len(summary['repeats'])} linked, "
            f"{len(summary['suggested_repeats'])} for the SRO to confirm; "
            f"**not raised again**: {len(summary['not_raised_again'])}"
        )
    lines += [f"- **check**: {warning}" for warning in summary["warnings"]]
    publish_markdown("ingest-summary", "\n".join(lines), f"ingest of {Path(path).name}")
    return Completed(data=summary)


def _left_out(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in sorted(counts.items()))
