"""Ingest (docs/commands.md, docs/files.md, docs/lifecycle.md): report file → inspection,
findings, one action per finding.

Driven through the CLI (`actions ingest … --json`) and the service, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col

from actions.domain.models import Action, AuditRecord, Finding, Inspection, Person
from actions.intake.ingest import InspectionMeta
from actions.services import ingest_report
from tests.support.cli_runner import Result, actions
from tests.support.extract_formats import norm_text, write_pdf, write_text_as
from tests.support.helpers import PEOPLE_CSV, write

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "src" / "actions" / "sample"
SAMPLE = SAMPLE_DIR / "northamptonshire_peel2018_legitimacy.txt"
BODY = "Northamptonshire Police"
TEST_BODY = "Testshire Police"
SAMPLE_REFS = [f"NOR-2018-AFI-{n:02d}" for n in range(1, 10)]

# A PEEL-style report with a cause of concern, its recommendations and their stated deadlines.
COC_REPORT = """Testshire Police PEEL inspection 2019

How good is the force at protecting vulnerable people?

Inadequate

Cause of concern

The force does not respond quickly enough to calls for service from vulnerable people.

Recommendations

By 31 March 2020, the force should review how it grades calls from vulnerable people.

Within six months, the force should make sure its control room has enough staff.

How good is the force at managing offenders?

Requires improvement

Areas for improvement

  • The force should improve how it manages registered sex offenders.
