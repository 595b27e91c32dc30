"""Chasing and escalation against a real SMTP server and a real HTTP endpoint (docs/chasing.md,
docs/delivery.md)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from actions.common.settings import reset_settings
from actions.domain.lifecycle import UpdateRequest
from actions.domain.models import Action, Message, MessageItem, Person, Status
from actions.messaging.delivery import deliver
from actions.services import chase_or_escalate
from actions.store.db import session_scope
from actions.tracking.updates import post_update, review
from tests.support.cli_runner import actions
from tests.support.helpers import seed_action
from tests.support.servers import HttpSink, SmtpSink
from tests.support.worlds import DEADLINE, MONDAY


def run(kind: str, day: date) -> dict[str, Any]:
    return chase_or_escalate(kind, day)


def recipients(smtp: SmtpSink) -> list[str]:
    return sorted(rcpt for _, rcpts in smtp.envelopes for rcpt in rcpts)


def test_one_digest_per_recipient_and_a_second_run_sends_nothing(world: dict[str, Any]) -> None:
    smtp = world["smtp"]
    first = run("chase", MONDAY)
    assert (first["planned"], first["sent"], first["failed"], first["recipients"]) == (1, 1, 0, 1)
    assert recipients(smtp) == ["owner@force.example"]
    body = smtp.messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "NOR-2018-AFI-01" in body and "NOR-2018-AFI-02" in body and "due in 14 days" in body
    assert "/p/" in body  # the signed portal link
    second = run("chase", MONDAY)
    assert (second["planned"], second["sent"], second["skipped_duplicate"]) == (0, 0, 2)
    assert len(smtp.messages) == 1


def test_each_threshold_once_and_a_missed_run_is_caught_up(world: dict[str, Any]) -> None:
    smtp = world["smtp"]
    # No run at 14 days before; the first run is at 10 days left: the 14-day reminder goes now.
    assert run("chase", date(2027, 3, 5))["sent"] == 1
    assert "due in 10 days" in smtp.messages[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert run("chase", date(2027, 3, 6))["planned"] == 0  # Saturday: nothing at all
    # Runs missed all week: Friday 12 March is inside the 7-day window.
    assert run("chase", date(2027, 3, 12))["sent"] == 1
    # The 1-day reminder falls on Sunday 14th: it goes on Monday 15th (due today).
    assert run("chase", date(2027, 3, 14))["planned"] == 0
    monday = run("chase", DEADLINE)
    assert monday["sent"] == 1
    assert "due today" in smtp.messages[-1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert run("chase", DEADLINE)["planned"] == 0
    assert len(smtp.messages) == 3


def test_bank_holidays_are_not_working_days(world: dict[str, Any]) -> None:
    easter_monday = date(2027, 3, 29)
    result = run("chase", easter_monday)
    assert result["planned"] == 0 and result["not_working_day"] == "Easter Monday"


def test_escalation_ladder(world: dict[str, Any]) -> None:
    smtp = world["smtp"]
    l1 = run("escalate", date(2027, 3, 16))
    assert l1["sent"] == 1 and recipients(smtp) == ["owner@force.example"]
    assert run("escalate", date(2027, 3, 17))["planned"] == 0
    smtp.messages.clear(), smtp.envelopes.clear()
    l2 = run("escalate", date(2027, 3, 22))
    assert recipients(smtp) == ["manager@force.example", "owner@force.example"]
    assert l2["recipients"] == 2
    manager_mail = smtp.to("manager@force.example")[0]
    assert "in your team" in manager_mail["Subject"]
    owner_copy = smtp.to("owner@force.example")[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "copied for information" in owner_copy
    assert run("escalate", date(2027, 3, 23))["planned"] == 0  # repeats at most every 7 days
    smtp.messages.clear(), smtp.envelopes.clear()
    assert run("escalate", date(2027, 3, 30))["sent"] == 2  # L2 repeat (29th was Easter Monday)
    smtp.messages.clear(), smtp.envelopes.clear()
    run("escalate", date(2027, 4, 5))
    assert recipients(smtp) == ["owner@force.example", "sro@force.example"]
    assert "Escalated to you as SRO" in smtp.to("sro@force.example")[0]["Subject"]
    with Session(world["engine"]) as session:
        levels = {a.ref: a.escalation_level for a in session.exec(select(Action))}
    assert levels == {"NOR-2018-AFI-01": 3, "NOR-2018-AFI-02": 3, "NOR-2018-AFI-03": 0}


def test_closing_or_a_new_deadline_ends_escalation(world: dict[str, Any]) -> None:
    smtp, engine = world["smtp"], world["engine"]
    run("escalate", date(2027, 3, 16))
    with session_scope(engine) as session:
        post_update(
            session,
            "NOR-2018-AFI-01",
            UpdateRequest(status=Status.COMPLETED, note="Done"),
            by="owner@force.example",
        )
        review(session, "NOR-2018-AFI-01", accept=True, by="manager@force.example")
        post_update(
            session,
            "NOR-2018-AFI-02",
            UpdateRequest(deadline=date(2027, 5, 31), reason="Supplier"),
            by="owner@force.example",
        )
    # The deadline change is not accepted yet: AFI-02 still escalates.
    smtp.messages.clear(), smtp.envelopes.clear()
    result = run("escalate", date(2027, 3, 22))
    body = smtp.to("manager@force.example")[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "NOR-2018-AFI-02" in body and "NOR-2018-AFI-01" not in body
    assert result["sent"] == 2
    with session_scope(engine) as session:
        review(session, "NOR-2018-AFI-02", accept=True, by="sro@force.example")
        levels = {a.ref: a.escalation_level for a in session.exec(select(Action))}
    assert levels["NOR-2018-AFI-02"] == 0
    assert run("escalate", date(2027, 4, 5))["planned"] == 0


def test_a_refusing_channel_is_retried_and_does_not_block_others(
    world: dict[str, Any], http: HttpSink
) -> None:
    engine, smtp = world["engine"], world["smtp"]
    with session_scope(engine) as session:
        other = session.exec(select(Person).where(Person.email == "other@force.example")).one()
        other.notify = http.url()
        seed_action(session, owner=other, ref="NOR-2018-AFI-04", deadline=DEADLINE)
    http.status = 500
    result = run("chase", MONDAY)
    assert (result["planned"], result["sent"], result["failed"]) == (2, 1, 1)
    assert recipients(smtp) == ["owner@force.example"]
    with Session(engine) as session:
        failed = session.exec(
            select(Message).where(Message.recipient_label == "other@force.example")
        ).one()
        assert (failed.state, failed.attempts) == ("pending", 1)
        assert (
            "json://127.0.0.1" in failed.last_error and failed.next_attempt_at > failed.created_at
        )
        session.execute(text("UPDATE message SET next_attempt_at = created_at"))
        session.commit()
    http.status = 200
    again = deliver()
    assert (again.sent, again.failed) == (1, 0)
    assert http.posts[0]["title"].startswith("1 inspection action needs your update")


def test_actions_deliver_sends_what_is_due_and_says_what_failed(
    world: dict[str, Any], http: HttpSink, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = world["engine"]
    with session_scope(engine) as session:
        other = session.exec(select(Person).where(Person.email == "other@force.example")).one()
        other.notify = http.url()
        seed_action(session, owner=other, ref="NOR-2018-AFI-04", deadline=DEADLINE)
    http.status = 500
    assert run("chase", MONDAY)["failed"] == 1
    with session_scope(engine) as session:  # the retry is due
        session.execute(text("UPDATE message SET next_attempt_at = created_at"))
    refused = actions(capsys, "deliver")
    assert refused.code == 1
    assert refused.out.strip() == "outbox: sent 0, failed 1 (of which 0 gave up)"
    assert "not delivered to other@force.example" in refused.err and "will retry" in refused.err
    with session_scope(engine) as session:
        session.execute(text("UPDATE message SET next_attempt_at = created_at"))
    http.status = 200
    delivered = actions(capsys, "deliver", "--json")
    assert (delivered.code, delivered.json()) == (0, {"sent": 1, "failed": 0, "gave_up": 0})
    assert http.posts[0]["title"].startswith("1 inspection action needs your update")
    assert actions(capsys, "deliver", "--json").json() == {"sent": 0, "failed": 0, "gave_up": 0}


def test_a_channel_that_times_out_gives_up_after_max_attempts(
    world: dict[str, Any], http: HttpSink, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = world["engine"]
    policy = tmp_path / "policy.toml"
    policy.write_text("[delivery]\nmax_attempts = 2\nbackoff_seconds = 1\n")
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    reset_settings()
    with session_scope(engine) as session:
        other = session.exec(select(Person).where(Person.email == "other@force.example")).one()
        other.notify = http.url() + "?rto=0.5&cto=0.5"
        seed_action(session, owner=other, ref="NOR-2018-AFI-04", deadline=DEADLINE)
    http.delay = 2.0
    result = run("chase", MONDAY)
    assert (result["sent"], result["failed"]) == (1, 1)
    with session_scope(engine) as session:
        session.execute(text("UPDATE message SET next_attempt_at = created_at"))
    assert deliver().gave_up == 1
    with Session(engine) as session:
        states = sorted(m.state for m in session.exec(select(Message)))
    assert states == ["failed", "sent"]


def test_names_and_findings_with_markup_arrive_escaped(world: dict[str, Any]) -> None:
    engine, smtp = world["engine"], world["smtp"]
    with session_scope(engine) as session:
        owner = session.exec(select(Person).where(Person.email == "owner@force.example")).one()
        owner.name = "<script>alert('name')</script>"
        action = session.exec(select(Action).where(Action.ref == "NOR-2018-AFI-01")).one()
        action.title = "Fix <script>alert(1)</script> & <b>bold</b>"
    run("chase", MONDAY)
    html = smtp.messages[0].get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in html


def test_smtp_password_never_reaches_the_outbox_or_logs(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    smtp, engine = world["smtp"], world["engine"]
    secret = "Sup3rSecretPassw0rd"
    # aiosmtpd offers no AUTH without TLS: the login fails, and the error must not leak.
    monkeypatch.setenv(
        "ACTIONS_EMAIL_URL", f"mailto://tracker:{secret}@127.0.0.1:{smtp.port}?from=t@force.example"
    )
    reset_settings()
    result = run("chase", MONDAY)
    assert result["failed"] == 1
    with engine.connect() as conn:
        dump = " ".join(str(row) for row in conn.execute(text("SELECT * FROM message")))
        dump += " ".join(str(row) for row in conn.execute(text("SELECT * FROM audit")))
    assert secret not in dump and secret not in caplog.text
    assert secret not in str(result)


def test_dry_run_writes_nothing(world: dict[str, Any]) -> None:
    result = chase_or_escalate("chase", MONDAY, dry_run=True)
    assert result["planned"] == 1 and result["sent"] == 0
    with Session(world["engine"]) as session:
        assert session.exec(select(Message)).all() == []
        assert session.exec(select(MessageItem)).all() == []


def test_update_requests_after_the_cadence(world: dict[str, Any]) -> None:
    smtp, engine = world["smtp"], world["engine"]
    with session_scope(engine) as session:
        post_update(
            session,
            "NOR-2018-AFI-03",
            UpdateRequest(progress=10, note="Started"),
            by="other@force.example",
        )
        session.execute(
            text("UPDATE action SET last_update_at = :t WHERE ref = 'NOR-2018-AFI-03'"),
            {
                "t": "2027-01-04 10:00:00"
                if engine.dialect.name == "sqlite"
                else "2027-01-04 10:00:00+00"
            },
        )
    run("chase", date(2027, 2, 3))  # 30 days of silence
    assert [m["Subject"] for m in smtp.to("other@force.example")] == [
        "1 inspection action needs your update"
    ]
    assert (
        "no update for 30 days"
        in smtp.to("other@force.example")[0].get_body(("plain",)).get_content()
    )  # type: ignore[union-attr]
    assert run("chase", date(2027, 2, 4))["planned"] == 0
    assert run("chase", date(2027, 3, 5))["recipients"] == 2  # 60 days: asked again


def test_a_missing_secret_key_stops_delivery_and_hands_messages_back(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from actions.common.errors import ConfigError
    from actions.services import plan_messages

    plan_messages("chase", MONDAY)  # planned with the key set
    monkeypatch.delenv("ACTIONS_SECRET_KEY")
    reset_settings()
    with pytest.raises(ConfigError, match="ACTIONS_SECRET_KEY"):
        deliver()
    with Session(world["engine"]) as session:
        message = session.exec(select(Message)).one()
    assert (message.state, message.lease_owner) == ("pending", None)
    assert world["smtp"].messages == []
