"""Load for the outbox: many ready-to-send messages, a counting SMTP sink and deliverer
processes. Shared by the delivery crash/concurrency/fault tests and benchmarks/delivery.py.

Messages are inserted already rendered (``body_text`` set), so delivery sends them as they are
(``fencing._prepare`` renders only empty bodies): the load measures the outbox and the
transport, not the templates.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, func, insert, select, text
from sqlmodel import col

from actions.domain.models import Message, Person

HEADER = re.compile(rb"^X-Actions-Message:\s*(\d+)", re.MULTILINE | re.IGNORECASE)
CHUNK = 2_000

#: What a deliverer process runs: drain the outbox, print "sent failed fenced".
DELIVER_SCRIPT = (
    "from actions.messaging.delivery import deliver; r = deliver(); "
    "print(r.sent, r.failed, r.fenced, flush=True)"
)


def seed_messages(engine: Engine, count: int, *, recipients: int = 50) -> list[int]:
    """``recipients`` people and ``count`` pending, already rendered messages to them."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        first = conn.execute(select(func.coalesce(func.max(col(Person.id)), 0))).scalar_one()
        people = [_person(first + i, now) for i in range(1, recipients + 1)]
        conn.execute(insert(Person), people)
        rows = [_message(i, people[i % recipients], now) for i in range(count)]
        for start in range(0, count, CHUNK):
            conn.execute(insert(Message), rows[start : start + CHUNK])
        if engine.dialect.name == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('person', 'id'), max(id)) FROM person")
            )
        ids = conn.execute(select(col(Message.id)).order_by(col(Message.id))).scalars()
        return list(ids)


def _person(pid: int, now: datetime) -> dict[str, Any]:
    return {
        "id": pid,
        "email": f"load{pid}@force.example",
        "name": f"Load {pid}",
        "manager_id": None,
        "notify": "",
        "role": "",
        "active": True,
        "created_at": now,
    }


def _message(i: int, person: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "recipient_id": person["id"],
        "recipient_label": person["email"],
        "kind": "chase",
        "dedupe_key": f"load:{now.timestamp()}:{i}",
        "subject": f"Load message {i}",
        "payload": {},
        "body_text": f"Message {i}: please update your actions.\n" * 5,
        "body_html": f"<p>Message {i}: please update your actions.</p>" * 5,
        "attachments": [],
        "state": "pending",
        "attempts": 0,
        "last_error": "",
        "next_attempt_at": now,
        "lease_owner": None,
        "lease_until": None,
        "created_at": now,
        "sent_at": None,
        "run_label": "load",
    }


def states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(col(Message.state), func.count()).group_by(col(Message.state)))
        return {state: n for state, n in rows}


@dataclass
class Stall:
    """The sink holds its reply to the ``nth`` message from ``sender`` (``MAIL FROM``):

    * at ``MAIL``, before the deliverer has sent the content (nothing is delivered yet), or
    * at ``DATA``, after the content arrived and was counted (delivered; the deliverer has not
      heard so, as when it dies or stalls just after sending).

    It holds for ``seconds``, or until :meth:`release` if None. Stalls force slow sends and
    paused deliverers at exact points, so tests need not hope for a busy machine.
    """

    sender: str
    nth: int = 1
    at: str = "MAIL"
    seconds: float | None = None
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)
    #: The message held at DATA (its X-Actions-Message id).
    message_id: int | None = None

    def release(self) -> None:
        self.released.set()

    async def hold(self) -> None:
        self.reached.set()
        deadline = time.monotonic() + (self.seconds if self.seconds is not None else 3600)
        while not self.released.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)  # the sink serves other connections meanwhile


@dataclass
class CountingSink:
    """An aiosmtpd handler that only counts ``X-Actions-Message`` ids (no MIME parsing, so
    one sink keeps up with several deliverers)."""

    port: int
    seen: Counter[int] = field(default_factory=Counter)
    reply: str = "250 OK"
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Seconds before accepting each message, as a real relay takes (queue write, scanning);
    #: awaited, so the sink keeps serving other connections meanwhile.
    accept_delay: float = 0.0
    stalls: list[Stall] = field(default_factory=list)
    #: Messages begun (MAIL FROM) per sender.
    senders: Counter[str] = field(default_factory=Counter)

    def _stall(self, sender: str, at: str) -> Stall | None:
        for stall in self.stalls:
            if (stall.sender, stall.nth, stall.at) == (sender, self.senders[sender], at):
                return stall
        return None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        with self.lock:
            self.senders[address] += 1
            stall = self._stall(address, "MAIL")
        if stall is not None:
            await stall.hold()
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        if self.accept_delay:
            await asyncio.sleep(self.accept_delay)
        found = HEADER.search(envelope.content)
        message_id = int(found.group(1)) if found else 0
        with self.lock:
            self.seen[message_id] += 1
            stall = self._stall(envelope.mail_from, "DATA")
        if stall is not None:
            stall.message_id = message_id
            await stall.hold()
        return "250 OK"

    @property
    def received(self) -> int:
        with self.lock:
            return sum(self.seen.values())

    def url(self, sender: str = "tracker@force.example") -> str:
        return f"mailto://127.0.0.1:{self.port}?from={sender}"


