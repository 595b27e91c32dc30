"""Reminders and escalations: plan into the outbox, then deliver what was planned."""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger, task
from prefect.events import emit_event
from prefect.states import Completed, Failed, State

from actions import services
from actions.chasing import listed_refs
from actions.results import ChaseResult
from flows.common import (
    Outcome,
    as_of_name,
    call_service,
    publish_markdown,
    publish_table,
    resolve_as_of,
    transient_only,
)


@task(retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=transient_only)
def plan_and_deliver(kind: str, as_of: date, dry_run: bool) -> Outcome[ChaseResult]:
    """One coarse task: the same service as ``actions chase`` in-process (a constant number
    of SQL statements to plan, then delivery of what was planned). Safe to retry: every item
    has a dedupe key and every message is in the outbox before it is sent."""
    return call_service(services.chase_or_escalate, kind, as_of, dry_run=dry_run)


def _chase(kind: str, as_of: date | None, dry_run: bool) -> State:
    logger = get_run_logger()
    day = resolve_as_of(as_of)
    outcome = plan_and_deliver(kind, day, dry_run)
    summary = outcome.result
    if summary is None:
        return outcome.failed_state()
    publish_table(
        f"{kind}-messages", summary["messages"], f"{kind} as of {day}: who gets what (no addresses)"
    )
    publish_markdown(f"{kind}-summary", _markdown(kind, summary), f"{kind} as of {day}")
    if kind == "escalate" and not dry_run:
        announce(summary)
    logger.info(
        "%s as of %s: %s planned, %s sent, %s failed, %s already sent",
        kind,
        day,
        summary["planned"],
        summary["sent"],
        summary["failed"],
        summary["skipped_duplicate"],
    )
    if summary["failed"]:
        return Failed(
            message=f"{summary['failed']} message(s) not delivered (retried later "
            "by deliver-outbox)",
            data=summary,
        )
    return Completed(data=summary)


def announce(summary: ChaseResult) -> None:
    """Custom events ops can hang Prefect Automations on (see README, Operations)."""
    resource = {
        "prefect.resource.id": "inspection-actions.escalation",
        "prefect.resource.name": "inspection actions",
    }
    for event, refs, count in (
        ("inspection-actions.action.overdue", summary["overdue_refs"], summary["overdue_count"]),
        ("inspection-actions.escalated.level3", summary["level3_refs"], summary["level3_count"]),
    ):
        if count:
            payload = {"as_of": summary["as_of"], "count": count, "refs": refs}
            emit_event(event=event, resource=resource, payload=payload)


def _markdown(kind: str, summary: ChaseResult) -> str:
    lines = [f"# {kind.capitalize()} as of {summary['as_of']}", ""]
    if summary.get("not_working_day"):
        lines.append(f"Not a working day ({summary['not_working_day']}): nothing planned.")
        return "\n".join(lines)
    for label in ("planned", "recipients", "items", "sent", "failed", "skipped_duplicate"):
        lines.append(f"- **{label.replace('_', ' ')}**: {summary[label]}")
    failures = [r for r in summary.get("delivery", []) if r["state"] != "sent"]
    if failures:
        # Artifacts name people and roles only: a message by its outbox id, not its address.
        lines += ["", "## Not delivered", "", "| message | error | next |", "|---|---|---|"]
        lines += [
            f"| #{r['id']} ({r['kind']}) | {r['error']} | "
            f"{'retry' if r['state'] == 'pending' else 'gave up'} |"
            for r in failures
        ]
    if summary["unroutable"]:
        lines += ["", "No recipient for: " + listed_refs(summary)]
    return "\n".join(lines)


@flow(name="chase-updates", flow_run_name=as_of_name("chase"), log_prints=True)
def chase_updates(as_of: date | None = None, dry_run: bool = False) -> State:
    """Remind owners of coming deadlines and ask for overdue updates (one digest each)."""
    return _chase("chase", as_of, dry_run)


@flow(name="escalate-overdue", flow_run_name=as_of_name("escalate"), log_prints=True)
def escalate_overdue(as_of: date | None = None, dry_run: bool = False) -> State:
    """Escalate overdue actions: owner, then manager (owner copied), then the SRO."""
    return _chase("escalate", as_of, dry_run)
