"""`actions demo`: the whole loop on the bundled sample report, on embedded SQLite, no setup.

Northamptonshire's PEEL 2018 legitimacy report (published 27 September 2019) is ingested, owners
are assigned by rules, and time is simulated through spring 2020: reminders go out, owners post
updates, one completion is accepted, one deadline change is accepted, overdue actions climb the
escalation ladder, and a progress report is written and sent. Then the next inspection's report
(a 2021 follow-up written for the demo) arrives: its repeats are linked to the 2018 actions,
owners carried over, and the 2018 actions it does not raise again are listed for review. Messages
land as .eml files in the outbox folder unless ACTIONS_EMAIL_URL is set.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from actions.common.settings import reset_settings
from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Status
from actions.domain.policy import reset_policy
from actions.flows_api import run_chase, run_ingest, run_report
from actions.results import IngestResult
from actions.store import db
from actions.tracking.people import import_people
from actions.tracking.updates import post_update, review

SAMPLE_DIR = Path(__file__).parents[1] / "sample"
SAMPLE_REPORT = SAMPLE_DIR / "northamptonshire_peel2018_legitimacy.txt"
SAMPLE_PEOPLE = SAMPLE_DIR / "people.csv"
SAMPLE_POLICY = SAMPLE_DIR / "policy.toml"
FOLLOW_UP = SAMPLE_DIR / "northamptonshire_peel2021_followup.txt"
FOLLOW_UP_PUBLISHED = date(2021, 6, 1)
BODY = "Northamptonshire Police"
PUBLISHED = date(2019, 9, 27)
NEXT_INSPECTION = date(2020, 9, 28)


@dataclass
class DemoResult:
    folder: Path
    database: Path
    outbox: Path
    report_files: dict[str, str] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def eml_count(self) -> int:
        return len(list(self.outbox.glob("*.eml"))) if self.outbox.exists() else 0


def prepare(folder: Path) -> DemoResult:
    """A fresh demo folder and the settings that point the whole product at it."""
    if (folder / "actions.db").exists() or (folder / "outbox").exists():
        for name in ("actions.db", "actions.db-wal", "actions.db-shm"):
            (folder / name).unlink(missing_ok=True)
        shutil.rmtree(folder / "outbox", ignore_errors=True)
        shutil.rmtree(folder / "reports", ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    result = DemoResult(folder=folder, database=folder / "actions.db", outbox=folder / "outbox")
    os.environ["ACTIONS_DATABASE_URL"] = f"sqlite:///{result.database}"
    os.environ["ACTIONS_CONFIG"] = str(SAMPLE_POLICY)
    os.environ.setdefault("ACTIONS_SECRET_KEY", secrets.token_urlsafe(32))
    if not os.environ.get("ACTIONS_EMAIL_URL"):
        os.environ["ACTIONS_OUTBOX_DIR"] = str(result.outbox)
    reset_settings()
    db.reset_engines()
    reset_policy()
    return result


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _update(ref: str, by: str, day: date, **request: Any) -> None:

    with db.session_scope() as session:
        post_update(session, ref, UpdateRequest(**request), by=by, via="demo", now=_at(day))


def _review(ref: str, by: str, day: date, *, accept: bool, note: str = "") -> None:

    with db.session_scope() as session:
        review(session, ref, accept=accept, by=by, note=note, now=_at(day, 15))


def _ingest(report: Path, published: date, next_inspection: date | None) -> IngestResult:
    """One of the sample reports, received at noon on its publication day."""
    meta: dict[str, Any] = {"body": BODY, "inspectorate": "HMICFRS"}
    meta |= {"published": published, "next_inspection": next_inspection}
    return run_ingest(str(report), meta, dry_run=False, received_at=_at(published, 12))


def run(folder: Path, say: Callable[[str], None]) -> DemoResult:
    result = prepare(folder)
    db.migrate()
    with db.session_scope() as session:
        import_people(session, SAMPLE_PEOPLE)
    say(f"people: {SAMPLE_PEOPLE.name} imported (7 people, managers and an SRO)")
    ingest = _ingest(SAMPLE_REPORT, PUBLISHED, NEXT_INSPECTION)
    say(
        f"ingest: {len(ingest['created'])} actions from the sample report "
        f"({ingest['inspection']}), {len(ingest['unassigned'])} unassigned"
    )

    def chase(kind: str, day: date) -> None:
        summary = run_chase(kind, day, dry_run=False)
        result.steps.append({"step": kind, **{k: summary[k] for k in ("as_of", "planned", "sent")}})
        say(
            f"{kind} as of {day}: {summary['sent']} message(s) to "
            f"{summary['recipients']} recipient(s)"
        )

    community, people_lead = (
        "community.engagement@northants.example",
        "head.of.people@northants.example",
    )
    _update(
        "NOR-2018-AFI-01",
        community,
        date(2020, 1, 15),
        status=Status.IN_PROGRESS,
        progress=40,
        note="Community engagement plan drafted with local councils.",
    )
    _update(
        "NOR-2018-AFI-07",
        "wellbeing.lead@northants.example",
        date(2020, 2, 3),
        status=Status.IN_PROGRESS,
        progress=60,
        note="Occupational health review complete; supervisor training booked.",
    )
    chase("chase", date(2020, 3, 13))
    _update(
        "NOR-2018-AFI-04",
        "head.of.pso@northants.example",
        date(2020, 3, 16),
        status=Status.COMPLETED,
        progress=100,
        note="Vetting decisions now monitored monthly by protected characteristic.",
        evidence_url="https://intranet.northants.example/pso/vetting-dashboard",
    )
    _review(
        "NOR-2018-AFI-04",
        "dcc@northants.example",
        date(2020, 3, 17),
        accept=True,
        note="Dashboard seen at the March ethics board.",
    )
    _update(
        "NOR-2018-AFI-05",
        people_lead,
        date(2020, 3, 18),
        deadline=date(2020, 6, 30),
        reason="Staff survey moved to May so actions can respond to its results.",
    )
    _review("NOR-2018-AFI-05", "dcc@northants.example", date(2020, 3, 19), accept=True)
    say("updates: progress posted, one completion accepted, one deadline change accepted")
    for day in (date(2020, 3, 30), date(2020, 4, 6), date(2020, 4, 20)):
        chase("escalate", day)
    report = run_report(date(2020, 4, 20), str(folder / "reports"))
    result.report_files = report["files"]
    say(
        f"report: written, and sent to {len(report['queued'])} recipient(s) "
        "(each manager their team's actions, the SRO all of them)"
    )
    _next_inspection(result, say)
    return result


def _next_inspection(result: DemoResult, say: Callable[[str], None]) -> None:
    summary = _ingest(FOLLOW_UP, FOLLOW_UP_PUBLISHED, None)
    repeats = summary["repeats"]
    closed = [r for r in repeats if r["closed_on"]]
    result.steps.append(
        {
            "step": "next inspection",
            "inspection": summary["inspection"],
            "repeats": len(repeats),
            "suggested": len(summary["suggested_repeats"]),
            "not_raised_again": len(summary["not_raised_again"]),
        }
    )
    say(
        f"next inspection ({summary['inspection']}): {len(repeats)} finding(s) raised again, "
        f"owners carried over ({len(closed)} closed in 2020 and raised again: "
        f"{', '.join(r['repeat_of'] for r in closed) or 'none'}); "
        f"{len(summary['suggested_repeats'])} for the SRO to confirm; "
        f"{len(summary['not_raised_again'])} earlier action(s) not raised again, for review"
    )
