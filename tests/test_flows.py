"""Flows under one temporary Prefect server: states, artifacts, CLI summaries, deployments."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import yaml
from sqlmodel import Session, select

from actions.domain.models import Message, Person
from actions.store.db import session_scope
from tests.support.cli_runner import actions
from tests.support.helpers import seed_action
from tests.support.servers import HttpSink
from tests.support.worlds import DEADLINE, MONDAY

ROOT = Path(__file__).resolve().parents[1]


def artifact_keys(flow_run_id: UUID) -> set[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key for a in found if a.key}


def test_chase_cli_prints_the_spec_summary(
    capsys: pytest.CaptureFixture[str], world: dict[str, Any]
) -> None:
    first = actions(capsys, "chase", "--as-of", MONDAY.isoformat(), "--json")
    assert first.code == 0, first.err
    data = first.json()
    spec_keys = {"as_of", "planned", "sent", "skipped_duplicate", "failed", "recipients"}
    assert spec_keys <= set(data)
    assert {k: data[k] for k in spec_keys} == {
        "as_of": "2027-03-01",
        "planned": 1,
        "sent": 1,
        "skipped_duplicate": 0,
        "failed": 0,
        "recipients": 1,
    }
    again = actions(capsys, "chase", "--as-of", MONDAY.isoformat(), "--json").json()
    assert (again["planned"], again["sent"], again["skipped_duplicate"]) == (0, 0, 2)
    table = actions(capsys, "escalate", "--as-of", "2027-03-16")
    assert table.code == 0 and "Olive Owner" in table.out and "sent 1" in table.out


def test_a_failing_channel_makes_the_run_failed_with_artifacts(
    capsys: pytest.CaptureFixture[str],
    world: dict[str, Any],
    http: HttpSink,
    prefect_server: None,
) -> None:
    from flows.chase import chase_updates

    with session_scope(world["engine"]) as session:
        other = session.exec(select(Person).where(Person.email == "other@force.example")).one()
        other.notify = http.url()
        seed_action(session, owner=other, ref="NOR-2018-AFI-04", deadline=DEADLINE)
    http.status = 503
    state = chase_updates(as_of=MONDAY, return_state=True)
    assert state.is_failed() and "not delivered" in (state.message or "")
    summary = state.result(raise_on_failure=False)
    assert (summary["sent"], summary["failed"]) == (1, 1)
    assert {"chase-messages", "chase-summary"} <= artifact_keys(state.state_details.flow_run_id)
    # The CLI says so and exits 1.
    result = actions(capsys, "chase", "--as-of", "2027-03-08")
    assert result.code == 1 and "will retry" in result.err


def test_deliver_outbox_retries_what_failed(
    world: dict[str, Any], http: HttpSink, prefect_server: None
) -> None:
    from flows.chase import chase_updates
    from flows.deliver import deliver_outbox
    from sqlalchemy import text

    with session_scope(world["engine"]) as session:
        other = session.exec(select(Person).where(Person.email == "other@force.example")).one()
        other.notify = http.url()
        seed_action(session, owner=other, ref="NOR-2018-AFI-04", deadline=DEADLINE)
    http.status = 500
    chase_updates(as_of=MONDAY, return_state=True)
    http.status = 200
    with session_scope(world["engine"]) as session:
        session.execute(text("UPDATE message SET next_attempt_at = created_at"))
    state = deliver_outbox(return_state=True)
    assert state.is_completed()
    assert state.result()["sent"] == 1 and len(http.posts) == 1
    assert "outbox-delivery" in artifact_keys(state.state_details.flow_run_id)
    with Session(world["engine"]) as session:
        assert {m.state for m in session.exec(select(Message))} == {"sent"}


def test_ingest_flow_publishes_what_it_created(
    database_url: str, prefect_server: None, tmp_path: Path
) -> None:
    from flows.ingest import ingest_report

    sample = ROOT / "src/actions/sample/northamptonshire_peel2018_legitimacy.txt"
    state = ingest_report(path=str(sample), body="Northamptonshire Police", return_state=True)
    assert state.is_completed()
    assert len(state.result()["created"]) == 9
    assert {"ingest-actions", "ingest-summary"} <= artifact_keys(state.state_details.flow_run_id)
    prose = tmp_path / "minutes.txt"
    prose.write_text("Minutes of the board.\nThe meeting closed at 4pm.\n")
    bad = ingest_report(path=str(prose), body="X", return_state=True)
    assert bad.is_failed() and "no findings found" in (bad.message or "")


def test_escalation_summary_names_level_three_actions(
    world: dict[str, Any], prefect_server: None
) -> None:
    from datetime import date

    from flows.chase import escalate_overdue

    state = escalate_overdue(as_of=date(2027, 4, 5), return_state=True)
    summary = state.result()
    assert summary["level3_refs"] == ["NOR-2018-AFI-01", "NOR-2018-AFI-02"]
    assert state.state_details.flow_run_id is not None


def test_run_names_show_the_as_of_date(world: dict[str, Any], prefect_server: None) -> None:
    from flows.chase import chase_updates
    from prefect.client.orchestration import get_client

    state = chase_updates(as_of=MONDAY, dry_run=True, return_state=True)
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(state.state_details.flow_run_id)
    assert run.name == "chase 2027-03-01"


def test_serve_deploys_what_prefect_yaml_declares() -> None:
    from flows.deployments import TIMEZONE, declared_deployments

    specs = {spec.name: spec for spec in declared_deployments()}
    assert list(specs) == [
        "ingest",
        "chase-weekdays",
        "escalate-weekdays",
        "deliver-outbox",
        "report-weekly-monthly",
    ]
    assert specs["chase-weekdays"].crons == ("0 8 * * 1-5",)
    assert specs["report-weekly-monthly"].crons == ("0 7 * * 1", "0 7 1 * *")
    assert specs["ingest"].crons == () and specs["ingest"].concurrency_limit is None
    assert specs["report-weekly-monthly"].description.startswith("Progress report Mondays 07:00")
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]
    by_name = {d["name"]: d for d in declared}
    for spec in specs.values():
        yaml_spec = by_name[spec.name]
        assert yaml_spec["entrypoint"] == spec.entrypoint
        assert yaml_spec["work_pool"]["name"] == "actions"
        assert tuple(s["cron"] for s in yaml_spec["schedules"]) == spec.crons
        assert spec.timezone == TIMEZONE
        limit = yaml_spec.get("concurrency_limit")
        assert (limit or {}).get("limit") == spec.concurrency_limit
        spec.load_flow()  # the entrypoint imports


def test_runner_deployments_build(prefect_server: None) -> None:
    from flows.deployments import declared_deployments, runner_deployments

    built = runner_deployments()
    assert [d.name for d in built] == [spec.name for spec in declared_deployments()]
    chase = next(d for d in built if d.name == "chase-weekdays")
    assert chase.schedules and chase.schedules[0].schedule.timezone == "Europe/London"


def test_chase_without_a_secret_key_is_one_line_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACTIONS_SECRET_KEY")
    result = actions(capsys, "chase", "--as-of", MONDAY.isoformat())
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: ACTIONS_SECRET_KEY is not set (it signs the links in emails)"
    ]
    with Session(world["engine"]) as session:
        assert session.exec(select(Message)).all() == []
    assert actions(capsys, "chase", "--as-of", MONDAY.isoformat(), "--dry-run").code == 0
