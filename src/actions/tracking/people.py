"""The people directory (docs/files.md): import from CSV, list, and the manager chain."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from actions.common.errors import RowErrors, UserInputError
from actions.common.logs import muted
from actions.common.tabular import read_table
from actions.domain.models import Person, Role
from actions.tracking import audit

PEOPLE_COLUMNS = ("email", "name", "manager_email", "notify", "role")
EMAIL_RE = re.compile(r"^[^@\s,;<>\"]+@[^@\s,;<>\"]+$")
ROLES = {r.value for r in Role}


@dataclass(frozen=True)
class PersonRow:
    line: int
    email: str
    name: str
    manager_email: str
    notify: str
    role: str


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def normalise_email(value: str) -> str:
    return value.strip().lower()


def is_email(value: str) -> bool:
    return bool(EMAIL_RE.match(value)) and len(value) <= 254


def invalid_notify_urls(notify: str) -> list[int]:
    """1-based positions of the URLs Apprise cannot use (the URLs are secrets: never echoed)."""
    import apprise  # lazy: start-up speed (see actions/cli/app.py)

    bad = []
    # Apprise logs each URL it refuses, token and all; the caller reports positions instead.
    with muted("apprise"):
        for position, url in enumerate(notify.split(), start=1):
            if not apprise.Apprise().add(url):
                bad.append(position)
    return bad


def _parse(path: Path) -> tuple[list[PersonRow], list[str]]:
    _, rows = read_table(path, required=("email", "name"))
    parsed: list[PersonRow] = []
    problems: list[str] = []
    for row in rows:
        person = PersonRow(
            line=row.line,
            email=normalise_email(row.get("email")),
            name=row.get("name"),
            manager_email=normalise_email(row.get("manager_email")),
            notify=" ".join(row.get("notify").split()),
            role=row.get("role").lower(),
        )
        problems += [f"line {row.line}: {p}" for p in _row_problems(person)]
        parsed.append(person)
    return parsed, problems


def _row_problems(person: PersonRow) -> list[str]:
    problems = []
    if not is_email(person.email):
        problems.append(f"email {person.email!r} is not an email address")
    if not person.name:
        problems.append("name is empty")
    elif len(person.name) > 200:
        problems.append("name is longer than 200 characters")
    if person.manager_email and person.manager_email == person.email:
        problems.append("a person cannot be their own manager")
    if person.role not in ROLES:
        problems.append(f"role {person.role!r} is unknown (leave blank or use 'sro')")
    for position in invalid_notify_urls(person.notify):
        problems.append(f"notify URL {position} is not a valid Apprise URL")
    return problems


def _chain_problems(rows: list[PersonRow], known: dict[str, str | None]) -> list[str]:
    """Unknown managers and cycles, checked against the directory as it will be after import."""
    managers = dict(known)
    managers.update({r.email: r.manager_email or None for r in rows})
    problems = []
    for row in rows:
        if row.manager_email and row.manager_email not in managers:
            problems.append(f"line {row.line}: manager {row.manager_email} is unknown")
            continue
        seen = {row.email}
        current = managers.get(row.email)
        while current:
            if current in seen:
                problems.append(f"line {row.line}: manager chain of {row.email} has a cycle")
                break
            seen.add(current)
            current = managers.get(current)
    return problems


def import_people(
    session: Session, path: Path, *, actor: str = audit.SYSTEM_ACTOR, dry_run: bool = False
) -> ImportResult:
    """Create or update people from a CSV/XLSX file; all-or-nothing."""
    rows, problems = _parse(path)
    if not rows and not problems:
        raise UserInputError(f"{path}: no people in the file")
    seen: dict[str, int] = {}
    for row in rows:
        if row.email in seen:
            problems.append(
                f"line {row.line}: duplicate email {row.email} (also line {seen[row.email]})"
            )
        seen.setdefault(row.email, row.line)
    existing = {p.email: p for p in session.exec(select(Person)).all()}
    ids = {p.id: p.email for p in existing.values()}
    known = {email: ids.get(p.manager_id) for email, p in existing.items()}
    problems += _chain_problems(rows, known)
    if problems:
        raise RowErrors(str(path), sorted(problems, key=_line_number))
    if dry_run:
        created = sum(1 for r in rows if r.email not in existing)
        return ImportResult(created, len(rows) - created, 0)
    return _write(session, rows, existing, actor=actor, source=str(path))


def _line_number(problem: str) -> int:
    match = re.match(r"line (\d+)", problem)
    return int(match.group(1)) if match else 0


def _write(
    session: Session, rows: list[PersonRow], existing: dict[str, Person], *, actor: str, source: str
) -> ImportResult:
    people = _add_new(session, rows, existing)
    trail = audit.Trail(session, actor, reason=source)
    counts = {"updated": 0, "unchanged": 0}
    for row in rows:
        person = people[row.email]
        manager_id = people[row.manager_email].id if row.manager_email else None
        if row.email in existing:
            counts[_update(trail, person, row, manager_id)] += 1
        else:
            _set(person, row, manager_id)
            assert person.id is not None
            trail.add(trail.row("person", person.id, "created", new=row.email))
    created = sum(1 for row in rows if row.email not in existing)
    return ImportResult(created, counts["updated"], counts["unchanged"])


def _add_new(
    session: Session, rows: list[PersonRow], existing: dict[str, Person]
) -> dict[str, Person]:
    """Every person of the file, the new ones added first so managers can point anywhere."""
    people = dict(existing)
    for row in rows:
        if row.email not in people:
            person = Person(email=row.email, name=row.name, notify=row.notify, role=row.role)
            session.add(person)
            people[row.email] = person
    session.flush()
    return people


def _set(person: Person, row: PersonRow, manager_id: int | None) -> None:
    person.name, person.manager_id, person.role = row.name, manager_id, row.role
    person.notify = row.notify


def _update(trail: audit.Trail, person: Person, row: PersonRow, manager_id: int | None) -> str:
    """Apply a row to someone already known, audited; "updated" or "unchanged"."""
    changes = {
        "name": (person.name, row.name),
        "manager_id": (person.manager_id, manager_id),
        "role": (person.role, row.role),
    }
    notify_changed = person.notify != row.notify
    _set(person, row, manager_id)
    assert person.id is not None
    trail.add_changes("person", person.id, changes)
    if notify_changed:  # the URLs may hold passwords: record the fact, not the value
        trail.add(trail.row("person", person.id, "notify", "(hidden)", "(hidden)"))
    changed = any(str(old) != str(new) for old, new in changes.values()) or notify_changed
    return "updated" if changed else "unchanged"


def get_person(session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == normalise_email(email))).first()
    if person is None:
        raise UserInputError(f"unknown person {email!r} (add them with `actions people import`)")
    return person


def list_people(session: Session) -> list[tuple[Person, str | None]]:
    """Every person with their manager's email, sorted by email."""
    people = session.exec(select(Person).order_by(Person.email)).all()
    emails = {p.id: p.email for p in people}
    return [(p, emails.get(p.manager_id)) for p in people]


