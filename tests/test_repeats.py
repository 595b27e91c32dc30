"""The next inspection (docs/next-inspection.md): repeat findings linked, owners carried over,
earlier actions superseded (closed ones flagged), the rest listed for review; a person decides
the rest.

Matching rules run pure and fast; the database side runs through the CLI on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from actions.common.settings import reset_settings
from actions.domain.models import Action, AuditRecord, Person, RepeatSuggestion
from actions.repeats.features import terms, words
from actions.repeats.matching import Candidate, match
from actions.web import create_app
from tests.support.cli_runner import Result, actions
from tests.support.helpers import PEOPLE_CSV, write
from tests.support.portal import PORTAL_SECRET, csrf_of, form, signed_in

ROOT = Path(__file__).resolve().parents[1]
EARLIER = ROOT / "src" / "actions" / "sample" / "northamptonshire_peel2018_legitimacy.txt"
LATER = ROOT / "src" / "actions" / "sample" / "northamptonshire_peel2021_followup.txt"
LABELLED = ROOT / "tests" / "fixtures" / "repeats" / "dev"
BODY = "Northamptonshire Police"

STOP_SEARCH = "The force should make sure it has effective external scrutiny on stop and search."
USE_OF_FORCE = "The force should make sure it has effective external scrutiny on the use of force."


# -- matching, pure -------------------------------------------------------------------------------
def test_a_reworded_ask_is_linked_and_a_different_ask_on_the_same_topic_is_not() -> None:
    earlier = [Candidate(1, STOP_SEARCH), Candidate(2, USE_OF_FORCE)]
    new = [
        "The force should make sure that its use of stop and search is scrutinised externally.",
        "The force should improve how quickly it answers 101 calls.",
    ]
    found = match(new, earlier, body=BODY)
    assert [(m.new_index, m.earlier_key, m.certain) for m in found] == [(0, 1, True)]


def test_one_shared_topic_is_never_a_certain_link() -> None:
    """ "Stop and search" alone does not make two asks one (a real 2023 summary sentence)."""
    new = [
        "While the force is increasing its use of stop and search, it needs to make sure its "
        "officers feel confident in using it."
    ]
    assert not any(m.certain for m in match(new, [Candidate(1, STOP_SEARCH)], body=BODY))


def test_two_findings_as_close_to_one_earlier_ask_go_to_a_person() -> None:
    """An ask split in two at the next inspection: which half continues it is a person's call."""
    earlier = [Candidate(1, "The force should improve how it records crimes.")]
    new = [
        "The force should improve how it records crimes involving vulnerable adults.",
        "The force should improve how it records crimes involving vulnerable children.",
    ]
    found = match(new, earlier)
    assert found and not any(m.certain for m in found)


def test_each_earlier_action_is_linked_at_most_once() -> None:
    new = [STOP_SEARCH, STOP_SEARCH.replace("effective ", "")]
    found = match(new, [Candidate(1, STOP_SEARCH)])
    assert sum(m.certain for m in found) <= 1


def test_nothing_to_compare_gives_nothing() -> None:
    assert match([], [Candidate(1, STOP_SEARCH)]) == []
    assert match([STOP_SEARCH], []) == []


def test_abbreviations_phrases_and_synonyms_meet_their_long_forms() -> None:
    assert words("The IEP scheme") == ["the", "incentives", "earned", "privileges", "scheme"]
    assert "useofforce" in words("its use of force") and "useofforce" not in words(
        "abuse of forces"
    )
    assert set(terms("enough registered nurses")) == set(terms("sufficient qualified nurses"))
    assert terms("The force should make sure it has", ()) == []