"""


# -- helpers -------------------------------------------------------------------------------------
def ingest(capsys: pytest.CaptureFixture[str], path: Path, *extra: str, body: str = BODY) -> Result:
    return actions(capsys, "ingest", str(path), "--body", body, "--json", *extra)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table: what "nothing written" is checked against."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


def actions_by_ref(session: Session) -> dict[str, Action]:
    session.expire_all()
    return {a.ref: a for a in session.execute(select(Action)).scalars()}


def finding_of(session: Session, ref: str) -> Finding:
    action = actions_by_ref(session)[ref]
    finding = session.get(Finding, action.finding_id)
    assert finding is not None
    return finding


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def revise(lines: list[str], *, edit: str, new_text: str, drop: str, add_after: str) -> str:
    """The sample with one finding reworded, one removed and one new bullet after another."""
    out: list[str] = []
    for line in lines:
        if edit in line:
            line = line.replace(edit, new_text)
        if drop in line:
            continue
        out.append(line)
        if add_after in line:
            out.append("  • The force should publish the outcome of its vetting reviews.")
    return "\n".join(out) + "\n"


# -- the sample report ---------------------------------------------------------------------------
def test_sample_ingest_creates_inspection_findings_and_actions(
    capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    result = ingest(capsys, SAMPLE)
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["outcome"] == "new"
    assert summary["created"] == SAMPLE_REFS
    assert summary["findings"] == 9 and summary["dry_run"] is False

    inspections = session.execute(select(Inspection)).scalars().all()
    assert [(i.code, i.body) for i in inspections] == [("NOR-2018", BODY)]
    findings = session.execute(select(Finding).order_by(Finding.seq)).scalars().all()  # type: ignore[arg-type]
    assert len(findings) == 9
    assert {f.kind for f in findings} == {"area_for_improvement"}
    first = finding_of(session, "NOR-2018-AFI-01")
    assert first.question == (
        "To what extent does the force treat all of the people it serves with fairness and respect?"
    )
    assert first.judgement == "Requires improvement"
    assert "communicates with the different communities" in first.text
    assert sorted(actions_by_ref(session)) == SAMPLE_REFS
    created = session.execute(
        select(col(AuditRecord.new)).where(AuditRecord.field == "created")  # type: ignore[arg-type]
    ).scalars()
    assert sorted(created) == SAMPLE_REFS


def test_dry_run_writes_nothing_and_reports_the_same_refs(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    before = counts(engine)
    dry = ingest(capsys, SAMPLE, "--dry-run")
    assert dry.code == 0, dry.err
    assert counts(engine) == before
    assert dry.json()["dry_run"] is True
    real = ingest(capsys, SAMPLE)
    assert real.json()["created"] == dry.json()["created"] == SAMPLE_REFS


def test_dry_run_text_output_says_would(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    result = actions(capsys, "ingest", str(SAMPLE), "--body", BODY, "--dry-run")
    assert result.code == 0, result.err
    assert "would create 9 action(s)" in result.out
    assert counts(engine)["action"] == 0


def test_same_file_twice_is_a_no_op_that_says_so(
    capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    assert ingest(capsys, SAMPLE).code == 0
    before = counts(engine)
    again = ingest(capsys, SAMPLE)
    assert again.code == 0, again.err
    assert again.json()["outcome"] == "unchanged"
    assert again.json()["created"] == []
    assert "already ingested" in again.json()["note"]
    text = actions(capsys, "ingest", str(SAMPLE), "--body", BODY)
    assert "already ingested as NOR-2018" in text.out
    assert counts(engine) == before


def test_service_matches_the_cli(database_url: str) -> None:
    meta = InspectionMeta(body=BODY)
    dry = ingest_report(SAMPLE, meta, dry_run=True)
    real = ingest_report(SAMPLE, meta)
    assert dry["created"] == real["created"] == SAMPLE_REFS
    assert ingest_report(SAMPLE, meta)["outcome"] == "unchanged"


# -- revised versions ----------------------------------------------------------------------------
def test_revision_keeps_history_adds_next_ref_and_supersedes_vanished(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session, engine: Engine
) -> None:
    title = ("--title", "PEEL 2018 legitimacy")
    v1 = write(tmp_path / "v1.txt", "\n".join(sample_lines()) + "\n")
    v2 = write(
        tmp_path / "v2.txt",
        revise(
            sample_lines(),
            edit="effective external scrutiny on stop and search",
            new_text="independent external scrutiny of stop and search",
            drop="effective external scrutiny on the use of force",
            add_after="monitor its vetting decisions",
        ),
    )
    assert ingest(capsys, v1, *title).code == 0
    people = write(tmp_path / "people.csv", PEOPLE_CSV)
    assert actions(capsys, "people", "import", str(people)).code == 0
    posted = actions(
        capsys, "update", "NOR-2018-AFI-01", "--progress", "40", "--note", "Plan agreed",
        "--by", "owner@force.example",
    )  # fmt: skip
    assert posted.code == 0, posted.err

    result = ingest(capsys, v2, *title)
    assert result.code == 0, result.err
    summary = result.json()
    assert summary["outcome"] == "revision"
    # The reworded finding is a new one (matching is on the text); the added one follows it.
    assert summary["created"] == ["NOR-2018-AFI-10", "NOR-2018-AFI-11"]
    assert summary["superseded"] == ["NOR-2018-AFI-02", "NOR-2018-AFI-03"]
    assert summary["kept"] == 7

    by_ref = actions_by_ref(session)
    assert len(by_ref) == 11 and counts(engine)["finding"] == 11  # nothing deleted
    kept = by_ref["NOR-2018-AFI-01"]
    assert (kept.status, kept.progress, kept.last_update_note) == ("open", 40, "Plan agreed")
    assert counts(engine)["action_update"] == 1
    assert by_ref["NOR-2018-AFI-02"].status == by_ref["NOR-2018-AFI-03"].status == "superseded"
    assert by_ref["NOR-2018-AFI-11"].status == "open"
    assert "publish the outcome of its vetting" in finding_of(session, "NOR-2018-AFI-11").text
    superseded = (
        session.execute(
            select(col(AuditRecord.action_id)).where(
                AuditRecord.field == "status",  # type: ignore[arg-type]
                AuditRecord.new == "superseded",  # type: ignore[arg-type]
            )
        )
        .scalars()
        .all()
    )
    assert len(superseded) == 2
    assert set(superseded) == {by_ref["NOR-2018-AFI-02"].id, by_ref["NOR-2018-AFI-03"].id}

    # Either version again changes nothing: an earlier version must not undo its revision.
    before = counts(engine)
    for path in (v2, v1):
        again = ingest(capsys, path, *title)
        assert again.code == 0, again.err
        assert again.json()["outcome"] == "unchanged"
        assert again.json()["created"] == again.json()["superseded"] == []
    assert "earlier version of NOR-2018" in again.json()["note"]
    assert counts(engine) == before
    assert actions_by_ref(session)["NOR-2018-AFI-11"].status == "open"


def test_revision_links_a_new_recommendation_to_its_existing_cause_of_concern(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    v1 = write(tmp_path / "v1.txt", COC_REPORT)
    extra = "The force should train its call handlers to recognise vulnerability.\n\n"
    v2 = write(
        tmp_path / "v2.txt", COC_REPORT.replace("Within six months", extra + "Within six months")
    )
    assert ingest(capsys, v1, "--published", "2019-10-01", body=TEST_BODY).code == 0
    result = ingest(capsys, v2, "--published", "2019-10-01", body=TEST_BODY)
    assert result.code == 0, result.err
    [ref] = result.json()["created"]
    coc = finding_of(session, "TES-2019-COC-01")
    assert finding_of(session, ref).parent_id == coc.id


# -- deadlines and causes of concern ------------------------------------------------------------
def test_stated_deadlines_and_parents(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    report = write(tmp_path / "coc.txt", COC_REPORT)
    result = ingest(capsys, report, "--published", "2019-10-01", body=TEST_BODY)
    assert result.code == 0, result.err
    by_ref = actions_by_ref(session)
    assert by_ref["TES-2019-REC-01"].deadline == date(2020, 3, 31)  # "By 31 March 2020"
    assert by_ref["TES-2019-REC-02"].deadline == date(2020, 4, 1)  # "Within six months"
    assert by_ref["TES-2019-AFI-01"].deadline == date(2020, 4, 1)  # default: 6 months after
    # The concern states no date of its own: it is met when its last recommendation is.
    assert by_ref["TES-2019-COC-01"].deadline == date(2020, 4, 1)
    coc = finding_of(session, "TES-2019-COC-01")
    assert coc.judgement == "Inadequate"
    for ref in ("TES-2019-REC-01", "TES-2019-REC-02"):
        assert finding_of(session, ref).parent_id == coc.id
    assert finding_of(session, "TES-2019-AFI-01").parent_id is None


def test_default_deadline_before_next_inspection_from_policy(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = write(tmp_path / "policy.toml", '[deadlines]\ndefault = "before_next_inspection"\n')
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    report = write(tmp_path / "coc.txt", COC_REPORT)
    result = ingest(
        capsys, report, "--published", "2019-10-01", "--next-inspection", "2021-06-01",
        body=TEST_BODY,
    )  # fmt: skip
    assert result.code == 0, result.err
    by_ref = actions_by_ref(session)
    assert by_ref["TES-2019-AFI-01"].deadline == date(2021, 4, 6)  # 8 weeks before
    assert by_ref["TES-2019-REC-01"].deadline == date(2020, 3, 31)  # stated dates still win


def test_published_date_from_the_report_when_not_given(
    capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    assert ingest(capsys, SAMPLE).code == 0  # the page says "Last updated 27/09/2019"
    [inspection] = session.execute(select(Inspection)).scalars().all()
    assert inspection.published == date(2019, 9, 27)
    assert {a.deadline for a in actions_by_ref(session).values()} == {date(2020, 3, 27)}


def test_no_date_at_all_leaves_the_deadline_open(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    report = write(tmp_path / "coc.txt", COC_REPORT)
    assert ingest(capsys, report, body=TEST_BODY).code == 0
    by_ref = actions_by_ref(session)
    assert by_ref["TES-2019-REC-01"].deadline == date(2020, 3, 31)
    assert by_ref["TES-2019-AFI-01"].deadline is None  # nothing to count six months from


# -- assignment ---------------------------------------------------------------------------------
def test_assignment_rules_assign_owners_and_list_the_rest(
    capsys: pytest.CaptureFixture[str], session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_CONFIG", str(SAMPLE_DIR / "policy.toml"))
    assert actions(capsys, "people", "import", str(SAMPLE_DIR / "people.csv")).code == 0
    result = ingest(capsys, SAMPLE, "--published", "2019-09-27")
    assert result.code == 0, result.err
    emails = {p.id: p.email for p in session.execute(select(Person)).scalars()}
    owners = {ref: emails.get(a.owner_id or 0) for ref, a in actions_by_ref(session).items()}
    # "communicates with the different communities" → the "communit" rule
    assert owners["NOR-2018-AFI-01"] == "community.engagement@northants.example"
    # "monitor its vetting decisions" → the "vetting" rule
    assert owners["NOR-2018-AFI-04"] == "head.of.pso@northants.example"
    assert result.json()["unassigned"] == sorted(r for r, o in owners.items() if o is None)
    assigned = [r for r, o in owners.items() if o]
    assert len(assigned) >= 7


def test_rule_naming_an_unknown_person_is_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = write(
        tmp_path / "policy.toml",
        '[[assignment]]\nowner = "ghost@force.example"\nkeywords = ["wellbeing"]\n',
    )
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    result = ingest(capsys, SAMPLE)
    assert result.code == 2
    assert "ghost@force.example" in result.err and "unknown" in result.err
    assert result.err.count("\n") == 1
    assert counts(engine)["action"] == counts(engine)["inspection"] == 0


# -- bad input ----------------------------------------------------------------------------------
def _encrypted_pdf(path: Path) -> Path:
    import pypdf

    plain = path.with_name("plain.pdf")
    write_pdf("The force should improve the way it records crime.", plain)
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(plain))
    writer.encrypt("secret-password")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def _bad_file(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """The file for a bad-input case and what its error line must say."""
    if case == "missing":
        return tmp_path / "nowhere.txt", "no such file"
    if case == "empty":
        return write(tmp_path / "empty.txt", ""), "empty"
    if case == "binary":
        path = tmp_path / "garbage.txt"
        path.write_bytes(bytes(range(256)) * 64)
        return path, "not a text file"
    if case == "no_findings":
        path = write(tmp_path / "prose.txt", "A page of narrative that sets out no findings.\n")
        return path, f"no findings found in {path}"
    if case == "encrypted_pdf":
        return _encrypted_pdf(tmp_path / "locked.pdf"), "password-protected"
    if case == "too_big":
        monkeypatch.setattr("actions.intake.extract.readers.MAX_FILE_BYTES", 1024)
        return write(tmp_path / "big.txt", "The force should act.\n" * 100), "limit"
    if case == "unsupported":
        return write(tmp_path / "report.rtf", "{\\rtf1 The force should act.}"), "unsupported"
    raise AssertionError(case)


BAD_CASES = [
    "missing",
    "empty",
    "binary",
    "no_findings",
    "encrypted_pdf",
    "too_big",
    "unsupported",
]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    case: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path, says = _bad_file(case, tmp_path, monkeypatch)
    before = counts(engine)
    result = ingest(capsys, path)
    assert result.code == 2, result.err
    assert result.err.startswith("error: ") and result.err.count("\n") == 1, result.err
    assert says in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert counts(engine) == before


@pytest.mark.parametrize("option", ["--published", "--next-inspection"])
def test_bad_date_is_refused(
    option: str, capsys: pytest.CaptureFixture[str], engine: Engine
) -> None:
    result = ingest(capsys, SAMPLE, option, "2019-02-30")
    assert result.code == 2
    assert result.err.count("\n") == 1 and option in result.err
    assert counts(engine)["inspection"] == 0


def test_blank_body_is_refused(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    result = actions(capsys, "ingest", str(SAMPLE), "--body", "  ")
    assert result.code == 2 and "--body" in result.err
    assert counts(engine)["inspection"] == 0


# -- formats ------------------------------------------------------------------------------------
def _write_format(fmt: str, text: str, directory: Path) -> Path:
    return write_text_as(text, fmt, directory / f"report.{fmt}")


def _stored_findings(session: Session, code: str) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(col(Finding.kind), col(Finding.text), col(Finding.judgement))
        .join(Inspection, Inspection.id == Finding.inspection_id)  # type: ignore[arg-type]
        .where(Inspection.code == code)  # type: ignore[arg-type]
        .order_by(Finding.seq)  # type: ignore[arg-type]
    ).all()
    return [(kind, norm_text(text), judgement) for kind, text, judgement in rows]


def test_every_format_ingests_the_same_findings(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    text = COC_REPORT + "\n" + SAMPLE.read_text(encoding="utf-8")
    stored = {}
    for fmt in ("txt", "html", "pdf", "docx"):
        path = _write_format(fmt, text, tmp_path)
        result = ingest(
            capsys, path, "--title", f"as {fmt}", "--published", "2019-10-01", body=TEST_BODY
        )
        assert result.code == 0, f"{fmt}: {result.err}"
        stored[fmt] = _stored_findings(session, result.json()["inspection"])
    assert len(stored["txt"]) == 13
    for fmt in ("html", "pdf", "docx"):
        assert stored[fmt] == stored["txt"], fmt


# -- addressees (national and thematic reports) --------------------------------------------------
NATIONAL_REPORT = """An inspection of vetting in the police service

