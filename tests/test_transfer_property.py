"""Properties of the bulk round trip: export → import is the identity, and a bad row writes nothing.

Each example gets a database of its own: a fresh copy of the migrated SQLite template, or a
TRUNCATEd PostgreSQL database (the audit table refuses DELETE, by design).
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from actions.common.dates import today
from actions.common.errors import RowErrors
from actions.common.tabular import read_table
from actions.domain.models import KIND_CODES, Action, Finding, Inspection, Kind, Status
from actions.store import db
from actions.transfer import COLUMNS, export_actions, import_actions
from tests.support.helpers import dump, seed_people, truncate_all

AS_OF = today()
PROPERTY_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LABELS = ("PEEL 2018 legitimacy", '=HYPERLINK("x")', "Ofsted, \"Inspection\" 'Q'", "-Prisons 2019")
OWNERS = (None, "owner@force.example", "other@force.example", "manager@force.example")
_copies = count()

# Unicode text without surrogates or control characters (XML cannot hold most of them), plus the
# characters that break naive CSV and spreadsheets; stripped, since import ignores surrounding
# whitespace; then perhaps led by a formula character, a quote, a tab or a CR.
_chars = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\n\r\t,\"'=+-@;"
)
_body = st.text(_chars, min_size=1, max_size=40).map(str.strip).filter(bool)
text = st.builds(
    lambda lead, body: lead + body,
    st.sampled_from(["", "=", "+", "-", "@", "'", "\t", "\r", "''"]),
    _body,
)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def action_specs(draw: st.DrawFn) -> list[dict[str, Any]]:
    size = draw(st.integers(min_value=1, max_value=6))
    return [
        {
            "inspection": draw(st.sampled_from(LABELS)),
            "kind": draw(st.sampled_from([k.value for k in Kind])),
            "finding": draw(text),
            "title": draw(text),
            "owner": draw(st.sampled_from(OWNERS)),
            "deadline": draw(st.none() | dates),
            "status": draw(st.sampled_from([s.value for s in Status])),
            "progress": draw(st.integers(0, 100)),
            "last_update_on": draw(
                st.none() | st.dates(min_value=date(2020, 1, 1), max_value=AS_OF)
            ),
            "notes": draw(st.just("") | text),
        }
        for _ in range(size)
    ]


@contextmanager
def fresh_engine(database_url: str, template: Path, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database with the test people in it."""
    if database_url.startswith("sqlite"):
        path = tmp_path / f"example-{next(_copies)}.db"
        shutil.copy(template, path)
        engine = db.make_engine(f"sqlite:///{path}")
    else:
        engine = db.get_engine(database_url)
        truncate_all(engine)
    with Session(engine) as session:
        seed_people(session)
        session.commit()
    try:
        yield engine
    finally:
        if database_url.startswith("sqlite"):
            engine.dispose()


def seed(engine: Engine, specs: list[dict[str, Any]]) -> None:
    """Actions as other parts of the product write them (ORM), one inspection per label."""
    from sqlmodel import select

    from actions.domain.models import Person
    from actions.transfer import midday_london

    with Session(engine) as session:
        people = {p.email: p.id for p in session.exec(select(Person))}
        inspections: dict[str, Inspection] = {}
        numbers: dict[tuple[str, str], int] = {}
        for seq, spec in enumerate(specs, start=1):
            label = spec["inspection"]
            if label not in inspections:
                inspection = Inspection(
                    code=f"INS{len(inspections) + 1}-2018", body="Body", title=label
                )
                session.add(inspection)
                session.flush()
                inspections[label] = inspection
            inspection = inspections[label]
            assert inspection.id is not None
            finding = Finding(
                inspection_id=inspection.id, seq=seq, kind=spec["kind"], text=spec["finding"]
            )
            session.add(finding)
            session.flush()
            assert finding.id is not None
            key = (inspection.code, KIND_CODES[Kind(spec["kind"])])
            numbers[key] = numbers.get(key, 0) + 1
            session.add(
                Action(
                    ref=f"{key[0]}-{key[1]}-{numbers[key]:02d}",
                    inspection_id=inspection.id,
                    finding_id=finding.id,
                    title=spec["title"],
                    owner_id=people[spec["owner"]] if spec["owner"] else None,
                    deadline=spec["deadline"],
                    original_deadline=spec["deadline"],
                    status=spec["status"],
                    progress=spec["progress"],
                    last_update_at=midday_london(spec["last_update_on"])
                    if spec["last_update_on"]
                    else None,
                    notes=spec["notes"],
                )
            )
        session.commit()


def cells(path: Path) -> list[dict[str, str]]:
    _, rows = read_table(path, COLUMNS)
    return [{c: r.values.get(c, "") for c in COLUMNS} for r in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@PROPERTY_SETTINGS
@given(specs=action_specs())
def test_export_import_export_is_the_identity(
    database_url: str, sqlite_template: Path, tmp_path: Path, fmt: str, specs: list[dict[str, Any]]
) -> None:
    first, again, fresh = (
        tmp_path / f"{n}-{next(_copies)}.{fmt}" for n in ("first", "again", "fresh")
    )
    with fresh_engine(database_url, sqlite_template, tmp_path) as engine:
        seed(engine, specs)
        export_actions(first, fmt, AS_OF, engine=engine)
        before = dump(engine)
        result = import_actions(first, engine=engine)
        assert (result.created, result.updated, result.unchanged) == (0, 0, len(specs))
        assert dump(engine) == before
        export_actions(again, fmt, AS_OF, engine=engine)
    with fresh_engine(database_url, sqlite_template, tmp_path) as engine:
        result = import_actions(first, engine=engine)
        assert result.created == len(specs)
        export_actions(fresh, fmt, AS_OF, engine=engine)
    if fmt == "csv":
        assert again.read_bytes() == first.read_bytes() == fresh.read_bytes()
    else:  # a workbook's bytes carry timestamps; its cells must match
        assert cells(again) == cells(first) == cells(fresh)


CORRUPTIONS = {
    "bad email": {"owner_email": "owner at force"},
    "unknown owner": {"owner_email": "nobody@force.example"},
    "impossible date": {"deadline": "2027-02-30"},
    "unparseable date": {"deadline": "next week"},
    "unknown status": {"status": "finished"},
    "progress not an integer": {"progress": "half"},
    "progress too big": {"progress": "101"},
    "unknown kind": {"kind": "observation"},
    "new row without finding": {"ref": "", "finding": ""},
    "new row without inspection": {"ref": "", "inspection": ""},
}


@PROPERTY_SETTINGS
@given(
    specs=action_specs(),
    corruption=st.sampled_from([*CORRUPTIONS, "duplicate ref"]),
    pick=st.integers(min_value=0),
)
def test_any_malformed_row_leaves_the_database_unchanged(
    database_url: str,
    sqlite_template: Path,
    tmp_path: Path,
    specs: list[dict[str, Any]],
    corruption: str,
    pick: int,
) -> None:
    path = tmp_path / f"bad-{next(_copies)}.csv"
    with fresh_engine(database_url, sqlite_template, tmp_path) as engine:
        seed(engine, specs)
        export_actions(path, "csv", AS_OF, engine=engine)
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
        index = pick % len(rows)
        if corruption == "duplicate ref":
            rows.append(dict(rows[index]))
            index = len(rows) - 1
        else:
            rows[index].update(CORRUPTIONS[corruption])
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
        before = dump(engine)
        with pytest.raises(RowErrors) as caught:
            import_actions(path, engine=engine)
        assert any(p.startswith(f"line {index + 2}: ") for p in caught.value.problems)
        assert dump(engine) == before
