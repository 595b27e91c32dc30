"""Bad input everywhere (issue 9): malformed files, arguments and forms never crash the product.

Hypothesis generates malformed input for every entry point: report files (`extract`, `ingest`),
people and actions files (`people import`, `import`), the arguments of the read and write
commands, the portal's update and review forms, its links (bad tokens) and wrong CSRF tokens
(403, then 429 once one address has failed 20 times). Every run must keep docs/commands.md:

- exit code 0, 1 or 2, and never a Python traceback (nor the CLI's "unexpected failure" line,
  which is how the CLI reports a bug);
- a failure is exactly one ``error: …`` line on stderr (a RowErrors adds its bad rows below) and
  nothing on stdout;
- a failed command leaves every table exactly as it was;
- the portal answers a refused form with 4xx, never 500, and writes nothing.

Database entry points run on SQLite and PostgreSQL; example counts are kept small so the whole
module stays well under 90 s (the ingest and report examples each start a Prefect flow run).
The last test prints how many cases each entry point tried.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from actions.common.settings import reset_settings
from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Status  # also registers every table on SQLModel.metadata
from actions.store.db import session_scope
from actions.tracking.links import InvalidToken, portal_link, verify_token
from actions.tracking.people import PEOPLE_COLUMNS
from actions.tracking.updates import post_update
from actions.transfer import COLUMNS as ACTION_COLUMNS
from actions.web import create_app
from tests.support.cli_runner import Result, actions
from tests.support.extract_formats import write_format
from tests.support.helpers import dump, seed_action, seed_people
from tests.support.portal import csrf_of

#: Cases tried per entry point and outcome (exit code or HTTP status), printed at the end.
CASES: dict[str, Counter[int]] = defaultdict(Counter)

SAMPLE = "hmicfrs_peel2018_northamptonshire_legitimacy"
REF, PENDING_REF = "NOR-2018-AFI-01", "NOR-2018-AFI-02"  # owner@'s; other@'s awaits review
OWNER, OTHER, MANAGER = "owner@force.example", "other@force.example", "manager@force.example"
SECRET = "bad-input-secret-0123456789abcdef"
TRACEBACK_LINE = re.compile(r'^\s*File "', re.MULTILINE)


def examples(count: int) -> Any:
    """Hypothesis settings for one entry point: few examples, no deadline (flows are slow)."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


# --------------------------------------------------------------------------- invariants


def assert_well_behaved(result: Result) -> None:
    """docs/commands.md for one run: known exit code, no traceback, a one-line failure."""
    assert result.code in {0, 1, 2}, result
    assert "Traceback" not in result.err and not TRACEBACK_LINE.search(result.err), result
    assert "unexpected failure" not in result.err, result  # the CLI's words for a bug
    if result.code == 0:
        return
    assert result.out == "", result  # nothing half-written on stdout
    first, *rest = result.err.rstrip("\n").split("\n")
    assert first.startswith("error: "), result
    if "invalid row(s), nothing written" in first:  # RowErrors: one line per bad row
        assert rest and all(line.startswith("  line ") for line in rest), result
    else:
        assert rest == [], result


def run_cli(
    capsys: pytest.CaptureFixture[str], entry: str, args: list[str], engine: Engine | None = None
) -> Result:
    """Run one command, count it, check the invariants (and, on failure, an unchanged database)."""
    before = dump(engine) if engine is not None else None
    result = actions(capsys, *args)
    CASES[entry][result.code] += 1
    assert_well_behaved(result)
    if engine is not None and result.code != 0:
        assert dump(engine) == before, f"a failed command changed the database: {args}"
    return result


# --------------------------------------------------------------------------- a small world


@pytest.fixture
def world(database_url: str, engine: Engine) -> Engine:
    """Four people, an open action of owner@ and a completion of other@'s awaiting review."""
    with session_scope(engine) as session:
        people = seed_people(session)
        seed_action(session, owner=people["owner"], ref=REF)
        seed_action(session, owner=people["other"], ref=PENDING_REF, text="Audit stop and search.")
        done = UpdateRequest(status=Status.COMPLETED, progress=100, note="All done.")
        post_update(session, PENDING_REF, done, by=OTHER)
    return engine