def channel_label(person: Person) -> str:
    """How a person is reached, without revealing any URL."""
    urls = person.notify.split()
    if not urls:
        return "email"
    schemes = sorted({u.split("://", 1)[0] for u in urls})
    return "notify: " + ", ".join(schemes)


@dataclass
class Team:
    """The people whose actions someone reviews: everyone below them, or all for the SRO."""

    everyone: bool
    ids: set[int] = field(default_factory=set)

    def covers(self, owner_id: int | None) -> bool:
        return owner_id is not None and (self.everyone or owner_id in self.ids)

    @property
    def reviews(self) -> bool:
        return self.everyone or bool(self.ids)


def team_of(session: Session, person: Person) -> Team:
    """Who ``person`` reviews for (docs/lifecycle.md): the SRO everyone, a manager everyone
    below them in the directory. The one rule ``may_review`` and the portal's review queue
    both apply."""
    if person.role == Role.SRO:
        return Team(everyone=True)
    children: dict[int, list[int]] = defaultdict(list)
    for pid, manager_id in session.execute(select(col(Person.id), col(Person.manager_id))):
        if manager_id is not None:
            children[manager_id].append(pid)
    found: set[int] = set()
    stack = list(children.get(person.id or -1, []))
    while stack:  # the directory import refuses cycles; ``found`` guards anyway
        pid = stack.pop()
        if pid not in found:
            found.add(pid)
            stack.extend(children.get(pid, []))
    return Team(everyone=False, ids=found)
