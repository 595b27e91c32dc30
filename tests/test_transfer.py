"""Bulk export and import of actions (docs/files.md, docs/lifecycle.md), on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from actions.common.dates import today
from actions.common.errors import RowErrors
from actions.common.tabular import Row, read_table
from actions.domain.models import Action, AuditRecord, Finding, Inspection
from actions.transfer import (
    COLUMNS,
    Snapshot,
    export_actions,
    import_actions,
    midday_london,
    neutralise,
    parse_row,
    plan_import,
    restore,
)
from tests.support.cli_runner import actions
from tests.support.helpers import dump, seed_action, seed_people

AS_OF = "2027-01-10"
LABEL = "PEEL 2018 legitimacy"


# --------------------------------------------------------------------------- helpers


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    return path


def new_row(**values: Any) -> dict[str, Any]:
    row = {
        "ref": "",
        "inspection": LABEL,
        "kind": "area_for_improvement",
        "finding": "The force should publish its stop and search data.",
        "title": "",
        "owner_email": "owner@force.example",
        "deadline": "2027-06-30",
        "status": "open",
        "progress": "0",
        "last_update_on": "",
        "notes": "",
    }
    row.update(values)
    return row


@pytest.fixture
def seeded(session: Session) -> dict[str, Any]:
    people = seed_people(session)
    people["owner"].notify = "mailtos://user:hunter2secret@mail.example"
    first = seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-01")
    first.notes = "=cmd|' /C calc'!A0"
    first.progress = 40
    second = seed_action(session, ref="NOR-2018-REC-01", kind="recommendation", deadline=None)
    session.commit()
    return {"people": people, "first": first, "second": second}


def action_by_ref(session: Session, ref: str) -> Action:
    session.expire_all()
    return session.execute(select(Action).where(col(Action.ref) == ref)).scalar_one()


def audits(session: Session, action_id: int) -> list[AuditRecord]:
    stmt = select(AuditRecord).where(col(AuditRecord.action_id) == action_id)
    return list(session.execute(stmt.order_by(col(AuditRecord.id))).scalars())


# --------------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    "value", ["=1+1", "+44 1234", "-5", "@SUM(A1)", "\tTab", "\rCR", "'quoted", "''", "plain", ""]
)
def test_neutralise_is_exactly_reversed(value: str) -> None:
    escaped = neutralise(value)
    assert restore(escaped) == value
    assert escaped[:1] not in {"=", "+", "-", "@", "\t", "\r"}


def test_restore_keeps_an_apostrophe_before_ordinary_text() -> None:
    assert restore("'tis") == "'tis"


# --------------------------------------------------------------------------- export


def test_export_csv_columns_values_and_no_secrets(
    seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "actions.csv"
    result = export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    assert result.rows == 2
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + b",".join(c.encode() for c in COLUMNS))
    assert b"hunter2secret" not in raw and b"mailtos" not in raw
    rows = read_csv(out)
    first = rows[0]
    assert first["ref"] == "NOR-2018-AFI-01"
    assert first["inspection"] == LABEL
    assert first["finding"] == "The force should improve how it seeks feedback from the public."
    assert first["owner_email"] == "owner@force.example"
    assert first["deadline"] == "2027-03-31"
    assert (first["status"], first["progress"], first["last_update_on"]) == ("open", "40", "")
    assert first["notes"] == "'=cmd|' /C calc'!A0"  # neutralised
    assert rows[1]["owner_email"] == ""
    export_actions(out, "csv", today(), engine=engine)
    assert read_csv(out)[1]["rag"] == "green"  # no deadline, created today


def test_export_rag_is_as_of_the_given_date(
    seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "actions.csv"
    export_actions(out, "csv", date(2027, 4, 1), engine=engine)
    assert read_csv(out)[0]["rag"] == "red"  # deadline 2027-03-31 has passed
    export_actions(out, "csv", date(2027, 3, 25), engine=engine)
    assert read_csv(out)[0]["rag"] == "amber"  # within 14 days, progress < 75


def test_export_xlsx_holds_the_same_cells(
    seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    export_actions(tmp_path / "a.csv", None, date(2027, 1, 10), engine=engine)
    export_actions(tmp_path / "a.xlsx", None, date(2027, 1, 10), engine=engine)
    _, rows = read_table(tmp_path / "a.xlsx", COLUMNS)
    from_xlsx = [{c: r.values.get(c, "") for c in COLUMNS} for r in rows]
    assert from_xlsx == read_csv(tmp_path / "a.csv")


def test_cli_export_json_and_unknown_format(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    result = actions(capsys, "export", "--out", str(out), "--as-of", AS_OF, "--json")
    assert result.code == 0
    assert result.json() == {"path": str(out), "format": "csv", "rows": 2, "as_of": AS_OF}
    bad = actions(capsys, "export", "--format", "ods", "--out", str(out))
    assert bad.code == 2 and "use csv or xlsx" in bad.err and "Traceback" not in bad.err


# --------------------------------------------------------------------------- import: updates


def test_round_trip_changes_nothing(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    assert actions(capsys, "export", "--out", str(first), "--as-of", AS_OF).code == 0
    before = dump(engine)
    result = actions(capsys, "import", str(first), "--json")
    assert result.code == 0, result.err
    assert result.json()["unchanged"] == 2 and result.json()["created"] == 0
    assert dump(engine) == before
    second = tmp_path / "second.csv"
    assert actions(capsys, "export", "--out", str(second), "--as-of", AS_OF).code == 0
    assert second.read_bytes() == first.read_bytes()


def test_known_ref_updates_changed_fields_only_and_audits_them(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "tracker.csv"
    export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    rows = read_csv(out)
    rows[0].update(
        title="Seek public feedback",
        deadline="2027-09-30",
        status="blocked",
        owner_email="other@force.example",
        finding="Rewritten finding text",  # not applied to an existing action
        kind="recommendation",  # not applied either
    )
    result = import_actions(write_csv(out, rows), engine=engine)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    action = action_by_ref(session, "NOR-2018-AFI-01")
    assert action.title == "Seek public feedback"
    assert action.deadline == date(2027, 9, 30)
    assert action.original_deadline == date(2027, 3, 31)
    assert action.status == "blocked" and action.progress == 40
    assert action.owner_id == seeded["people"]["other"].id
    finding = session.get(Finding, action.finding_id)
    assert finding is not None and finding.text.startswith("The force should improve")
    assert finding.kind == "area_for_improvement"
    assert action.id is not None
    trail = {(r.field, r.old, r.new) for r in audits(session, action.id)}
    assert trail == {
        (
            "title",
            "The force should improve how it seeks feedback from the public",
            "Seek public feedback",
        ),
        ("deadline", "2027-03-31", "2027-09-30"),
        ("status", "open", "blocked"),
        ("owner", "owner@force.example", "other@force.example"),
    }
    records = audits(session, action.id)
    assert {r.actor for r in records} == {"import:tracker.csv"}
    assert {r.reason for r in records} == {"tracker.csv"}


def test_blank_cells_clear_owner_deadline_notes_but_keep_status_progress_title(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "t.csv"
    export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    rows = read_csv(out)
    rows[0].update(owner_email="", deadline="", notes="", status="", progress="", title="")
    import_actions(write_csv(out, rows), engine=engine)
    action = action_by_ref(session, "NOR-2018-AFI-01")
    assert (action.owner_id, action.deadline, action.notes) == (None, None, "")
    assert (action.status, action.progress) == ("open", 40)
    assert action.title.startswith("The force should improve")
    assert action.original_deadline == date(2027, 3, 31)


def test_first_deadline_becomes_the_original_and_deadline_change_ends_escalation(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    second = action_by_ref(session, "NOR-2018-REC-01")
    second.escalation_level = 2
    session.commit()
    out = tmp_path / "t.csv"
    export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    rows = read_csv(out)
    rows[1]["deadline"] = "2027-12-01"
    import_actions(write_csv(out, rows), engine=engine)
    action = action_by_ref(session, "NOR-2018-REC-01")
    assert action.deadline == action.original_deadline == date(2027, 12, 1)
    assert action.escalation_level == 0


def test_closing_by_import_sets_closed_at(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    out = tmp_path / "t.csv"
    export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    rows = read_csv(out)
    rows[0]["status"] = "closed"
    import_actions(write_csv(out, rows), engine=engine)
    action = action_by_ref(session, "NOR-2018-AFI-01")
    assert action.status == "closed" and action.closed_at is not None


# --------------------------------------------------------------------------- import: creates


def test_blank_ref_gets_the_next_free_ref_of_the_inspection_and_kind(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    rows = [
        new_row(last_update_on="2026-01-15", notes="migrated", progress="30"),
        new_row(kind="AFI", finding="Second finding."),
        new_row(ref="NOR-2018-REC-09", kind="recommendation", finding="Kept ref."),
        new_row(kind="recommendation", finding="After the kept ref."),
    ]
    result = import_actions(write_csv(tmp_path / "new.csv", rows), engine=engine)
    assert result.created_refs == (
        "NOR-2018-AFI-02",
        "NOR-2018-AFI-03",
        "NOR-2018-REC-09",
        "NOR-2018-REC-10",
    )
    assert result.inspections_created == 0
    action = action_by_ref(session, "NOR-2018-AFI-02")
    assert action.inspection_id == seeded["first"].inspection_id
    assert action.title == "The force should publish its stop and search data"
    assert action.last_update_at == datetime(2026, 1, 15, 12, tzinfo=UTC)  # noon GMT
    assert (action.progress, action.notes, action.original_deadline) == (
        30,
        "migrated",
        date(2027, 6, 30),
    )
    finding = session.get(Finding, action.finding_id)
    assert finding is not None and finding.text == rows[0]["finding"]
    assert action.id is not None
    assert [(r.field, r.new, r.actor) for r in audits(session, action.id)] == [
        ("created", "NOR-2018-AFI-02", "import:new.csv")
    ]


def test_last_update_on_is_midday_london() -> None:
    assert midday_london(date(2026, 7, 1)) == datetime(2026, 7, 1, 11, tzinfo=UTC)  # BST


def test_unknown_inspection_is_created_with_the_code_of_its_refs(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    rows = [
        new_row(inspection="Wiltshire PEEL 2021", finding="No ref yet."),
        new_row(inspection="wiltshire  peel 2021", ref="WIL-2021-COC-01", kind="cause_of_concern"),
        new_row(inspection="Brand new thing", finding="Derived code."),
    ]
    result = import_actions(write_csv(tmp_path / "n.csv", rows), engine=engine)
    assert result.inspections_created == 2
    assert result.created_refs == ("WIL-2021-AFI-01", "WIL-2021-COC-01", "BRA-AFI-01")
    made = {i.code: i for i in session.execute(select(Inspection)).scalars()}
    assert made["WIL-2021"].title == made["WIL-2021"].body == "Wiltshire PEEL 2021"
    assert made["BRA"].title == "Brand new thing"
    inspection_audit = session.execute(
        select(AuditRecord).where(col(AuditRecord.entity) == "inspection")
    ).scalars()
    assert {r.new for r in inspection_audit} == {"WIL-2021", "BRA"}


def test_inspection_is_found_by_code_too(
    seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    rows = [new_row(inspection="nor-2018")]
    result = import_actions(write_csv(tmp_path / "n.csv", rows), engine=engine)
    assert (result.inspections_created, result.created_refs) == (0, ("NOR-2018-AFI-02",))


def test_dry_run_reports_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    out = tmp_path / "t.csv"
    export_actions(out, "csv", date(2027, 1, 10), engine=engine)
    rows = [*read_csv(out), new_row()]
    rows[0]["progress"] = "55"
    before = dump(engine)
    result = actions(capsys, "import", str(write_csv(out, rows)), "--dry-run")
    assert result.code == 0
    assert "would create 1, would update 1, left 1 unchanged" in result.out
    assert "+ NOR-2018-AFI-02" in result.out and "~ NOR-2018-AFI-01" in result.out
    as_json = actions(capsys, "import", str(out), "--dry-run", "--json").json()
    assert as_json["dry_run"] is True and as_json["created"] == 1 and as_json["updated"] == 1
    assert dump(engine) == before


# --------------------------------------------------------------------------- import: refusals


def test_cli_malformed_file_lists_every_bad_line_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    rows = [
        new_row(),  # line 2: fine
        new_row(deadline="2027-02-30"),  # line 3
        new_row(owner_email="not an email"),  # 4
        new_row(owner_email="stranger@force.example"),  # 5
        new_row(status="finished"),  # 6
        new_row(progress="101"),  # 7
        new_row(progress="lots"),  # 8
        new_row(kind="observation"),  # 9
        new_row(ref="NOR-2018-AFI-01", finding=""),  # 10: known ref, fine
        new_row(ref="NOR-2018-AFI-01"),  # 11: duplicate
        new_row(finding=""),  # 12
        new_row(inspection=""),  # 13
        new_row(last_update_on="2027-13-01"),  # 14
    ]
    before = dump(engine)
    result = actions(capsys, "import", str(write_csv(tmp_path / "bad.csv", rows)))
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert lines[0] == f"error: {tmp_path / 'bad.csv'}: 11 invalid row(s), nothing written"
    assert lines[1:] == [
        "  line 3: deadline 2027-02-30 is not a date",
        "  line 4: owner_email 'not an email' is not an email address",
        "  line 5: owner stranger@force.example is not in the people directory "
        "(add them with `actions people import`)",
        "  line 6: unknown status 'finished' (one of: open, in_progress, blocked, completed, "
        "closed, superseded, not_accepted)",
        "  line 7: progress 101 is outside 0-100",
        "  line 8: progress 'lots' is not a whole number",
        "  line 9: kind 'observation' is unknown (one of: area_for_improvement, "
        "cause_of_concern, recommendation)",
        "  line 11: duplicate ref NOR-2018-AFI-01 (also line 10)",
        "  line 12: finding text is empty (a new action needs its finding)",
        "  line 13: inspection is empty (a new action needs one)",
        "  line 14: last_update_on 2027-13-01 is not a date",
    ]
    assert dump(engine) == before


def test_refusals_of_new_rows(seeded: dict[str, Any], engine: Engine, tmp_path: Path) -> None:
    rows = [
        new_row(ref="not a ref"),
        new_row(ref="NOR-2018-COC-05"),  # kind says area_for_improvement
        new_row(kind=""),
        new_row(last_update_on="2999-01-01"),
        new_row(title="x" * 301),
    ]
    with pytest.raises(RowErrors) as caught:
        import_actions(write_csv(tmp_path / "bad.csv", rows), engine=engine)
    assert caught.value.problems == [
        "line 2: ref NOT A REF is unknown and not a valid ref (e.g. NOR-2018-AFI-03)",
        "line 3: ref NOR-2018-COC-05 does not match kind area_for_improvement",
        "line 4: kind is empty (a new action needs one)",
        "line 5: last_update_on 2999-01-01 is in the future",
        "line 6: title is longer than 300 characters",
    ]


def test_an_inspection_name_shared_by_two_inspections_is_refused(
    seeded: dict[str, Any], engine: Engine, session: Session, tmp_path: Path
) -> None:
    session.add(Inspection(code="NOR-2018B", body="Northamptonshire Police", title=LABEL))
    session.commit()
    with pytest.raises(RowErrors) as caught:
        import_actions(write_csv(tmp_path / "a.csv", [new_row()]), engine=engine)
    assert caught.value.problems == [
        f"line 2: inspection {LABEL!r} names several inspections (NOR-2018, NOR-2018B): "
        "use the code"
    ]


def test_missing_columns_and_empty_files_are_user_errors(
    capsys: pytest.CaptureFixture[str], database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "few.csv").write_text("ref,title\nX,Y\n", encoding="utf-8")
    result = actions(capsys, "import", str(tmp_path / "few.csv"))
    assert result.code == 2 and "missing column(s): inspection, kind" in result.err
    write_csv(tmp_path / "empty.csv", [])
    result = actions(capsys, "import", str(tmp_path / "empty.csv"))
    assert result.code == 2 and "no actions in the file" in result.err


def test_dates_in_uk_spreadsheet_form_are_accepted() -> None:
    row = Row(2, {**new_row(deadline="31/03/2027"), "kind": "REC"})
    parsed, problems = parse_row(row, date(2027, 1, 1))
    assert problems == []
    assert parsed.deadline == date(2027, 3, 31) and parsed.kind == "recommendation"


def test_planning_needs_no_database() -> None:
    snapshot = Snapshot(people={"a@b.example": 1}, actions={}, inspections={}, max_seq={})
    parsed, problems = parse_row(Row(2, new_row(owner_email="a@b.example")), date(2027, 1, 1))
    plan = plan_import([parsed], snapshot, problems)
    assert problems == []
    assert [(a.ref, a.owner_id) for a in plan.creates] == [("PEE-2018-AFI-01", 1)]


@pytest.mark.parametrize("command", ["import", "export"])
def test_commands_have_help(capsys: pytest.CaptureFixture[str], command: str) -> None:
    result = actions(capsys, command, "--help")
    assert result.code == 0 and "Usage" in result.out


def test_import_of_a_missing_file_is_one_line(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    result = actions(capsys, "import", "nowhere.csv")
    assert (result.code, result.err) == (2, "error: nowhere.csv: no such file\n")


# --------------------------------------------------------------------------- malformed CSV


def test_an_unclosed_quote_is_refused_with_its_line_not_swallowing_rows(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    """csv's lenient mode read to the end of the file inside the quote: rows 3 and 4 vanished
    into one cell and the import reported success."""
    before = dump(engine)
    path = tmp_path / "bad.csv"
    header = ",".join(COLUMNS)
    good = ",NOR Inspection,area_for_improvement,The force should improve vetting.,,,,,,,,,"
    path.write_text(
        f"{header}\n{good}\n"
        ',NOR Inspection,area_for_improvement,"The force should record reasons.,,,,,,,,,\n'
        f"{good}\n{good}\n",
        encoding="utf-8",
    )
    result = actions(capsys, "import", str(path))
    assert result.code == 2
    assert result.err.strip() == f'error: {path}: line 3: a quote (") opened here is never closed'
    assert dump(engine) == before
    people = tmp_path / "people.csv"
    people.write_text(
        'email,name,manager_email,notify,role\na@x.example,"Ann,,,\nb@x.example,Bob,,,\n',
        encoding="utf-8",
    )
    result = actions(capsys, "people", "import", str(people))
    assert result.code == 2 and "line 2: a quote" in result.err


def test_a_quoted_cell_may_span_lines_and_keeps_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('a,b\n1,"two\nlines"\n3,x\n', encoding="utf-8")
    _, rows = read_table(path, ["a", "b"])
    assert [(r.line, r.values["b"]) for r in rows] == [(2, "two\nlines"), (3, "x")]


# --------------------------------------------------------------------------- export --out


def test_export_writes_through_a_symlink_and_keeps_ordinary_modes(
    seeded: dict[str, Any], engine: Engine, tmp_path: Path
) -> None:
    target = tmp_path / "shared" / "actions.csv"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "actions.csv"
    link.symlink_to(target)
    export_actions(link, "csv", date(2027, 1, 10), engine=engine)
    assert link.is_symlink() and link.resolve() == target  # the link is still a link
    assert read_csv(target)[0]["ref"] == "NOR-2018-AFI-01"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file's own mode, kept
    fresh = tmp_path / "fresh.csv"
    old_umask = os.umask(0o022)
    try:
        export_actions(fresh, "csv", date(2027, 1, 10), engine=engine)
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644  # not the temporary file's 0600


def test_export_to_a_fifo_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], tmp_path: Path
) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = actions(capsys, "export", "--format", "csv", "--out", str(fifo))
    assert result.code == 2
    assert result.err.strip() == f"error: {fifo}: not a regular file; name a file to write"
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # left as it was


# --------------------------------------------------------------------------- control characters


@pytest.mark.parametrize("character", ["\x1b", "\x0b", "\x01", "\x7f"])
def test_control_characters_are_refused_on_import_with_their_line(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path, character: str
) -> None:
    before = dump(engine)
    path = tmp_path / "bad.csv"
    rows = [new_row(), new_row(finding=f"The force should improve{character} vetting.")]
    write_csv(path, rows)
    result = actions(capsys, "import", str(path))
    assert result.code == 2
    assert f"line 3: column finding holds a control character (U+{ord(character):04X})" in (
        result.err
    )
    assert dump(engine) == before
    people = tmp_path / "people.csv"
    people.write_text(
        f"email,name,manager_email,notify,role\na@x.example,Ann{character}Lee,,,\n",
        encoding="utf-8",
    )
    result = actions(capsys, "people", "import", str(people))
    assert result.code == 2 and "line 2: column name holds a control character" in result.err


def test_the_xlsx_report_survives_control_characters_already_stored(
    capsys: pytest.CaptureFixture[str], seeded: dict[str, Any], session: Session, tmp_path: Path
) -> None:
    action = action_by_ref(session, "NOR-2018-AFI-01")
    action.title = "Vetting \x1b[31m review \x0b with controls"
    session.commit()
    result = actions(capsys, "report", "--out", str(tmp_path), "--format", "xlsx")
    assert result.code == 0, result.err
    from openpyxl import load_workbook

    [path] = tmp_path.glob("*.xlsx")
    rows = list(load_workbook(path)["Actions"].iter_rows(values_only=True))
    titles = [row[rows[0].index("title")] for row in rows[1:]]
    assert "Vetting [31m review  with controls" in titles