# --------------------------------------------------------------------------- strategies

#: Text with everything a terminal or a parser may choke on: controls, NUL, newlines, RTL marks.
junk = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
#: The same for command-line arguments, which cannot hold NUL (the OS ends an argument there).
arg_junk = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters="\x00"),
    max_size=40,
)
NEAR_DATES = [
    "2027-02-30",
    "2027-13-01",
    "2027-1-1",
    "31/12/2027",
    "27-03-31",
    "0000-00-00",
    "9999-12-31",
    "2027-03-31T00:00",
    " 2027-03-31 ",
    "",
    "today",
    "-1",
]
NEAR_NUMBERS = ["-1", "101", "1e2", "50%", "NaN", "", " ", "99999999999999999999", "0x10", "٣"]
NEAR_EMAILS = [
    "",
    "owner",
    "owner@",
    "@force.example",
    "a@b@c",
    "OWNER@FORCE.EXAMPLE ",
    "nobody@force.example",
    "x" * 300 + "@force.example",
    OWNER,
    MANAGER,
    OTHER,
]
NEAR_STATUSES = [s.value for s in Status] + ["Done", "in progress", "IN-PROGRESS", "", "open\n"]
NEAR_URLS = [
    "javascript:alert(1)",
    "ftp://x",
    "http://",
    "https://e.example/" + "a" * 2100,
    "https://evidence.example/doc",
    "data:text/html,<b>x</b>",
    "//e.example",
]
NEAR_REFS = [REF, PENDING_REF, REF.lower(), "NOR-2018-AFI-99", "", "-", "../x"]
NEAR_NOTES = ["", "done", "x" * 5001, "<script>alert(1)</script>"]


def near(values: list[str], noise: st.SearchStrategy[str] = junk) -> st.SearchStrategy[str]:
    """Half plausible-but-wrong values (and some right ones), half noise."""
    return st.sampled_from(values) | noise


# For files and forms (which can hold any character).
dates, emails, refs = near(NEAR_DATES), near(NEAR_EMAILS), near(NEAR_REFS)
numbers = near(NEAR_NUMBERS) | st.integers().map(str)
statuses, urls, notes = near(NEAR_STATUSES), near(NEAR_URLS), near(NEAR_NOTES)
# For command-line arguments; the actor and the ref are often right, so the rules run too.
arg_dates, arg_statuses = near(NEAR_DATES, arg_junk), near(NEAR_STATUSES, arg_junk)
arg_numbers = near(NEAR_NUMBERS, arg_junk) | st.integers().map(str)
arg_urls, arg_notes = near(NEAR_URLS, arg_junk), near(NEAR_NOTES, arg_junk)
arg_emails, arg_refs = near(NEAR_EMAILS, arg_junk), st.just(REF) | near(NEAR_REFS, arg_junk)
unknown_options = st.sampled_from(["--bogus", "--as-of", "-x", "--", "--json=1", "--overdue=no"])


def maybe(option: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """Either nothing or ``[option, value]``."""
    return st.just([]) | values.map(lambda value: [option, value])


# --------------------------------------------------------------------------- report files

REPORT_SUFFIXES = [".txt", ".html", ".htm", ".pdf", ".docx", ".doc", ".xyz", "", ".PDF"]
ABSURD_DATE_LINES = [
    "Published 31 December 9999",
    "Published: 1 January 0001",
    "The force should improve its vetting within 99999 years.",
    "The force should review its custody records within 9999999999 days.",
    "The force should act by 31 February 2019.",
    "The force should act by 31 December 9999.",
    "Recommendation 1: immediately, the constabulary should stop the practice.",
]
ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "shift_jis", "utf-8-sig"]


@cache
def sample_bytes(fmt: str) -> bytes:
    """A real report (one of the fixtures) written as ``fmt``: the raw material to break."""
    with tempfile.TemporaryDirectory() as directory:
        return write_format(SAMPLE, fmt, Path(directory)).read_bytes()


@dataclass(frozen=True)
class BrokenFile:
    """A generated file; its repr says how it was made (not 100 kB of bytes in a failure)."""

    how: str
    suffix: str
    data: bytes = field(repr=False)

    def write(self, directory: Path, stem: str) -> Path:
        path = directory / f"{stem}{self.suffix}"
        path.write_bytes(self.data)
        return path


