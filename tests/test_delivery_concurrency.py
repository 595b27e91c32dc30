"""Issues 5 and 9 on PostgreSQL: four deliverer processes drain one outbox at once.

Claims use FOR UPDATE SKIP LOCKED, so the deliverers take disjoint batches: every message must
arrive exactly once. If one of them is killed, its claimed batch waits for the lease to expire
and is then sent by another run; only the message it had in flight may arrive twice.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.outbox_load import (
    CountingSink,
    assert_delivered,
    deliverer_env,
    kill,
    lease_policy,
    seed_messages,
    spawn_deliverer,
    start_sink,
    states,
    wait_for,
    wait_for_leases,
)
from tests.servers import free_port

MESSAGES = 5_000
KILL_MESSAGES = 2_000  # enough for every deliverer to hold a batch when one is killed
DELIVERERS = 4

postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def sink() -> Iterator[CountingSink]:
    sink, controller = start_sink(free_port())
    try:
        yield sink
    finally:
        controller.stop()


def _finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, int]]:
    """Wait for every deliverer; their (sent, failed) counts."""
    results = []
    for process in processes:
        out, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors[-2000:]
        sent, failed = out.split()
        results.append((int(sent), int(failed)))
    return results


@postgresql_only
def test_four_deliverers_send_each_message_once(
    engine: Engine, database_url: str, sink: CountingSink, tmp_path: Path
) -> None:
    ids = seed_messages(engine, MESSAGES)
    env = deliverer_env(database_url, sink.url(), lease_policy(tmp_path))
    processes = [spawn_deliverer(env) for _ in range(DELIVERERS)]
    results = _finish(processes)

    assert sum(sent for sent, _ in results) == MESSAGES
    assert all(failed == 0 for _, failed in results)
    assert sum(1 for sent, _ in results if sent) >= 2, "the work was not shared"
    assert states(engine) == {"sent": MESSAGES}
    assert_delivered(sink.seen, ids, max_twice=0)


@postgresql_only
def test_killing_one_of_four_deliverers_loses_nothing(
    engine: Engine, database_url: str, sink: CountingSink, tmp_path: Path
) -> None:
    ids = seed_messages(engine, KILL_MESSAGES)
    env = deliverer_env(database_url, sink.url(), lease_policy(tmp_path))
    processes = [spawn_deliverer(env) for _ in range(DELIVERERS)]
    victim, others = processes[0], processes[1:]
    try:
        wait_for(lambda: sink.received >= KILL_MESSAGES // 3 or victim.poll() is not None, 90)
    finally:
        kill(victim)
    assert victim.returncode == -9, "the victim finished before it could be killed"
    _finish(others)
    stranded = states(engine).get("sending", 0)

    wait_for_leases(engine)
    late = spawn_deliverer(env)  # any later run (here: a fresh process) takes the batch over
    [(sent, failed)] = _finish([late])

    assert failed == 0
    assert sent == stranded, "the later run sent something other than the stranded batch"
    assert states(engine) == {"sent": KILL_MESSAGES}
    assert_delivered(sink.seen, ids, max_twice=1)
