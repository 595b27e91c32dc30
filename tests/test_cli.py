"""The command line: help everywhere, one-line errors, exit codes (docs/commands.md)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from actions.domain.models import AuditRecord, Person
from tests.support.cli_runner import actions
from tests.support.helpers import PEOPLE_CSV, seed_action, seed_people, write

COMMANDS = [
    [],
    ["init"],
    ["people"],
    ["people", "import"],
    ["people", "list"],
    ["list"],
    ["show"],
    ["update"],
    ["review"],
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    result = actions(capsys, *command, "--help")
    assert result.code == 0
    assert "Usage" in result.out


def test_init_twice_is_harmless(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    first = actions(capsys, "init", "--json")
    second = actions(capsys, "init", "--json")
    assert first.code == second.code == 0
    assert first.json()["revision"] == second.json()["revision"]


def test_init_uses_actions_db_in_the_working_directory_by_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert actions(capsys, "init").code == 0
    assert (tmp_path / "actions.db").exists()


def test_commands_refuse_an_uninitialised_database(capsys: pytest.CaptureFixture[str]) -> None:
    result = actions(capsys, "list")
    assert result.code == 1
    assert "actions init" in result.err
    assert "Traceback" not in result.err


def test_unreachable_database_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "ACTIONS_DATABASE_URL", "postgresql+psycopg://someone:hunter2secret@127.0.0.1:1/nothing"
    )
    result = actions(capsys, "init")
    assert result.code == 1
    assert result.err.count("\n") == 1 and result.err.startswith("error: cannot use the database")
    assert "hunter2secret" not in result.err


def test_people_import_missing_file(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    result = actions(capsys, "people", "import", "nowhere.csv")
    assert result.code == 2
    assert result.err.strip() == "error: nowhere.csv: no such file"


def test_malformed_people_csv_lists_lines_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    csv = write(
        tmp_path / "people.csv",
        PEOPLE_CSV + "not-an-email,Nobody,,,\n"
        "x@force.example,,ghost@force.example,,\n"
        "owner@force.example,Dup,,,\n"
        "y@force.example,Y,,nonsense://what,\n"
        "z@force.example,Z,,,king\n",
    )
    result = actions(capsys, "people", "import", str(csv))
    assert result.code == 2
    assert "line 6: email 'not-an-email' is not an email address" in result.err
    assert "line 7: name is empty" in result.err
    assert "line 7: manager ghost@force.example is unknown" in result.err
    assert "line 8: duplicate email owner@force.example (also line 4)" in result.err
    assert "line 9: notify URL 1 is not a valid Apprise URL" in result.err
    assert "line 10: role 'king' is unknown" in result.err
    assert "Traceback" not in result.err
    assert session.exec(select(Person)).all() == []


def test_people_cycle_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    csv = write(
        tmp_path / "p.csv",
        "email,name,manager_email,notify,role\n"
        "a@x.org,A,b@x.org,,\nb@x.org,B,c@x.org,,\nc@x.org,C,a@x.org,,\n",
    )
    result = actions(capsys, "people", "import", str(csv))
    assert result.code == 2
    assert "line 2: manager chain of a@x.org has a cycle" in result.err
    assert session.exec(select(Person)).all() == []


def test_people_import_and_list_hide_notify_urls(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    csv = write(
        tmp_path / "people.csv",
        PEOPLE_CSV + "team@force.example,Team,,mailto://user:s3cretpass@mail.example.org,\n",
    )
    result = actions(capsys, "people", "import", str(csv), "--json")
    assert result.code == 0, result.err
    assert result.json()["created"] == 5
    listing = actions(capsys, "people", "list", "--json")
    people = {p["email"]: p for p in listing.json()}
    assert people["owner@force.example"]["manager_email"] == "manager@force.example"
    assert people["sro@force.example"]["role"] == "sro"
    assert people["team@force.example"]["channel"] == "notify: mailto"
    assert "s3cretpass" not in listing.out
    table = actions(capsys, "people", "list")
    assert "s3cretpass" not in table.out and "Olive Owner" in table.out
    again = actions(capsys, "people", "import", str(csv), "--json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 5, "dry_run": False}


def test_people_import_dry_run_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, session: Session
) -> None:
    csv = write(tmp_path / "people.csv", PEOPLE_CSV)
    result = actions(capsys, "people", "import", str(csv), "--dry-run")
    assert result.code == 0 and "would import 4 new" in result.out
    assert session.exec(select(Person)).all() == []


def test_show_unknown_ref(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    result = actions(capsys, "show", "NOPE-1")
    assert result.code == 2
    assert result.err.strip() == "error: unknown action 'NOPE-1'"


def test_bad_as_of_date(capsys: pytest.CaptureFixture[str], database_url: str) -> None:
    result = actions(capsys, "list", "--as-of", "2027-02-30")
    assert result.code == 2
    assert "--as-of '2027-02-30' is not a date" in result.err


def test_bad_deadline_date(capsys: pytest.CaptureFixture[str], session: Session) -> None:
    people = seed_people(session)
    seed_action(session, owner=people["owner"])
    session.commit()
    result = actions(
        capsys,
        "update",
        "NOR-2018-AFI-01",
        "--by",
        "owner@force.example",
        "--deadline",
        "31/03/2027",
        "--reason",
        "late",
    )
    assert result.code == 2
    assert "--deadline '31/03/2027' is not a date" in result.err


def test_unknown_option_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = actions(capsys, "list", "--colour")
    assert result.code == 2
    assert result.err.startswith("error:") and "--colour" in result.err


def test_full_lifecycle_through_the_cli(
    capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    people = seed_people(session)
    seed_action(session, owner=people["owner"])
    session.commit()
    ref = "NOR-2018-AFI-01"
    started = actions(
        capsys,
        "update",
        ref,
        "--status",
        "in_progress",
        "--progress",
        "40",
        "--note",
        "Survey drafted",
        "--by",
        "owner@force.example",
        "--json",
    )
    assert started.code == 0, started.err
    assert started.json()["status"] == "in_progress"
    refused = actions(capsys, "update", ref, "--status", "completed", "--by", "owner@force.example")
    assert refused.code == 2 and "closing note" in refused.err
    done = actions(
        capsys,
        "update",
        ref,
        "--status",
        "completed",
        "--note",
        "Survey live",
        "--evidence",
        "https://intranet.example/survey",
        "--by",
        "owner@force.example",
    )
    assert done.code == 0 and "awaiting review" in done.out
    own = actions(capsys, "review", ref, "--accept", "--by", "owner@force.example")
    assert own.code == 2 and "cannot review" in own.err
    accepted = actions(capsys, "review", ref, "--accept", "--by", "manager@force.example", "--json")
    assert accepted.code == 0 and accepted.json()["status"] == "closed"
    shown = actions(capsys, "show", ref, "--json").json()
    assert shown["status"] == "closed" and shown["progress"] == 100
    fields = [(h["actor"], h["field"], h["new"]) for h in shown["history"]]
    assert ("owner@force.example", "status", "completed") in fields
    assert ("manager@force.example", "status", "closed") in fields
    assert [u["decision"] for u in shown["updates"]] == [None, "accepted"]
    text = actions(capsys, "show", ref)
    assert "History" in text.out and "manager@force.example" in text.out


def test_deadline_change_waits_for_review_and_history_keeps_every_deadline(
    capsys: pytest.CaptureFixture[str], session: Session
) -> None:
    people = seed_people(session)
    seed_action(session, owner=people["owner"])
    session.commit()
    ref = "NOR-2018-AFI-01"
    asked = actions(
        capsys,
        "update",
        ref,
        "--deadline",
        "2027-06-30",
        "--reason",
        "Supplier delay",
        "--by",
        "owner@force.example",
        "--json",
    )
    assert asked.code == 0 and asked.json()["deadline"] == "2027-03-31"
    assert asked.json()["awaiting_review"] is True
    assert actions(capsys, "review", ref, "--accept", "--by", "sro@force.example").code == 0
    shown = actions(capsys, "show", ref, "--json").json()
    assert shown["deadline"] == "2027-06-30"
    assert [d["deadline"] for d in shown["deadlines"]] == ["2027-03-31", "2027-06-30"]
    assert shown["deadlines"][1]["reason"] == "Supplier delay"  # the reason asked with it
    rows = session.exec(select(AuditRecord).where(AuditRecord.field == "deadline_requested"))
    assert [r.reason for r in rows] == ["Supplier delay"]


def test_review_needs_exactly_one_decision(
    capsys: pytest.CaptureFixture[str], database_url: str
) -> None:
    result = actions(capsys, "review", "X", "--by", "a@b.c")
    assert result.code == 2 and "exactly one of --accept or --reject" in result.err


def test_list_filters(capsys: pytest.CaptureFixture[str], session: Session) -> None:
    people = seed_people(session)
    seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-01", deadline=date(2027, 1, 1))
    seed_action(session, owner=people["other"], ref="NOR-2018-AFI-02")
    session.commit()
    everyone = actions(capsys, "list", "--json", "--as-of", "2027-02-01").json()
    assert {a["ref"] for a in everyone} == {"NOR-2018-AFI-01", "NOR-2018-AFI-02"}
    mine = actions(capsys, "list", "--owner", "owner@force.example", "--json").json()
    assert [a["ref"] for a in mine] == ["NOR-2018-AFI-01"]
    late = actions(capsys, "list", "--overdue", "--as-of", "2027-02-01", "--json").json()
    assert [(a["ref"], a["days_overdue"], a["rag"]) for a in late] == [
        ("NOR-2018-AFI-01", 31, "red")
    ]
    bad = actions(capsys, "list", "--status", "finished")
    assert bad.code == 2 and "unknown status" in bad.err


@pytest.mark.parametrize(
    "title",
    [
        "Vetting [/] decisions",  # rich's closing tag: crashed list, show and people list
        "Stop and search [sic] records",  # vanished as an unknown tag
        "[link=https://evil.example]Click[/link] here",  # made a hyperlink
        "Escape \x1b[31mred\x1b[0m sequence",  # reached the terminal
    ],
)
def test_data_prints_as_text_never_markup(
    capsys: pytest.CaptureFixture[str], session: Session, title: str
) -> None:
    people = seed_people(session)
    people["owner"].name = title
    action = seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-01")
    action.title = title
    session.commit()
    shown = title.replace("\x1b", "\\x1b")
    for args in (["list"], ["show", "NOR-2018-AFI-01"], ["people", "list"]):
        result = actions(capsys, *args)
        assert result.code == 0, result.err
        flat = " ".join(result.out.split())
        assert "\x1b" not in result.out
        if args[0] == "show":
            assert " ".join(shown.split()) in flat, result.out
        elif args[0] == "people":  # a narrow cell wraps and cuts: each word's start is there
            assert all(word[:5] in result.out for word in shown.split()), result.out


# -- start-up: commands import only what they use ----------------------------------------------
_IMPORTS_AFTER = """
import sys
from actions.cli import run
code = run(sys.argv[1:])
heavy = ("prefect", "weasyprint", "fastapi", "openpyxl", "apprise", "pypdfium2", "sqlalchemy")
print(code, *sorted({m.split(".")[0] for m in sys.modules} & set(heavy)))
"""


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (["--help"], set()),
        (["list", "--json"], {"sqlalchemy"}),
        (["chase", "--as-of", "2027-03-01", "--dry-run", "--json"], {"sqlalchemy"}),
        (["extract", "SAMPLE"], set()),
        (["extract", "SAMPLE", "--format", "csv"], set()),  # no database layer for a file
        (["extract", "PDF"], {"pypdfium2"}),
    ],
)
def test_everyday_commands_do_not_import_prefect_or_other_heavy_libraries(
    args: list[str], allowed: set[str], tmp_path: Path
) -> None:
    """No PREFECT_API_URL: commands run in-process and never import Prefect (~2.3 s alone)."""
    import subprocess
    import sys

    from tests.support.extract_formats import write_pdf

    pdf = tmp_path / "report.pdf"
    write_pdf("Areas for improvement\n\n- The force should improve its vetting.\n", pdf)
    sample = Path(__file__).resolve().parents[1] / "src/actions/sample"
    args = [
        {"SAMPLE": str(sample / "northamptonshire_peel2018_legitimacy.txt"), "PDF": str(pdf)}.get(
            a, a
        )
        for a in args
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ACTIONS_"))}
    env |= {
        "ACTIONS_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
        "PREFECT_PROFILES_PATH": str(tmp_path / "none.toml"),
    }
    init = subprocess.run(
        [sys.executable, "-c", _IMPORTS_AFTER, "init"], env=env, capture_output=True, text=True
    )
    assert init.stdout.strip().splitlines()[-1].split()[0] == "0", init.stderr
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTS_AFTER, *args], env=env, capture_output=True, text=True
    )
    code, *imported = done.stdout.strip().splitlines()[-1].split()
    assert code == "0", done.stderr
    assert set(imported) == allowed


# -- weak or broken settings -------------------------------------------------------------------
def test_a_short_secret_key_is_refused_without_printing_it(
    capsys: pytest.CaptureFixture[str], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", "k3y")
    result = actions(capsys, "chase", "--as-of", "2027-03-01")
    assert result.code == 2
    assert "ACTIONS_SECRET_KEY is too short (3 characters)" in result.err
    assert "k3y" not in result.err + result.out
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://user@127.0.0.1:99999/db",
        "postgresql+psycopg://user:pw@127.0.0.1:abc/db",
        "postgresql+psycopg://user@127.0.0.1:0/db",
    ],
)
def test_a_bad_port_in_the_database_url_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setenv("ACTIONS_DATABASE_URL", url)
    result = actions(capsys, "list")
    assert result.code == 2
    assert result.err.startswith("error: ACTIONS_DATABASE_URL") and result.err.count("\n") == 1
    assert "pw" not in result.err