@st.composite
def report_files(draw: st.DrawFn) -> BrokenFile:
    """A broken report: random bytes, truncated, garbled, NULs, a huge line, wrong name..."""
    fmt = draw(st.sampled_from(["txt", "html", "pdf", "docx"]))
    data, suffix = sample_bytes(fmt), f".{fmt}"
    how = draw(
        st.sampled_from(
            ["random", "truncated", "garbled", "nul", "huge", "ext", "encoding", "dates"]
        )
    )
    if how == "random":
        return BrokenFile(
            how, draw(st.sampled_from(REPORT_SUFFIXES)), draw(st.binary(max_size=4096))
        )
    if how == "truncated":
        at = draw(st.integers(0, len(data) - 1))
        return BrokenFile(f"{fmt} truncated at {at}", suffix, data[:at])
    if how == "garbled":
        spots = draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=30))
        garbled = bytearray(data)
        for spot in spots:
            garbled[spot] = draw(st.integers(0, 255))
        return BrokenFile(f"{fmt} garbled at {spots}", suffix, bytes(garbled))
    if how == "nul":
        at, count = draw(st.integers(0, len(data))), draw(st.integers(1, 64))
        return BrokenFile(
            f"{fmt} with {count} NULs at {at}", suffix, data[:at] + b"\x00" * count + data[at:]
        )
    if how == "huge":  # one line of up to a megabyte, in text or in an HTML paragraph
        words = draw(st.integers(1_000, 120_000))
        line = b"The force should " + b"improve " * words
        html = draw(st.booleans())
        return BrokenFile(
            f"a line of {words} words", ".html" if html else ".txt", b"<p>" + line if html else line
        )
    if how == "ext":  # a real report under another format's name
        other = draw(
            st.sampled_from([s for s in (".txt", ".html", ".pdf", ".docx") if s != suffix])
        )
        return BrokenFile(f"{fmt} named {other}", other, data)
    if how == "dates":  # a real report whose deadlines and date lines are absurd
        extra = draw(st.lists(st.sampled_from(ABSURD_DATE_LINES), min_size=1, max_size=4))
        text = sample_bytes("txt").decode("utf-8") + "\n" + "\n".join(extra) + "\n"
        return BrokenFile(f"txt with {extra}", ".txt", text.encode("utf-8"))
    encoding = draw(st.sampled_from(ENCODINGS))
    encoded = sample_bytes("txt").decode("utf-8").encode(encoding, errors="replace")
    return BrokenFile(f"txt in {encoding}", draw(st.sampled_from([".txt", ".html"])), encoded)


@examples(60)
@given(report=report_files(), fmt=st.sampled_from(["json", "table"]))
def test_extract_survives_broken_report_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, report: BrokenFile, fmt: str
) -> None:
    path = report.write(tmp_path, "report")
    result = run_cli(capsys, "extract", ["extract", str(path), "--format", fmt])
    assert result.code in {0, 2}, result  # a report is readable or bad input, never a crash


@examples(4)
@given(report=report_files())
def test_ingest_survives_broken_report_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, world: Engine, report: BrokenFile
) -> None:
    path = report.write(tmp_path, "report")
    args = ["ingest", str(path), "--body", "Northamptonshire Police", "--dry-run"]
    run_cli(capsys, "ingest", args, world)
    # The same file for real: it either ingests (a readable report) or writes nothing.
    run_cli(capsys, "ingest", args[:-1], world)


@examples(6)
@given(
    body=near(["", "  ", "Northamptonshire Police"], arg_junk),
    published=maybe("--published", arg_dates),
    next_inspection=maybe("--next-inspection", arg_dates),
)
def test_ingest_survives_bad_arguments(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    world: Engine,
    body: str,
    published: list[str],
    next_inspection: list[str],
) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(sample_bytes("txt"))
    args = ["ingest", str(path), "--body", body, "--dry-run", *published, *next_inspection]
    run_cli(capsys, "ingest", args, world)


# --------------------------------------------------------------------------- people files