Cause of concern

Forces do not know whether their vetting decisions are fair.

Recommendations

By 31 March 2024, the Home Office should publish guidance on vetting appeals.

By 30 June 2024, chief constables should make sure every vetting decision is recorded.

Areas for improvement

  • Every force should improve how it monitors vetting outcomes.
"""


def test_addressee_keeps_named_and_unaddressed_findings_and_says_what_it_left_out(
    database_url: str, tmp_path: Path
) -> None:
    report = write(tmp_path / "national.txt", NATIONAL_REPORT)
    meta = InspectionMeta(body=TEST_BODY, addressees=("Chief Constable",))  # case, plural aside
    summary = ingest_report(report, meta, dry_run=True)
    assert summary["created"] == ["TES-COC-01", "TES-REC-01", "TES-AFI-01"]
    assert summary["left_out"] == 1
    assert summary["left_out_addressees"] == {"Home Office": 1}


def test_addressee_that_keeps_nothing_is_refused_naming_the_addressees(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, engine: Engine
) -> None:
    report = write(
        tmp_path / "home-office.txt",
        "Recommendations\n\n1. The Home Office should publish guidance on vetting appeals.\n",
    )
    before = counts(engine)
    result = ingest(capsys, report, "--addressee", "chief constables", body=TEST_BODY)
    assert result.code == 2
    assert "addressed to chief constables" in result.err and "Home Office" in result.err
    assert counts(engine) == before
