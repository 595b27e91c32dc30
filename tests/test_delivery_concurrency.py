"""Issues 5, 9 and 17 (item 13) on PostgreSQL: four deliverer processes drain one outbox at once.

Claims use FOR UPDATE SKIP LOCKED, so the deliverers take disjoint batches, and every claim is
fenced by a token: a deliverer that stalls past its lease can no longer send or record what it
held. Lease expiry is forced, not hoped for: the SMTP sink holds chosen replies (a send slower
than the lease; a deliverer caught before or after handing a message over) and a deliverer is
paused (SIGSTOP) or killed (SIGKILL) at that exact point. Without a kill every message arrives
exactly once; with one, only the message it had handed over but not recorded arrives twice.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.support.outbox_load import (
    CountingSink,
    Stall,
    assert_delivered,
    deliverer_env,
    kill,
    lease_policy,
    pause,
    resume,
    seed_messages,
    spawn_deliverer,
    states,
    wait_for_leases,
)

pytestmark = pytest.mark.slow

MESSAGES = 5_000
KILL_MESSAGES = 2_000  # enough for every deliverer to hold a batch when one is killed
DELIVERERS = 4
LEASE_S = 10
#: A send the sink holds this long outlasts the lease (the old code then sent it twice).
SLOW_S = LEASE_S + 2

postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _sender(name: str) -> str:
    return f"{name}@force.example"


def _spawn(database_url: str, sink: CountingSink, policy: Path, name: str) -> subprocess.Popen[str]:
    """A deliverer whose messages the sink knows by their sender, ``name``@force.example."""
    return spawn_deliverer(deliverer_env(database_url, sink.url(_sender(name)), policy))


def _finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, int, int]]:
    """Wait for every deliverer; their (sent, failed, fenced) counts."""
    results = []
    for process in processes:
        out, errors = process.communicate(timeout=180)
        assert process.returncode == 0, errors[-2000:]
        sent, failed, fenced = out.split()
        results.append((int(sent), int(failed), int(fenced)))
    return results


@postgresql_only
def test_four_deliverers_send_each_message_once(
    engine: Engine, database_url: str, sink: CountingSink, tmp_path: Path
) -> None:
    """Two sends outlast the lease at the server and one deliverer is paused past its lease
    between arming a message and sending it: still no message arrives twice."""
    ids = seed_messages(engine, MESSAGES)
    policy = lease_policy(tmp_path, LEASE_S, backoff_seconds=1)
    paused = Stall(_sender("d0"), nth=50)  # held until released: d0 is paused meanwhile
    slow = [Stall(_sender("d1"), nth=n, seconds=SLOW_S) for n in (30, 60)]
    sink.stalls += [paused, *slow]
    processes = [_spawn(database_url, sink, policy, f"d{k}") for k in range(DELIVERERS)]
    victim, others = processes[0], processes[1:]

    assert paused.reached.wait(90), "d0 never got to its 50th message"
    pause(victim)  # d0 armed a message and sent MAIL FROM; its RCPT TO and content wait
    try:
        paused.release()
        results = _finish(others)
        wait_for_leases(engine)  # d0's lease has run out while it was paused
        late = _spawn(database_url, sink, policy, "late")  # takes d0's batch and the retries
        results += _finish([late])
    finally:
        resume(victim)
    results += _finish([victim])  # d0 resumes with a lapsed lease: sends and records nothing

    assert all(stall.reached.is_set() for stall in slow)
    sent = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    assert sent == MESSAGES
    assert failed == len(slow), (results, _errors(engine))
    assert results[-1] == (49, 0, 1), "d0: 49 sent, then one send fenced off after its pause"
    assert sum(1 for r in results if r[0]) >= 3, "the work was not shared"
    assert states(engine) == {"sent": MESSAGES}
    assert_delivered(sink.seen, ids, max_twice=0)


@postgresql_only
def test_killing_one_of_four_deliverers_loses_nothing(
    engine: Engine, database_url: str, sink: CountingSink, tmp_path: Path
) -> None:
    """d0 is killed right after handing its 100th message over, before it hears back: that
    message, and only that one, arrives twice (at least once); its batch is sent by others."""
    ids = seed_messages(engine, KILL_MESSAGES)
    policy = lease_policy(tmp_path, LEASE_S)
    in_flight = Stall(_sender("d0"), nth=100, at="DATA")
    sink.stalls.append(in_flight)
    processes = [_spawn(database_url, sink, policy, f"d{k}") for k in range(DELIVERERS)]
    victim, others = processes[0], processes[1:]
    try:
        assert in_flight.reached.wait(90), "d0 never got to its 100th message"
    finally:
        kill(victim)
    assert victim.returncode == -9
    in_flight.release()
    _finish(others)
    # What d0 held waits for its lease; on a slow machine the others may outlast that lease
    # and take the batch over themselves, which leaves nothing for the later run.
    stranded = states(engine).get("sending", 0)

    wait_for_leases(engine)
    late = _spawn(database_url, sink, policy, "late")  # any later run takes the batch over
    [(sent, failed, fenced)] = _finish([late])

    assert (failed, fenced) == (0, 0)
    assert sent == stranded, "the later run sent something other than the stranded batch"
    assert states(engine) == {"sent": KILL_MESSAGES}
    assert_delivered(sink.seen, ids, max_twice=1)
    assert [i for i, n in sink.seen.items() if n > 1] == [in_flight.message_id]


def _errors(engine: Engine) -> list[tuple[int, int, str]]:
    """Messages retried or failing: (id, attempts, last error), for a failure's message."""
    query = "SELECT id, attempts, last_error FROM message WHERE attempts > 1 OR last_error <> ''"
    with engine.connect() as conn:
        return [(r[0], r[1], r[2]) for r in conn.execute(text(query))]