PEOPLE_POOL = ["a@force.example", "b@force.example", "c@force.example", OWNER, MANAGER]
NOTIFY = [
    "",
    "mailto://user:pw@mail.example",
    "json://localhost/hook",
    "notaurl",
    "foo://",
    "mailto://",
    "tgram://",
    "slack://a/b/c mailto://x@y.example",
    "http://",
]
people_cells = {
    "email": st.sampled_from(PEOPLE_POOL) | emails,
    "name": st.sampled_from(["Ann", "", "x" * 201, '=HYPERLINK("x")']) | junk,
    "manager_email": st.sampled_from(["", *PEOPLE_POOL]) | emails,  # self, cycles, unknown
    "notify": st.sampled_from(NOTIFY) | junk,
    "role": st.sampled_from(["", "sro", "SRO", "boss"]) | junk,
}


def valid_person(number: int) -> dict[str, str]:
    return {
        "email": f"p{number}@force.example",
        "name": f"Person {number}",
        "manager_email": MANAGER,
    }


def valid_action(number: int) -> dict[str, str]:
    return {
        "inspection": "PEEL 2018 legitimacy",
        "kind": "area_for_improvement",
        "finding": f"The force should improve thing {number}.",
        "title": f"Improve thing {number}",
        "owner_email": OWNER,
        "deadline": "2027-03-31",
        "status": "open",
        "progress": "10",
    }


@st.composite
def header(draw: st.DrawFn, columns: tuple[str, ...]) -> list[str]:
    """The right columns, or some missing, shuffled, renamed or joined by junk ones."""
    chosen = draw(st.lists(st.sampled_from(columns), unique=True, min_size=len(columns) - 1))
    extra = draw(st.lists(st.sampled_from(["extra", "", "Email ", "ref"]), max_size=2))
    return draw(st.permutations(chosen + extra))


