"""Issues 5 and 9: a deliverer killed mid-run loses nothing and sends at most one message twice.

A real deliverer process sends to a real SMTP server on loopback and is killed with SIGKILL
after ~300 of 1,000 messages; once its lease has expired a second run finishes the job.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from actions.common.settings import reset_settings
from actions.messaging.delivery import BATCH, deliver
from tests.support.outbox_load import (
    CountingSink,
    assert_delivered,
    deliverer_env,
    kill,
    lease_policy,
    seed_messages,
    spawn_deliverer,
    states,
    wait_for,
    wait_for_leases,
)

pytestmark = pytest.mark.slow

MESSAGES = 1_000
#: Just past the first message of a claim, so the killed deliverer still holds most of its batch
#: (a kill at a batch boundary, 300 with claims of 20, could find nothing claimed).
KILL_AFTER = 15 * BATCH + 1


def test_killed_deliverer_loses_nothing(
    engine: Engine,
    database_url: str,
    sink: CountingSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = seed_messages(engine, MESSAGES)
    policy = lease_policy(tmp_path)
    process = spawn_deliverer(deliverer_env(database_url, sink.url(), policy))
    try:
        wait_for(lambda: sink.received >= KILL_AFTER or process.poll() is not None, timeout=60)
    finally:
        kill(process)
    assert process.returncode == -9, "the deliverer ended before it could be killed"
    before = sink.received
    assert KILL_AFTER <= before < MESSAGES
    left = states(engine)
    assert left.get("sending", 0) > 0, "the killed deliverer held no claimed messages"
    assert left.get("sent", 0) >= before - 1  # all it sent is on record, but the one in flight

    wait_for_leases(engine)
    monkeypatch.setenv("ACTIONS_DATABASE_URL", database_url)
    monkeypatch.setenv("ACTIONS_EMAIL_URL", sink.url())
    monkeypatch.setenv("ACTIONS_CONFIG", str(policy))
    reset_settings()
    report = deliver()

    assert report.failed == 0
    assert states(engine) == {"sent": MESSAGES}
    assert report.sent == MESSAGES - left.get("sent", 0)
    assert_delivered(sink.seen, ids, max_twice=1)
