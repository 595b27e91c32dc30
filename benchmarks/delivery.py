"""Benchmark: outbox delivery throughput to a local SMTP server (docs/delivery.md, issues 5 and 9).

    uv run python benchmarks/delivery.py [--messages 2000] [--apprise 30] [--relay-ms 20]
                                         [--no-postgres]

Scenarios, each on a fresh database with ``--messages`` ready-rendered messages:

* one deliverer process, SQLite file and PostgreSQL (target >= 100 messages/s);
* 1 and 4 deliverer processes on PostgreSQL against a sink that accepts at once, and against
  one that takes ``--relay-ms`` to accept each message, as a real relay does (queue write,
  scanning, a network hop). Target: 4 deliverers at >= 4x one. With an instant sink each
  deliverer is CPU-bound, so the ratio is capped by the cores the deliverers, PostgreSQL and
  the sink share; with a relay's latency it shows whether deliverers wait on each other;
* Apprise's own mailto plugin (policy ``smtp_pooling = false``) on ``--apprise`` messages, and
  one shared Apprise object on 3, to show why the pooled SMTP path exists.

The SMTP sink (aiosmtpd, counting ``X-Actions-Message`` ids) runs in a process of its own so it
does not share a core's GIL with the deliverers. Deliverer processes import everything and load
Apprise's plugins first, then start together: the times are delivery, not Python start-up.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.seed import drop_database, migrated_engine, scratch_database  # noqa: E402
from tests.support.outbox_load import deliverer_env, seed_messages, states  # noqa: E402
from tests.support.servers import free_port  # noqa: E402

PG_ADMIN = os.environ.get(
    "ACTIONS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCRATCH = "actions_bench_delivery"

#: A deliverer that warms up, says "ready", waits for "go" on stdin, then drains the outbox.
DELIVERER = """
import sys, time
from actions.messaging.delivery import deliver
from actions.common.settings import get_settings
from actions.messaging.transports import parse_email_url
parse_email_url(get_settings().email_url.get_secret_value())  # loads Apprise's plugins
print("ready", flush=True)
sys.stdin.readline()
start = time.perf_counter()
report = deliver()
print(report.sent, report.failed, time.perf_counter() - start, flush=True)
"""


@dataclass
class Result:
    scenario: str
    database: str
    deliverers: int
    messages: int
    seconds: float
    arrived: int

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


class SinkProcess:
    """The counting SMTP sink of tests.support.outbox_load, in a process of its own."""

    def __init__(self, accept_delay: float = 0.0) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.outbox_load", str(self.port), str(accept_delay)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready"

    def url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=tracker@force.example"

    def stop(self) -> int:
        """Stop the sink; the number of messages it received."""
        self.process.terminate()
        out, _ = self.process.communicate(timeout=30)
        return int(out.split()[0])


def run_deliverers(url: str, email_url: str, count: int, config: Path | None) -> float:
    """Start ``count`` warmed-up deliverers together; seconds until the last one is done."""
    env = deliverer_env(url, email_url, config)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", DELIVERER],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", "a deliverer failed to start"
    start = time.perf_counter()
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:  # each prints its result when its outbox work is done
        assert process.stdout is not None
        assert process.stdout.readline().strip(), "a deliverer failed"
    # The clock stops at the last result, not at the processes' exit: tearing an interpreter
    # down takes ~1 s here, which is not delivery (workers are long-lived).
    seconds = time.perf_counter() - start
    for process in processes:
        process.wait(timeout=1800)
        assert process.returncode == 0, "a deliverer failed"
    return seconds


def scenario(
    name: str,
    database: str,
    url: str,
    messages: int,
    deliverers: int,
    config: Path | None,
    accept_delay: float = 0.0,
) -> Result:
    engine = migrated_engine(url)
    seed_messages(engine, messages)
    sink = SinkProcess(accept_delay)
    try:
        seconds = run_deliverers(url, sink.url(), deliverers, config)
    finally:
        arrived = sink.stop()
    left = states(engine)
    engine.dispose()
    assert left == {"sent": messages}, f"{name}: not all sent: {left}"
    return Result(name, database, deliverers, messages, seconds, arrived)


def shared_apprise_object(count: int) -> Result:
    """Apprise's email plugin through one Apprise object (its built-in throttle shows)."""
    import apprise

    sink = SinkProcess()
    app = apprise.Apprise()
    app.add(f"{sink.url()}&to=owner@force.example")
    start = time.perf_counter()
    try:
        for i in range(count):
            assert app.notify(body=f"message {i}", title="benchmark")
    finally:
        seconds = time.perf_counter() - start
        arrived = sink.stop()
    return Result("apprise, one shared object", "-", 1, count, seconds, arrived)


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}.db"


def print_table(results: list[Result]) -> None:
    print(f"{'scenario':<34} {'db':<11} {'procs':>5} {'msgs':>6} {'s':>7} {'msg/s':>7} {'recv':>6}")
    for r in results:
        print(
            f"{r.scenario:<34} {r.database:<11} {r.deliverers:>5} {r.messages:>6} "
            f"{r.seconds:>7.2f} {r.rate:>7.1f} {r.arrived:>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--apprise", type=int, default=30)
    parser.add_argument("--relay-ms", type=float, default=20.0)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    n = args.messages
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        no_pool = folder / "no-pool.toml"
        no_pool.write_text("[delivery]\nsmtp_pooling = false\n", encoding="utf-8")
        results.append(scenario("pooled SMTP", "sqlite", sqlite_url(folder, "one"), n, 1, None))
        if not args.no_postgres:
            relay = f"pooled SMTP, relay {args.relay_ms:g} ms"
            for label, procs, delay in (
                ("pooled SMTP", 1, 0.0),
                ("pooled SMTP", 4, 0.0),
                (relay, 1, args.relay_ms / 1000),
                (relay, 4, args.relay_ms / 1000),
            ):
                url = scratch_database(PG_ADMIN, SCRATCH)
                try:
                    results.append(scenario(label, "postgresql", url, n, procs, None, delay))
                finally:
                    drop_database(PG_ADMIN, SCRATCH)
        apprise_url = sqlite_url(folder, "apprise")
        results.append(
            scenario(
                "apprise mailto, object per message",
                "sqlite",
                apprise_url,
                args.apprise,
                1,
                no_pool,
            )
        )
        results.append(shared_apprise_object(3))
    print_table(results)
    print_scaling(results)
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; the sink, "
        "PostgreSQL and the deliverers share them."
    )


def print_scaling(results: list[Result]) -> None:
    """4 deliverers against 1, per sink (the issue's target: >= 4x)."""
    for scenario_name in dict.fromkeys(r.scenario for r in results if r.database == "postgresql"):
        rates = {r.deliverers: r.rate for r in results if r.scenario == scenario_name}
        if 1 in rates and 4 in rates and rates[1]:
            print(f"4 deliverers / 1, {scenario_name}: {rates[4] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