def xlsx_safe(value: str) -> str:
    """openpyxl refuses control characters in cells; the file writer, not the product."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", value)


@st.composite
def table_row(
    draw: st.DrawFn,
    names: list[str],
    cells: dict[str, Any],
    valid: Callable[[int], dict[str, str]],
    number: int,
) -> dict[str, str]:
    """A valid row with up to two bad cells (the usual mistake), or a row of random cells."""
    good = {name: valid(number).get(name, "") for name in names}
    if draw(st.booleans()):
        return {name: draw(cells.get(name, junk)) for name in names}
    for name in draw(st.lists(st.sampled_from(names), max_size=2)) if names else []:
        good[name] = draw(cells.get(name, junk))
    return good


@st.composite
def table_files(
    draw: st.DrawFn,
    columns: tuple[str, ...],
    cells: dict[str, Any],
    valid: Callable[[int], dict[str, str]],
) -> BrokenFile:
    """A CSV or XLSX file with random rows, or a broken file."""
    names = draw(header(columns))
    rows = [
        draw(table_row(names, cells, valid, number)) for number in range(draw(st.integers(0, 6)))
    ]
    kind = draw(st.sampled_from(["csv", "csv", "xlsx", "bytes"]))
    if kind == "bytes":  # random bytes, possibly behind a BOM, under either name
        data = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"])) + draw(st.binary())
        return BrokenFile("random bytes", draw(st.sampled_from([".csv", ".xlsx", ".txt"])), data)
    if kind == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(names)
        for row in rows:
            sheet.append([xlsx_safe(row[name]) for name in names])
        buffer = io.BytesIO()
        book.save(buffer)
        return BrokenFile(f"xlsx {names} {rows}", ".xlsx", buffer.getvalue())
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(names)
    writer.writerows([[row[name] for name in names] for row in rows])
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    data = text.getvalue().encode(encoding, errors="replace")
    return BrokenFile(f"csv in {encoding}: {names} {rows}", ".csv", data)


@examples(40)
@given(people=table_files(PEOPLE_COLUMNS, people_cells, valid_person), dry_run=st.booleans())
def test_people_import_survives_bad_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    world: Engine,
    people: BrokenFile,
    dry_run: bool,
) -> None:
    path = people.write(tmp_path, "people")
    args = ["people", "import", str(path), *(["--dry-run"] if dry_run else [])]
    run_cli(capsys, "people import", args, world)


# --------------------------------------------------------------------------- actions files

action_cells = {
    "ref": refs,
    "inspection": st.sampled_from(["PEEL 2018 legitimacy", "", "NOR-2018", "-x"]) | junk,
    "kind": st.sampled_from(["area_for_improvement", "AFI", "rec", "cause of concern", ""]) | junk,
    "finding": st.sampled_from(["The force should improve.", ""]) | junk,
    "title": st.sampled_from(["Improve feedback", "", "t" * 600]) | junk,
    "owner_email": emails,
    "deadline": dates,
    "status": statuses,
    "progress": numbers,
    "last_update_on": dates,
    "rag": st.sampled_from(["red", "amber", "green", "purple", ""]),
    "notes": notes,
}


@examples(40)
@given(rows=table_files(tuple(ACTION_COLUMNS), action_cells, valid_action), dry_run=st.booleans())
def test_actions_import_survives_bad_files(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    world: Engine,
    rows: BrokenFile,
    dry_run: bool,
) -> None:
    path = rows.write(tmp_path, "actions")
    args = ["import", str(path), *(["--dry-run"] if dry_run else [])]
    run_cli(capsys, "import", args, world)


# --------------------------------------------------------------------------- arguments

list_args = st.one_of(
    st.tuples(
        maybe("--as-of", arg_dates), maybe("--status", arg_statuses), maybe("--owner", arg_emails)
    ).map(lambda parts: ["list", *parts[0], *parts[1], *parts[2]]),
    st.tuples(arg_refs, maybe("--as-of", arg_dates)).map(lambda p: ["show", p[0], *p[1]]),
    st.tuples(st.sampled_from(["list", "show", "export"]), unknown_options, arg_junk).map(list),
)
update_args = st.tuples(
    arg_refs,
    st.just(OWNER) | arg_emails,
    maybe("--status", arg_statuses),
    maybe("--progress", arg_numbers),
    maybe("--note", arg_notes),
    maybe("--evidence", arg_urls),
    maybe("--deadline", arg_dates),
    maybe("--reason", arg_notes),
    maybe("--superseded-by", arg_refs),
).map(lambda p: ["update", p[0], "--by", p[1], *[a for part in p[2:] for a in part]])
review_args = st.tuples(
    st.just(PENDING_REF) | arg_refs,
    st.just(MANAGER) | arg_emails,
    st.sampled_from([[], ["--accept"], ["--reject"], ["--accept", "--reject"]]),
    maybe("--note", arg_notes),
).map(lambda p: ["review", p[0], "--by", p[1], *p[2], *p[3]])
repeats_args = st.tuples(
    st.sampled_from(["confirm", "dismiss", "break", "list", "bogus"]),
    arg_refs,
    st.sampled_from(["sro@force.example", MANAGER]) | arg_emails,
    maybe("--repeat-of", arg_refs),
    maybe("--reason", arg_notes),
).map(
    lambda p: (
        ["repeats", "list"]
        if p[0] == "list"
        else ["repeats", p[0], p[1], "--by", p[2], *p[3], *p[4]]
    )
)
export_args = st.tuples(
    near(["csv", "xlsx", "xls", "CSV", "", "json"], arg_junk),
    st.sampled_from(["out.csv", "out.xlsx", "out", "missing/out.csv", "."]),
    maybe("--as-of", arg_dates),
).map(lambda p: ["export", "--format", p[0], "--out", p[1], *p[2]])


@examples(40)
@given(args=list_args)
def test_read_commands_survive_bad_arguments(
    capsys: pytest.CaptureFixture[str], world: Engine, args: list[str]
) -> None:
    run_cli(capsys, args[0], args, world)


@examples(40)
@given(args=update_args)
def test_update_survives_bad_arguments(
    capsys: pytest.CaptureFixture[str], world: Engine, args: list[str]
) -> None:
    run_cli(capsys, "update", args, world)


@examples(30)
@given(args=review_args)
def test_review_survives_bad_arguments(
    capsys: pytest.CaptureFixture[str], world: Engine, args: list[str]
) -> None:
    run_cli(capsys, "review", args, world)


@examples(30)
@given(args=repeats_args)
def test_repeats_survive_bad_arguments(
    capsys: pytest.CaptureFixture[str], world: Engine, args: list[str]
) -> None:
    run_cli(capsys, "repeats", args, world)


@examples(25)
@given(args=export_args)
def test_export_survives_bad_arguments(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, world: Engine, args: list[str]
) -> None:
    before = {p.name for p in tmp_path.iterdir()}
    result = run_cli(capsys, "export", args, world)
    if result.code != 0:  # a refused export leaves no file behind, not even a partial one
        assert {p.name for p in tmp_path.iterdir()} == before, result


@examples(8)
@given(
    fmt=near(["pdf,docx", "HTML", ",", "", "md,md", "csv;xlsx", "md"], arg_junk),
    extra=maybe("--as-of", arg_dates) | maybe("--since", arg_dates),
)
def test_report_survives_bad_formats(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, world: Engine, fmt: str, extra: list[str]
) -> None:
    out_dir = tmp_path / "reports"
    before = sorted(tmp_path.rglob("*"))
    result = run_cli(capsys, "report", ["report", "--out", str(out_dir), "--format", fmt, *extra])
    if result.code != 0:  # a refused report writes no file
        assert sorted(tmp_path.rglob("*")) == before, result


# --------------------------------------------------------------------------- the portal


@pytest.fixture
def portal(world: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", SECRET)
    reset_settings()
    return create_app(database_url)


#: Each form example comes from an address of its own (someone else at their own desk), so the
#: failed-attempt limit, which has its own cases below, does not end the form campaign early.
_ADDRESSES = itertools.count(1)


def signed_in(
    app: FastAPI, email: str, address: tuple[str, int] | None = None
) -> tuple[TestClient, str]:
    """A client with a session cookie, and that session's CSRF token."""
    n = next(_ADDRESSES)
    client = TestClient(app, client=address or (f"10.{n // 250 % 250}.{n % 250}.1", 50000))
    link = portal_link(email).split("://", 1)[1].split("/", 1)[1]
    assert client.get(f"/{link}", follow_redirects=False).status_code == 303
    return client, csrf_of(client.get("/me").text)


