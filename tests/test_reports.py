"""Reports against a seeded database (SQLite and PostgreSQL): numbers, escaping, files, CLI.

The scenario has an audit trail with timestamps we control, so the burn-up, "updates since" and
the forecast can be checked by hand (the arithmetic is in the comments).
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session

from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Inspection, Person, Status
from actions.domain.policy import Policy
from actions.domain.refs import short_title
from actions.reports import generate_pack, generate_report, generate_statutory_response
from actions.reports.content import build
from actions.reports.data import gather
from actions.tracking import audit
from actions.tracking.queries import get_action
from actions.tracking.updates import post_update, review
from tests.support.cli_runner import actions
from tests.support.helpers import seed_action, seed_people

AS_OF = date(2027, 3, 15)
SECRET = "hunter2secretpass"
SCRIPT = "<script>alert(1)</script>"


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def _update(session: Session, ref: str, day: date, by: str, **kwargs: object) -> None:
    post_update(session, ref, UpdateRequest(**kwargs), by=by, now=at(day))  # type: ignore[arg-type]


@pytest.fixture
def scenario(session: Session) -> dict[str, Person]:
    """NOR-2018 (5 actions, created 20 Nov 2026, inspection 1 Jun 2027) and OTH-2020 (1)."""
    people = seed_people(session)
    people["owner"].notify = f"mailto://olive:{SECRET}@smtp.example"
    nor = Inspection(
        code="NOR-2018",
        body="Northamptonshire Police",
        title="PEEL 2018 legitimacy",
        published=date(2026, 11, 20),
        next_inspection=date(2027, 6, 1),
    )
    oth = Inspection(code="OTH-2020", body="Other Police", title="PEEL 2020")
    session.add_all([nor, oth])
    session.flush()
    owner, other = people["owner"], people["other"]
    plan = [
        ("NOR-2018-AFI-01", owner, date(2027, 1, 15), f"Improve engagement {SCRIPT}", nor),
        ("NOR-2018-AFI-02", owner, date(2027, 2, 1), "Scrutiny of stop and search", nor),
        ("NOR-2018-AFI-03", other, date(2027, 4, 30), "Monitor vetting decisions", nor),
        ("NOR-2018-AFI-04", other, date(2027, 6, 30), "Preventative healthcare", nor),
        ("NOR-2018-REC-05", other, date(2027, 3, 1), "Tackle perceived unfairness", nor),
        ("OTH-2020-AFI-01", owner, date(2027, 12, 31), "Another force's finding", oth),
    ]
    for ref, person, deadline, text, inspection in plan:
        kind = "recommendation" if "-REC-" in ref else "area_for_improvement"
        action = seed_action(
            session,
            owner=person,
            ref=ref,
            deadline=deadline,
            inspection=inspection,
            kind=kind,
            text=f"The force should: {text}.",
        )
        assert action.id is not None
        action.created_at = action.updated_at = at(date(2026, 11, 20))
        audit.record(
            session,
            actor="system",
            entity="action",
            entity_id=action.id,
            action_id=action.id,
            field="created",
            new=ref,
            at=at(date(2026, 11, 20)),
        )
    session.flush()
    get_action(session, "NOR-2018-AFI-01").escalation_level = 2
    o, t = owner.email, other.email
    _update(
        session,
        "NOR-2018-AFI-02",
        date(2026, 12, 14),
        o,
        status=Status.IN_PROGRESS,
        progress=50,
        note="Panel terms agreed",
        evidence_url="https://intranet.example/tor",
    )
    _update(
        session,
        "NOR-2018-AFI-02",
        date(2027, 1, 20),
        o,
        status=Status.COMPLETED,
        progress=100,
        note="Panel has met",
        evidence_url="https://intranet.example/minutes",
    )
    review(
        session,
        "NOR-2018-AFI-02",
        accept=True,
        by=people["manager"].email,
        now=at(date(2027, 1, 28)),
    )
    _update(
        session,
        "NOR-2018-REC-05",
        date(2027, 1, 5),
        t,
        status=Status.BLOCKED,
        progress=20,
        note="Waiting for the survey",
    )
    _update(
        session,
        "NOR-2018-AFI-03",
        date(2027, 3, 9),
        t,
        status=Status.COMPLETED,
        progress=100,
        note=f"Quarterly report live {SCRIPT}",
    )
    _update(
        session,
        "NOR-2018-AFI-04",
        date(2027, 3, 10),
        t,
        status=Status.IN_PROGRESS,
        progress=60,
        note="Pilot running",
    )
    session.commit()
    return people


def _content(session: Session, **kwargs: object):  # type: ignore[no-untyped-def]
    return build(gather(session, AS_OF, Policy(), **kwargs))  # type: ignore[arg-type]


def test_counts_overdue_and_updates_match_the_database(session: Session, scenario: dict) -> None:
    c = _content(session, inspection_code="NOR-2018")
    s = c.summary
    assert s["total"] == 5 and s["open"] == 3 and s["inspections"] == ["NOR-2018"]
    assert s["status"] == {
        "open": 1,
        "in_progress": 1,
        "blocked": 1,
        "completed": 1,
        "closed": 1,
        "superseded": 0,
        "not_accepted": 0,
    }
    # AFI-01: deadline passed, no update → red; REC-05 blocked → red; AFI-04 updated 5 days ago,
    # deadline > 14 days away → green.
    assert s["rag"] == {"red": 2, "amber": 0, "green": 1}
    assert s["kind"] == {"area_for_improvement": 4, "cause_of_concern": 0, "recommendation": 1}
    # 15 Mar − 15 Jan = 59 days (policy level 3 from 21 days); 15 Mar − 1 Mar = 14 (level 2).
    assert [
        (r.view.ref, r.view.days_overdue, r.view.escalation_level, r.policy_level)
        for r in c.overdue
    ] == [("NOR-2018-AFI-01", 59, 2, 3), ("NOR-2018-REC-05", 14, 0, 2)]
    # Previous report = 8 Mar: updates on 9 and 10 Mar count, newest first.
    assert [u.ref for u in c.updates] == ["NOR-2018-AFI-04", "NOR-2018-AFI-03"]
    assert s["updates_since"] == 2 and s["closed_since"] == 0
    owners = {r.label: (r.total, r.open, r.overdue, r.done) for r in c.by_owner}
    assert owners == {"Olive Owner": (2, 1, 1, 1), "Oscar Other": (3, 2, 1, 1)}
    everything = _content(session)
    assert everything.summary["total"] == 6 and len(everything.sections) == 2


def test_burnup_and_forecast_are_rebuilt_from_the_audit_trail(
    session: Session, scenario: dict
) -> None:
    c = _content(session, inspection_code="NOR-2018")
    assert [(p.day, p.scope, p.done, p.closed) for p in c.burnup_points] == [
        (date(2026, 11, 20), 5, 0, 0),
        (date(2027, 1, 20), 5, 1, 0),  # AFI-02 completed
        (date(2027, 1, 28), 5, 1, 1),  # … and closed on review
        (date(2027, 3, 9), 5, 2, 1),  # AFI-03 completed
        (AS_OF, 5, 2, 1),
    ]
    (f,) = c.forecasts
    # History started 20 Nov (115 days ago) → the full 90-day window (15 Dec – 15 Mar), holding
    # both completions (20 Jan, 9 Mar). 78 days to 1 Jun: floor(2 × 78 / 90) = 1 more done.
    assert (f.window_days, f.completed_in_window, f.days_left) == (90, 2, 78)
    assert (f.open_now, f.expected_completions, f.predicted_open) == (3, 1, 2)
    # AFI-04 (60%) is the one expected done; REC-05 (20%) and AFI-01 (0%) stay open.
    assert [i.ref for i in f.still_open] == ["NOR-2018-REC-05", "NOR-2018-AFI-01"]
    assert f.projected_finish == date(2027, 7, 28)  # 15 Mar + ceil(3 × 90 / 2) = 135 days


def test_owner_scope_and_constant_query_count(session: Session, scenario: dict, engine) -> None:  # type: ignore[no-untyped-def]
    scoped = _content(session, owner_emails=["OTHER@force.example"])
    assert scoped.summary["total"] == 3
    assert {v.view.ref for s in scoped.sections for g in s.groups for v in g.items} == {
        "NOR-2018-AFI-03",
        "NOR-2018-AFI-04",
        "NOR-2018-REC-05",
    }

    def count_queries() -> int:
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            gather(session, AS_OF, Policy(), with_evidence=True)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    before = count_queries()
    for n in range(10, 30):
        seed_action(session, ref=f"NOR-2018-AFI-{n}", owner=scenario["owner"])
    session.commit()
    assert count_queries() == before  # set-based: no query per action


def test_html_is_escaped_self_contained_and_secret_free(
    session: Session, scenario: dict, tmp_path: Path
) -> None:
    out = generate_report(tmp_path, ["html", "md", "csv"], AS_OF, inspection_code="nor-2018")
    html = out.paths["html"].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT not in html
    assert "<script" not in html.lower()
    assert 'src="http' not in html and "<link" not in html  # nothing fetched from outside
    assert '<span class="rag rag-red">Red</span>' in html  # a word, not only a colour
    assert '<th scope="col">' in html and "<h2" in html and "@page" in html
    assert "https://intranet.example/minutes" in html  # evidence traced
    assert SCRIPT not in out.markdown and "&lt;script&gt;" in out.markdown
    for path in out.paths.values():
        assert SECRET not in path.read_text(encoding="utf-8-sig")
    assert SECRET not in str(out.summary)


def test_csv_and_xlsx_rows(session: Session, scenario: dict, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = generate_report(tmp_path, ["csv", "xlsx"], AS_OF)
    with out.paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["ref"] for r in rows][:2] == ["NOR-2018-AFI-01", "NOR-2018-AFI-02"]
    assert len(rows) == 6
    first = rows[0]
    assert (first["days_overdue"], first["rag"], first["owner_email"]) == (
        "59",
        "red",
        "owner@force.example",
    )
    assert rows[1]["status"] == "closed" and rows[1]["rag"] == "done"
    book = load_workbook(out.paths["xlsx"])
    assert book.sheetnames == ["Summary", "Actions", "Overdue", "Updates", "By owner", "Forecast"]
    assert book["Actions"].max_row == 7 and book["Overdue"].max_row == 3
    assert book["Forecast"].max_row == 3  # one line per inspection (OTH-2020 has no date)
    assert book["Overdue"]["B2"].value == short_title(
        "The force should: Improve engagement <script>alert(1)</script>."
    )


def test_pdf_opens_with_summary_first_and_findings_on_their_own_pages(
    session: Session, scenario: dict, tmp_path: Path, database_url: str
) -> None:
    if database_url.startswith("postgresql"):
        pytest.skip("PDF layout does not depend on the database; rendered once, on SQLite")
    import pypdf

    out = generate_report(
        tmp_path, ["pdf"], AS_OF, inspection_code="NOR-2018", title="Board report"
    )
    pages = [p.extract_text() for p in pypdf.PdfReader(out.paths["pdf"]).pages]
    assert len(pages) >= 3
    assert "Board report" in pages[0] and "Headline figures" in pages[0]
    assert f"Page 1 of {len(pages)}" in pages[0]
    start = next(i for i, text in enumerate(pages) if "Findings and their actions" in text)
    assert start > 0 and "Overdue actions" not in pages[start]  # a page break before it
    assert "NOR-2018-AFI-01" in pages[start] and "<script>alert(1)</script>" in pages[start]


def test_statutory_response_and_pack(session: Session, scenario: dict, tmp_path: Path) -> None:
    from docx import Document

    paths = generate_statutory_response(tmp_path, "NOR-2018", AS_OF)
    html = paths["html"].read_text(encoding="utf-8")
    assert "Due by 15 Jan 2027" in html  # 20 Nov 2026 + 56 days
    assert html.index("Recommendations") < html.index("Areas for improvement")
    assert "Panel has met" in html and "&lt;script&gt;" in html and SCRIPT not in html
    text = "\n".join(p.text for p in Document(str(paths["docx"])).paragraphs)
    assert "The force should: Tackle perceived unfairness." in text
    pack = generate_pack(tmp_path, "NOR-2018", AS_OF)
    pack_html = pack.paths["html"].read_text(encoding="utf-8")
    assert "https://intranet.example/tor" in pack_html  # earlier evidence, not just the latest
    assert set(pack.paths) == {"html", "pdf", "md"}


def test_cli_report(
    capsys: pytest.CaptureFixture[str], session: Session, scenario: dict, tmp_path: Path
) -> None:
    result = actions(
        capsys,
        "report",
        "--format",
        "html,md",
        "--as-of",
        "2027-03-15",
        "--out",
        str(tmp_path),
        "--inspection",
        "NOR-2018",
        "--json",
    )
    assert result.code == 0, result.err
    files = result.json()["files"]
    assert set(files) == {"html", "md"} and Path(files["html"]).exists()
    assert result.json()["summary"]["overdue"] == 2
    bad = actions(capsys, "report", "--format", "html,docx")
    assert bad.code == 2 and bad.err.strip().count("\n") == 0 and "--format docx" in bad.err
    assert actions(capsys, "report", "--statutory").code == 2
    unknown = actions(capsys, "report", "--inspection", "NOPE-1", "--format", "md")
    assert unknown.code == 2 and "unknown inspection" in unknown.err
    since = actions(capsys, "report", "--since", "2027-04-01", "--as-of", "2027-03-15")
    assert since.code == 2
    text = actions(
        capsys, "report", "--statutory", "--inspection", "NOR-2018", "--out", str(tmp_path)
    )
    assert text.code == 0 and ".docx" in text.out


def test_cli_report_needs_an_initialised_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    result = actions(capsys, "report", "--format", "md", "--out", str(tmp_path))
    assert result.code == 1 and "actions init" in result.err


@pytest.mark.parametrize("where", ["/proc/actions-reports", "/proc/self/actions-reports"])
def test_report_to_an_unwritable_place_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], database_url: str, where: str
) -> None:
    from tests.support.cli_runner import actions

    assert actions(capsys, "init").code == 0
    result = actions(capsys, "report", "--out", where, "--format", "md,html")
    assert result.code == 2
    assert result.err.startswith(f"error: {where}: cannot write reports there")
    assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_only_the_scheduled_report_writes_the_packs_that_are_due(
    session: Session, scenario: dict, tmp_path: Path
) -> None:
    """NOR-2018's next inspection is on 1 June 2027: its pack is due from 9 March (12 weeks)."""
    from actions import services

    assert services.write_due_packs(tmp_path / "early", date(2027, 3, 8)) == []
    due = services.write_due_packs(tmp_path / "due", date(2027, 3, 9))
    assert [pack["inspection"] for pack in due] == ["NOR-2018"]
    assert Path(due[0]["html"]).exists() and Path(due[0]["pdf"]).exists()
    # `actions report` (send=False) writes the report only, as docs/commands.md says.
    written = services.progress_report(date(2027, 3, 9), tmp_path / "cli", formats="md", send=False)
    assert written["packs"] == [] and written["queued"] == []
    assert [p.name for p in (tmp_path / "cli").iterdir()] == [Path(written["files"]["md"]).name]
