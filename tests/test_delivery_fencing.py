"""Issue 17, item 13: a deliverer that lost its lease can neither send nor record.

Every claim writes a fresh token. The statement that arms a message just before it is sent
matches that token and a lease that outlasts the send; outcomes are recorded only under the
same token. Before this, only the lease owner's name (host:pid) guarded a message, and a
renewed lease could run out during a send: a deliverer paused there sent the message after
another had taken it over (2 duplicates in 5,000 on a busy machine, nobody killed).
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from actions.common.dates import utcnow
from actions.common.settings import reset_settings
from actions.domain.models import Message
from actions.messaging import outbox
from actions.messaging.delivery import deliver
from tests.support.outbox_load import (
    CountingSink,
    Stall,
    assert_delivered,
    deliverer_env,
    lease_policy,
    pause,
    resume,
    seed_messages,
    spawn_deliverer,
    states,
    wait_for_leases,
)

LEASE_S = 10


def _row(engine: Engine, message_id: int) -> Message:
    with Session(engine) as session:
        return session.execute(select(Message).where(Message.id == message_id)).scalar_one()


def test_a_claim_that_lost_its_message_can_neither_arm_nor_record(engine: Engine) -> None:
    """Two claims under the same owner name (a deliverer restarted in a container with the
    same host name and pid, or two runs in one process): only the newer one may act."""
    [message_id] = seed_messages(engine, 1)
    start = utcnow()
    with Session(engine) as session, session.begin():
        old = outbox.claim(session, owner="host:7", limit=5, lease_seconds=LEASE_S, now=start)
    later = start + timedelta(seconds=LEASE_S + 1)  # the old claim's lease has run out
    with Session(engine) as session, session.begin():
        new = outbox.claim(session, owner="host:7", limit=5, lease_seconds=LEASE_S, now=later)
    assert old.ids == new.ids == [message_id] and old.token != new.token

    with Session(engine) as session, session.begin():
        assert outbox.arm(session, message_id, old.token, must_hold_seconds=1, now=later) is None
        assert outbox.renew(session, [message_id], old.token, LEASE_S, now=later) == 0
        armed = outbox.arm(session, message_id, new.token, must_hold_seconds=1, now=later)
        assert armed is not None and armed.attempts == 1  # counted once: only one was armed
    with Session(engine) as session, session.begin():  # the new holder is sending meanwhile
        assert outbox.mark_sent(session, message_id, old.token) is False
        late_failure = outbox.mark_failed(
            session, message_id, old.token, "timed out", attempts=1, max_attempts=1,
            backoff_seconds=60,
        )  # fmt: skip
        assert late_failure is None
    row = _row(engine, message_id)
    assert (row.state, row.last_error, row.claim_token) == ("sending", "", new.token)
    with Session(engine) as session, session.begin():
        assert outbox.mark_sent(session, message_id, new.token) is True
        assert outbox.mark_failed(
            session, message_id, old.token, "late", attempts=1, max_attempts=1, backoff_seconds=1
        ) is None  # fmt: skip
    assert (_row(engine, message_id).state, _row(engine, message_id).last_error) == ("sent", "")


def test_arming_needs_a_lease_that_outlasts_the_send(engine: Engine) -> None:
    """Its own token is not enough: the lease must still cover the send and its margin, or a
    claim may take the message while it is being sent. Renewal extends live leases only."""
    [message_id] = seed_messages(engine, 1)
    start = utcnow()
    with Session(engine) as session, session.begin():
        claim = outbox.claim(session, owner="d", limit=1, lease_seconds=LEASE_S, now=start)
    near_end = start + timedelta(seconds=LEASE_S - 4)
    with Session(engine) as session, session.begin():
        assert (
            outbox.arm(session, message_id, claim.token, must_hold_seconds=5, now=near_end) is None
        )
        assert outbox.renew(session, [message_id], claim.token, LEASE_S, now=near_end) == 1
        assert outbox.arm(session, message_id, claim.token, must_hold_seconds=5, now=near_end)
    expired = near_end + timedelta(seconds=LEASE_S + 1)
    with Session(engine) as session, session.begin():
        assert outbox.renew(session, [message_id], claim.token, LEASE_S, now=expired) == 0
        assert (
            outbox.arm(session, message_id, claim.token, must_hold_seconds=0, now=expired) is None
        )


def test_deliverer_paused_past_its_lease_neither_sends_nor_records(
    engine: Engine,
    database_url: str,
    sink: CountingSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A deliverer is paused (SIGSTOP) after arming a message, mid-transaction with the SMTP
    server; its lease runs out and another run sends the batch. Resumed, it must not send the
    message (the old code did: it arrived twice) nor overwrite the new run's record."""
    ids = seed_messages(engine, 5)
    policy = lease_policy(tmp_path, LEASE_S, backoff_seconds=1)
    held = Stall("a@force.example", nth=2)  # its second message, after one went through
    sink.stalls.append(held)
    first = spawn_deliverer(deliverer_env(database_url, sink.url("a@force.example"), policy))
    try:
        assert held.reached.wait(60), "the deliverer never got to its second message"
        pause(first)  # MAIL FROM sent; RCPT TO and the content are still to come
        held.release()  # the server's "250" waits, unread, in the paused deliverer's socket
        wait_for_leases(engine)
        monkeypatch.setenv("ACTIONS_EMAIL_URL", sink.url("b@force.example"))
        monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
        reset_settings()
        takeover = deliver()
    finally:
        resume(first)
    out, errors = first.communicate(timeout=60)

    assert first.returncode == 0, errors[-2000:]
    assert out.split() == ["1", "0", "1"], "sent 1, then its one armed send was fenced off"
    assert (takeover.sent, takeover.failed, takeover.fenced) == (4, 0, 0)
    assert_delivered(sink.seen, ids, max_twice=0)
    assert states(engine) == {"sent": 5}
    paused_on = _row(engine, ids[1])
    assert (paused_on.last_error, paused_on.lease_owner) == ("", None)  # the new run's record
    assert paused_on.attempts == 2  # armed by both; sent by the second only


def test_rate_limited_delivery_records_each_outcome_and_keeps_the_pace(
    engine: Engine, sink: CountingSink, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a rate limit the wait comes before a message is armed (it must not use up the
    send's time) and after the last outcome is recorded."""
    ids = seed_messages(engine, 6, recipients=2)
    policy = lease_policy(tmp_path, LEASE_S, rate_per_second=10.0)
    monkeypatch.setenv("ACTIONS_EMAIL_URL", sink.url())
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    reset_settings()
    started = time.monotonic()
    report = deliver()
    elapsed = time.monotonic() - started

    assert (report.sent, report.failed, report.fenced) == (6, 0, 0)
    assert elapsed >= 0.5  # six sends on one channel at 10 per second: five waits of 0.1 s
    assert_delivered(sink.seen, ids, max_twice=0)
    assert states(engine) == {"sent": 6}