def form_fields(names: list[str], values: dict[str, Any]) -> st.SearchStrategy[dict[str, str]]:
    """Some of the form's fields (any may be missing), each with a value from ``values``."""
    return st.lists(st.sampled_from(names), unique=True).flatmap(
        lambda chosen: st.fixed_dictionaries({name: values[name] for name in chosen})
    )


csrf_choice = st.sampled_from(["session", "session", "missing", "wrong"])
update_form = form_fields(
    ["status", "progress", "note", "evidence_url", "deadline", "reason", "extra"],
    {
        "status": statuses,
        "progress": numbers,
        "note": notes,
        "evidence_url": urls,
        "deadline": dates,
        "reason": notes,
        "extra": junk,
    },
)
review_form = form_fields(
    ["decision", "note"],
    {"decision": st.sampled_from(["accept", "reject", "", "maybe"]) | junk, "note": notes},
)


def post_form(
    client: TestClient, engine: Engine, path: str, fields: dict[str, str], csrf: str | None
) -> int:
    """Post a form; a refusal must be 4xx and write nothing, a success a redirect."""
    body = dict(fields) if csrf is None else {**fields, "csrf": csrf}
    before = dump(engine)
    response = client.post(path, data=body, follow_redirects=False)
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    if response.status_code != 303:
        assert 400 <= response.status_code < 500, response.status_code
        assert dump(engine) == before, f"a refused form changed the database: {body}"
    return response.status_code


def _csrf(choice: str, token: str) -> str | None:
    return {"session": token, "missing": None, "wrong": token[:-2] + "xx"}[choice]


@examples(40)
@given(fields=update_form, csrf=csrf_choice, ref=st.sampled_from([REF, REF, PENDING_REF, "x%00"]))
def test_portal_update_form_survives_bad_fields(
    portal: FastAPI, world: Engine, fields: dict[str, str], csrf: str, ref: str
) -> None:
    client, token = signed_in(portal, OWNER)
    status = post_form(client, world, f"/me/actions/{ref}", fields, _csrf(csrf, token))
    CASES["portal update"][status] += 1
    if csrf != "session":
        assert status in {403, 404}  # no valid token: refused (or no such page)