def start_sink(port: int, accept_delay: float = 0.0) -> tuple[CountingSink, Controller]:
    sink = CountingSink(port=port, accept_delay=accept_delay)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return sink, controller


def deliverer_env(database_url: str, email_url: str, config: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTIONS_")}
    env.update(ACTIONS_DATABASE_URL=database_url, ACTIONS_EMAIL_URL=email_url)
    if config is not None:
        env["ACTIONS_CONFIG"] = str(config)
    return env


def spawn_deliverer(env: dict[str, str]) -> subprocess.Popen[str]:
    """A separate deliverer process (its own pid, so its own lease owner name)."""
    return subprocess.Popen(
        [sys.executable, "-c", DELIVER_SCRIPT],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def pause(process: subprocess.Popen[str]) -> None:
    """SIGSTOP: the process stalls wherever it is (a VM pause, a swap storm, a debugger)."""
    process.send_signal(signal.SIGSTOP)


def resume(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGCONT)


def kill(process: subprocess.Popen[str]) -> None:
    """SIGKILL: no finally blocks, no SMTP QUIT, no rollback; the worst kind of crash."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(step)


def wait_for_leases(engine: Engine, timeout: float = 30) -> None:
    """Sleep until every lease held on a ``sending`` message has expired."""
    with engine.connect() as conn:
        until = conn.execute(
            select(func.max(col(Message.lease_until))).where(col(Message.state) == "sending")
        ).scalar_one()
    if until is None:
        return
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    delay = (until - datetime.now(UTC)).total_seconds() + 0.2
    if delay > timeout:
        raise TimeoutError(f"leases run for another {delay:.0f} s")
    time.sleep(max(delay, 0))


def lease_policy(
    folder: Path, lease_seconds: int = 10, send_timeout_seconds: int = 3, **delivery: Any
) -> Path:
    """A policy file with a short lease (the shortest allowed), so tests wait seconds, and a
    send timeout short enough for it (a lease outlasts two sends and their margins)."""
    lines = [
        "[delivery]",
        f"lease_seconds = {lease_seconds}",
        f"send_timeout_seconds = {send_timeout_seconds}",
    ]
    lines += [f"{k} = {_toml(v)}" for k, v in delivery.items()]
    path = folder / "policy.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def assert_delivered(seen: Counter[int], ids: list[int], *, max_twice: int) -> None:
    """Every id arrived; at most ``max_twice`` ids arrived twice, none more often."""
    missing = sorted(set(ids) - set(seen))
    assert not missing, f"{len(missing)} message(s) never arrived, e.g. {missing[:5]}"
    assert set(seen) <= set(ids), f"unexpected ids arrived: {sorted(set(seen) - set(ids))[:5]}"
    twice = [i for i, n in seen.items() if n > 1]
    assert len(twice) <= max_twice, f"{len(twice)} message(s) arrived more than once: {twice[:5]}"
    assert all(n <= 2 for n in seen.values()), "a message arrived three times or more"


def serve_sink(port: int, accept_delay: float = 0.0) -> None:
    """Run a counting sink until SIGTERM, then print how many messages and distinct ids came
    (``python -m tests.support.outbox_load PORT [DELAY_S]``: the benchmark's sink in a process)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sink, controller = start_sink(port, accept_delay)
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    print(sink.received, len(sink.seen), flush=True)


if __name__ == "__main__":
    serve_sink(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)


@pytest.fixture
def sink() -> Iterator[CountingSink]:
    """A counting SMTP sink on a free port for the test; held replies are let go at the end."""
    from tests.support.servers import free_port

    sink, controller = start_sink(free_port())
    try:
        yield sink
    finally:
        for stall in sink.stalls:
            stall.release()
        controller.stop()