def test_the_labelled_development_set_meets_the_floors() -> None:
    """The benchmark's dev folder, scored here too so a change to the matcher cannot slip below."""
    gold_total = links = right = found_by_person = 0
    for path in sorted(LABELLED.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        refs = [e["ref"] for e in case["earlier"]]
        gold = {link["later"]: link["earlier"] for link in case["links"]}
        earlier = [Candidate(n, e["text"]) for n, e in enumerate(case["earlier"])]
        found = match([f["text"] for f in case["later"]], earlier, body=case["body"])
        gold_total += len(gold)
        hits = {m.new_index for m in found if gold.get(m.new_index) == refs[m.earlier_key]}
        links += sum(m.certain for m in found)
        right += sum(m.certain and gold.get(m.new_index) == refs[m.earlier_key] for m in found)
        found_by_person += len(hits)
    assert gold_total >= 60
    assert right / links >= 0.95
    assert found_by_person / gold_total >= 0.95


# -- through ingest -------------------------------------------------------------------------------
def ingest(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> Result:
    return actions(capsys, "ingest", str(path), "--body", BODY, "--json", *extra)


def _two_inspections(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> dict[str, object]:
    """2018 ingested, owned and partly closed; then the 2021 report."""
    assert actions(capsys, "people", "import", str(write(tmp_path / "p.csv", PEOPLE_CSV))).code == 0
    assert ingest(capsys, EARLIER).code == 0
    owner = session.execute(
        select(Person).where(col(Person.email) == "owner@force.example")
    ).scalar_one()
    session.execute(
        text("UPDATE action SET owner_id = :o WHERE ref IN ('NOR-2018-AFI-01', 'NOR-2018-AFI-02')"),
        {"o": owner.id},
    )
    session.execute(
        text(
            "UPDATE action SET status = 'closed', closed_at = '2020-05-04 12:00:00' "
            "WHERE ref = 'NOR-2018-AFI-08'"
        )
    )
    session.commit()
    result = ingest(capsys, LATER, "--published", "2021-06-01")
    assert result.code == 0, result.err
    return result.json()


def _by_ref(session: Session) -> dict[str, Action]:
    session.expire_all()
    return {a.ref: a for a in session.execute(select(Action)).scalars()}


def test_the_next_report_links_repeats_carries_owners_and_supersedes(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> None:
    summary = _two_inspections(capsys, session, tmp_path)
    assert summary["outcome"] == "new" and summary["inspection"] == "NOR-2021"
    linked = {r["ref"]: r["repeat_of"] for r in summary["repeats"]}
    assert linked == {
        "NOR-2021-AFI-01": "NOR-2018-AFI-01",
        "NOR-2021-AFI-02": "NOR-2018-AFI-02",
        "NOR-2021-AFI-04": "NOR-2018-AFI-04",
        "NOR-2021-AFI-05": "NOR-2018-AFI-08",
    }
    assert all(0 < r["similarity"] <= 1 for r in summary["repeats"])
    # The complaints-scrutiny ask is not silently linked to the stop-and-search or force one.
    assert "NOR-2021-AFI-03" not in linked
    assert {s["ref"] for s in summary["suggested_repeats"]} <= {"NOR-2021-AFI-03"}
    # Suggested ones wait for the SRO; the rest still open are listed for review.
    assert {s["repeat_of"] for s in summary["suggested_repeats"]} == {"NOR-2018-AFI-03"}
    assert summary["not_raised_again"] == [
        "NOR-2018-AFI-05",
        "NOR-2018-AFI-06",
        "NOR-2018-AFI-07",
        "NOR-2018-AFI-09",
    ]
    actions_ = _by_ref(session)
    new, old = actions_["NOR-2021-AFI-02"], actions_["NOR-2018-AFI-02"]
    assert new.repeat_of_id == old.id and new.owner_id == old.owner_id is not None
    assert old.status == "superseded" and old.superseded_by_id == new.id
    assert actions_["NOR-2021-AFI-06"].repeat_of_id is None
    # Closed and raised again: flagged, and stays closed.
    closed = next(r for r in summary["repeats"] if r["repeat_of"] == "NOR-2018-AFI-08")
    assert closed["earlier_status"] == "closed" and closed["closed_on"] == "2020-05-04"
    assert actions_["NOR-2018-AFI-08"].status == "closed"
    # Not raised again: still open, never closed automatically.
    assert actions_["NOR-2018-AFI-05"].status == "open"
    trail = session.execute(
        select(col(AuditRecord.field), col(AuditRecord.new)).where(
            col(AuditRecord.action_id) == old.id
        )
    ).all()
    assert ("status", "superseded") in trail


def test_dry_run_shows_the_repeats_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], session: Session, engine: Engine, tmp_path: Path
) -> None:
    assert ingest(capsys, EARLIER).code == 0
    dry = ingest(capsys, LATER, "--dry-run")
    assert dry.code == 0, dry.err
    assert {r["repeat_of"] for r in dry.json()["repeats"]} >= {"NOR-2018-AFI-02"}
    assert set(_by_ref(session)) == {f"NOR-2018-AFI-{n:02d}" for n in range(1, 10)}
    assert all(a.status == "open" for a in _by_ref(session).values())
    text_out = actions(capsys, "ingest", str(LATER), "--body", BODY, "--dry-run")
    assert "NOR-2021-AFI-02 repeats NOR-2018-AFI-02" in text_out.out
    assert "would be superseded" in text_out.out and "not raised again (" in text_out.out


def test_a_revision_of_the_same_report_is_not_compared_with_itself(
    capsys: pytest.CaptureFixture[str], engine: Engine, tmp_path: Path
) -> None:
    assert ingest(capsys, EARLIER).code == 0
    revised = write(tmp_path / "rev.txt", EARLIER.read_text(encoding="utf-8") + "\n")
    summary = ingest(capsys, revised).json()
    assert summary["outcome"] == "revision"
    assert summary["repeats"] == [] and summary["not_raised_again"] == []


def test_another_body_is_never_compared(capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    assert ingest(capsys, EARLIER).code == 0
    other = actions(capsys, "ingest", str(LATER), "--body", "Westshire Police", "--json")
    assert other.json()["repeats"] == [] and other.json()["not_raised_again"] == []


# -- a person decides -----------------------------------------------------------------------------
def test_the_sro_confirms_dismisses_adds_and_breaks_links_audited(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> None:
    _two_inspections(capsys, session, tmp_path)
    pending = actions(capsys, "repeats", "list", "--json").json()
    assert {p["ref"] for p in pending} <= {"NOR-2021-AFI-03"}
    # Only the SRO decides.
    refused = actions(
        capsys,
        "repeats",
        "confirm",
        "NOR-2021-AFI-03",
        "--repeat-of",
        "NOR-2018-AFI-03",
        "--by",
        "manager@force.example",
    )
    assert refused.code == 2 and "only the SRO" in refused.err
    # A link of one's own: 2021-AFI-03 (complaints scrutiny) said to continue 2018-AFI-03.
    added = actions(
        capsys,
        "repeats",
        "confirm",
        "NOR-2021-AFI-03",
        "--repeat-of",
        "NOR-2018-AFI-03",
        "--by",
        "sro@force.example",
        "--json",
    )
    assert added.code == 0, added.err
    assert added.json()["repeat_of"] == "NOR-2018-AFI-03"
    actions_ = _by_ref(session)
    assert actions_["NOR-2018-AFI-03"].status == "superseded"
    assert not session.execute(
        select(RepeatSuggestion).where(col(RepeatSuggestion.state) == "pending")
    ).first()
    # One link per action, one successor per earlier action: a second one is refused.
    twice = actions(
        capsys,
        "repeats",
        "confirm",
        "NOR-2021-AFI-03",
        "--repeat-of",
        "NOR-2018-AFI-05",
        "--by",
        "sro@force.example",
    )
    assert twice.code == 2 and "break that link first" in twice.err
    taken = actions(
        capsys,
        "repeats",
        "confirm",
        "NOR-2021-AFI-06",
        "--repeat-of",
        "NOR-2018-AFI-02",
        "--by",
        "sro@force.example",
    )
    assert taken.code == 2 and "already continued by another action" in taken.err
    assert _by_ref(session)["NOR-2018-AFI-02"].superseded_by_id == actions_["NOR-2021-AFI-02"].id
    # And broken again: the earlier action gets its status back.
    no_reason = actions(
        capsys, "repeats", "break", "NOR-2021-AFI-03", "--by", "sro@force.example", "--reason", " "
    )
    assert no_reason.code == 2
    broken = actions(
        capsys,
        "repeats",
        "break",
        "NOR-2021-AFI-03",
        "--by",
        "sro@force.example",
        "--reason",
        "complaints are not use of force",
    )
    assert broken.code == 0, broken.err
    actions_ = _by_ref(session)
    assert actions_["NOR-2021-AFI-03"].repeat_of_id is None
    assert actions_["NOR-2018-AFI-03"].status == "open"
    assert actions_["NOR-2018-AFI-03"].superseded_by_id is None
    fields = [
        (r.actor, r.field, r.old, r.new)
        for r in session.execute(
            select(AuditRecord).where(col(AuditRecord.action_id) == actions_["NOR-2018-AFI-03"].id)
        ).scalars()
    ]
    assert ("sro@force.example", "status", "open", "superseded") in fields
    assert ("sro@force.example", "status", "superseded", "open") in fields
    # Links cannot point into the same inspection or at themselves.
    same = actions(
        capsys,
        "repeats",
        "confirm",
        "NOR-2021-AFI-03",
        "--repeat-of",
        "NOR-2021-AFI-01",
        "--by",
        "sro@force.example",
    )
    assert same.code == 2 and "same inspection" in same.err


def test_show_prints_the_chain_across_inspections(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> None:
    _two_inspections(capsys, session, tmp_path)
    shown = actions(capsys, "show", "NOR-2018-AFI-08")
    assert shown.code == 0, shown.err
    assert "Across inspections" in shown.out
    assert "NOR-2018-AFI-08 (NOR-2018) closed on 2020-05-04, raised again" in shown.out
    assert "→ NOR-2021-AFI-05 (NOR-2021)" in shown.out
    chain = actions(capsys, "show", "NOR-2021-AFI-02", "--json").json()["chain"]
    assert [s["ref"] for s in chain] == ["NOR-2018-AFI-02", "NOR-2021-AFI-02"]
    assert (
        actions(capsys, "show", "NOR-2021-AFI-02", "--json").json()["repeat_of"]
        == "NOR-2018-AFI-02"
    )


# -- files and reports ----------------------------------------------------------------------------
def test_export_carries_repeat_of_and_import_reads_it(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> None:
    _two_inspections(capsys, session, tmp_path)
    exported = tmp_path / "actions.csv"
    assert actions(capsys, "export", "--format", "csv", "--out", str(exported)).code == 0
    rows = list(csv.DictReader(exported.open(encoding="utf-8-sig")))
    assert list(rows[0])[-1] == "repeat_of"
    by_ref = {r["ref"]: r for r in rows}
    assert by_ref["NOR-2021-AFI-02"]["repeat_of"] == "NOR-2018-AFI-02"
    assert by_ref["NOR-2021-AFI-06"]["repeat_of"] == ""
    # A round trip changes nothing.
    again = actions(capsys, "import", str(exported), "--json")
    assert again.code == 0, again.err and again.json()["updated"] == 0
    # A link set in the file; an unknown ref refused with its line.
    by_ref["NOR-2021-AFI-06"]["repeat_of"] = "NOR-2018-AFI-09"
    by_ref["NOR-2021-AFI-03"]["repeat_of"] = "NOR-1999-AFI-01"
    bad = tmp_path / "bad.csv"
    with bad.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(by_ref.values())
    refused = actions(capsys, "import", str(bad))
    assert refused.code == 2 and "repeat_of NOR-1999-AFI-01 is not a known action" in refused.err
    by_ref["NOR-2021-AFI-03"]["repeat_of"] = ""
    with bad.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(by_ref.values())
    assert actions(capsys, "import", str(bad)).code == 0
    actions_ = _by_ref(session)
    assert actions_["NOR-2021-AFI-06"].repeat_of_id == actions_["NOR-2018-AFI-09"].id
    # Blank keeps a link; a file without the column still imports and keeps them all.
    assert actions_["NOR-2021-AFI-03"].repeat_of_id is None
    assert actions_["NOR-2021-AFI-02"].repeat_of_id == actions_["NOR-2018-AFI-02"].id
    older = tmp_path / "older.csv"
    with older.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0])[:-1], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(by_ref.values())
    assert actions(capsys, "import", str(older)).code == 0
    assert _by_ref(session)["NOR-2021-AFI-06"].repeat_of_id == actions_["NOR-2018-AFI-09"].id


def test_the_progress_report_and_pack_show_raised_again_and_at_risk(
    capsys: pytest.CaptureFixture[str], session: Session, tmp_path: Path
) -> None:
    _two_inspections(capsys, session, tmp_path)
    out = tmp_path / "out"
    result = actions(capsys, "report", "--out", str(out), "--format", "md", "--as-of", "2021-09-01")
    assert result.code == 0, result.err
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    section = md.split("## Raised again", 1)[1].split("\n## ", 1)[0]
    assert "NOR-2021-AFI-05" in section and "closed on 4 May 2020, raised again" in section
    assert "NOR-2021-AFI-02" in section and "NOR-2018-AFI-02 (NOR-2018): superseded" in section
    assert "NOR-2021-AFI-06" not in section


# -- the portal, for the SRO ----------------------------------------------------------------------
def test_the_sro_decides_repeats_in_the_portal_and_no_one_else_can(
    capsys: pytest.CaptureFixture[str],
    session: Session,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACTIONS_SECRET_KEY", PORTAL_SECRET)
    reset_settings()
    _two_inspections(capsys, session, tmp_path)
    app = create_app(database_url)
    sro = signed_in(app, "sro@force.example")
    page = sro.get("/me").text
    assert "Raised again? (for you to decide)" in page
    assert 'NOR-2021-AFI-03</span> may repeat <span class="ref">NOR-2018-AFI-03' in page
    assert "Break the link" in page and "NOR-2018-AFI-02" in page
    # A manager sees no such section and may not post to it.
    manager = signed_in(app, "manager@force.example")
    assert "Raised again?" not in manager.get("/me").text
    refused = manager.post(
        "/repeats/NOR-2021-AFI-03",
        data=form(csrf_of(manager.get("/me").text), decision="confirm", earlier="NOR-2018-AFI-03"),
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert _by_ref(session)["NOR-2021-AFI-03"].repeat_of_id is None
    # The SRO says it is a different ask: dismissed, audited, gone from the page.
    csrf = csrf_of(page)
    done = sro.post(
        "/repeats/NOR-2021-AFI-03",
        data=form(csrf, decision="dismiss", earlier="NOR-2018-AFI-03"),
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/me?repeat=")
    assert "may repeat" not in sro.get("/me").text
    state = session.execute(select(col(RepeatSuggestion.state))).scalars().all()
    assert state == ["dismissed"]
    # Breaking a link needs a reason; with one, the earlier action is open again.
    empty = sro.post(
        "/repeats/NOR-2021-AFI-02",
        data=form(csrf, decision="break", reason=""),
    )
    assert empty.status_code == 422 and "needs a reason" in empty.text
    broken = sro.post(
        "/repeats/NOR-2021-AFI-02",
        data=form(csrf, decision="break", reason="different scrutiny panel"),
        follow_redirects=False,
    )
    assert broken.status_code == 303
    actions_ = _by_ref(session)
    assert actions_["NOR-2021-AFI-02"].repeat_of_id is None
    assert actions_["NOR-2018-AFI-02"].status == "open"