@examples(30)
@given(fields=review_form, csrf=csrf_choice, ref=st.sampled_from([PENDING_REF, PENDING_REF, REF]))
def test_portal_review_form_survives_bad_fields(
    portal: FastAPI, world: Engine, fields: dict[str, str], csrf: str, ref: str
) -> None:
    client, token = signed_in(portal, MANAGER)
    status = post_form(client, world, f"/review/{ref}", fields, _csrf(csrf, token))
    CASES["portal review"][status] += 1
    if csrf != "session":
        assert status == 403


ATTACKER = ("203.0.113.66", 50000)
LIMIT = 20  # the policy's default max_failed_attempts


def failures_seen(app: FastAPI) -> Counter[str]:
    """Failures a limit test has seen from ATTACKER on this app (which outlives examples)."""
    if not hasattr(app.state, "campaign_failures"):
        app.state.campaign_failures = Counter()
    seen: Counter[str] = app.state.campaign_failures
    return seen


#: Bad tokens: junk, or an edit of a real token (where: per mille of its length).
token_edits = st.one_of(
    junk.filter(lambda token: token != "..").map(lambda token: ("junk", 0, token)),
    st.tuples(
        st.sampled_from(["change", "cut", "double", "dot after", "dot before"]),
        st.integers(0, 999),
        st.sampled_from("AZaz09-_."),
    ),
    st.sampled_from(["x" * 1001, "%00", "a.b.c"]).map(lambda token: ("junk", 0, token)),
)


def still_verifies(token: str) -> bool:
    try:
        verify_token(token)
    except InvalidToken:
        return False
    return True


def bad_token(edit: tuple[str, int, str]) -> str:
    kind, where, text = edit
    if kind == "junk":
        return text  # ("/p/.." is left out above: a client sends it as "/")
    real = portal_link(OWNER).rsplit("/", 1)[1]
    at = where * (len(real) - 1) // 1000
    return {
        "change": real[:at] + text + real[at + 1 :],
        "cut": real[: max(1, at)],
        "double": real + real,
        "dot after": real + ".",
        "dot before": "." + real,
    }[kind]


@examples(40)
@given(edit=token_edits)
def test_portal_links_survive_bad_tokens(
    portal: FastAPI, world: Engine, edit: tuple[str, int, str]
) -> None:
    """Bad links get 403 (404 when the address is no link at all), then 429 once the address
    has failed 20 times; never a 500, a cookie or a write."""
    token = bad_token(edit)
    before = dump(world)
    response = TestClient(portal, client=ATTACKER).get(
        f"/p/{quote(token, safe='')}", follow_redirects=False
    )
    CASES["portal link"][response.status_code] += 1
    # An edit may leave a working link (the same character back, or base64 padding bits).
    expected = {303, 429} if still_verifies(token) else {403, 404, 429}
    assert response.status_code in expected, (token, response.status_code)
    assert "Traceback" not in response.text
    assert ("set-cookie" in response.headers) == (response.status_code == 303)
    if failures_seen(portal)["link"] >= LIMIT and response.status_code != 404:
        assert response.status_code == 429 and int(response.headers["retry-after"]) >= 1
    failures_seen(portal)["link"] += response.status_code == 403
    assert dump(world) == before


@examples(40)
@given(csrf=junk | st.sampled_from(["", "x" * 5000]), ref=st.sampled_from([REF, PENDING_REF]))
def test_portal_forms_with_bad_csrf_tokens_are_limited(
    portal: FastAPI, world: Engine, csrf: str, ref: str
) -> None:
    """Wrong CSRF tokens from one address: 403, then 429 after 20; nothing is ever written."""
    signer, _ = signed_in(portal, OWNER)
    attacker = TestClient(portal, client=ATTACKER, cookies=signer.cookies)
    path = f"/me/actions/{ref}" if ref == REF else f"/review/{ref}"
    fields = {"progress": "50", "decision": "accept"}
    status = post_form(attacker, world, path, fields, csrf)
    CASES["portal csrf"][status] += 1
    assert status in {403, 429}, status
    if failures_seen(portal)["csrf"] >= LIMIT:
        assert status == 429
    failures_seen(portal)["csrf"] += status == 403
