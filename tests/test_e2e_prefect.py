"""Operations end to end (issue 6): a real Prefect server, the deployments of ``prefect.yaml``
deployed from a clean clone of the repository, a process worker, and mail to a real SMTP server.

What ops do, in order: start a server; ``prefect work-pool create actions --type process`` and
``prefect --no-prompt deploy --all`` in a fresh ``git clone`` (so only committed files count);
start ``prefect worker start --pool actions`` with the ``ACTIONS_*`` environment; run the chase
deployment. The test then asks the Prefect REST API for the run's state, name and artifacts, and
the SMTP sink for the digests.

Every process is started in its own session and its whole process group is stopped at the end
(SIGTERM, then SIGKILL), so a failing run never leaves a server, a worker or a flow run behind.
Their output goes to log files in the test's temp directory and is quoted when something fails.

Takes 55-65 s on an idle 2-core machine (up to ~110 s when other test suites share it): ~19 s
setup (the server's first start migrates its database; the clone), ~31 s the test itself (pool and
deploy ~12 s of Prefect CLI start-up; the run completes ~15 s after it is created: worker start,
poll, a fresh Python process per flow run), ~2 s to stop everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from actions.store import db
from actions.store.db import session_scope
from tests.support.helpers import seed_action, seed_people
from tests.support.servers import SmtpSink, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[1]
#: The `prefect` next to this interpreter: the project's environment, not whatever is on PATH.
PREFECT = str(Path(sys.executable).with_name("prefect"))
AS_OF = "2027-03-01"  # a Monday: a working day, reminders go out
DEADLINE = date(2027, 3, 15)  # 14 days ahead: the first deadline reminder is due
SECRET = "e2e-prefect-secret-key-0123456789"
TERMINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class Service:
    """A long-running subprocess with its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 40) -> str:
        text_ = self.log.read_text(errors="replace") if self.log.exists() else ""
        return f"--- {self.name} log (last {lines} lines) ---\n" + "\n".join(
            text_.splitlines()[-lines:]
        )

    def stop(self) -> None:
        # Its own process group: the server's uvicorn and the worker's flow-run processes go too.
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 10)):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
        # The leader may be gone while children it started linger in the group.
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def start(name: str, args: list[str], env: dict[str, str], cwd: Path, logs: Path) -> Service:
    log = logs / f"{name}.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would block the process
        process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Service(name, process, log)


def run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180) -> str:
    """A short command; its output is the failure message when it exits non-zero."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{output}"
    return output


def prefect_env(home: Path, api_url: str) -> dict[str, str]:
    """The environment every Prefect process of the test shares (and nothing of the caller's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ACTIONS_"))}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_API_URL=api_url,
        # Its telemetry writer otherwise hits "database is locked" on the server's SQLite.
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
    )
    return env


def wait_until_healthy(server: Service, api_url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, "prefect server exited\n" + server.tail()
        try:
            if httpx.get(f"{api_url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server not healthy after {timeout:.0f} s\n{server.tail()}")


@pytest.fixture
def services() -> Iterator[ExitStack]:
    """Everything started by the test is stopped here, whatever happened."""
    with ExitStack() as stack:
        yield stack


@pytest.fixture
def smtp_sink(services: ExitStack) -> SmtpSink:
    from tests.support.servers import start_smtp

    sink, controller = start_smtp()
    services.callback(controller.stop)
    return sink


@pytest.fixture
def api_url(services: ExitStack, tmp_path: Path) -> str:
    """A real `prefect server start` on a free loopback port, with a PREFECT_HOME of its own."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    # No scheduler: the test runs the deployment itself, and a scheduled run landing meanwhile
    # (the Monday 07:00 report, outbox delivery every 15 minutes) would only add noise.
    env = prefect_env(tmp_path / "prefect-home", url) | {
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false"
    }
    args = [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = start("server", args, env, tmp_path, tmp_path)
    services.callback(server.stop)
    wait_until_healthy(server, url)
    return url


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clean clone of the committed HEAD: uncommitted files cannot make this test pass."""
    target = tmp_path / "checkout"
    run(["git", "clone", "--quiet", str(ROOT), str(target)], dict(os.environ), tmp_path)
    return target


def seed_database(path: Path) -> str:
    """Two owners with actions 14 days from their deadline: two reminder digests are due."""
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    db.migrate(engine)
    with session_scope(engine) as session:
        people = seed_people(session)
        seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-01", deadline=DEADLINE)
        seed_action(session, owner=people["owner"], ref="NOR-2018-AFI-02", deadline=DEADLINE)
        seed_action(session, owner=people["other"], ref="NOR-2018-AFI-03", deadline=DEADLINE)
        # Recently created, so no "no update for 30 days" requests muddy the expected digests.
        session.execute(text("UPDATE action SET created_at = '2027-02-20 09:00:00'"))
    engine.dispose()
    return url


def deployments(api: httpx.Client) -> dict[str, Any]:
    response = api.post("/deployments/filter", json={})
    assert response.status_code == 200, response.text
    return {d["name"]: d for d in response.json()}


def check_deployed(api: httpx.Client, checkout: Path) -> dict[str, Any]:
    """prefect.yaml's deployments are all there; the chase's runs start in this checkout."""
    from flows.deployments import declared_deployments

    deployed = deployments(api)
    assert set(deployed) == {spec.name for spec in declared_deployments()}
    chase = deployed["chase-weekdays"]
    # No `pull` in prefect.yaml: deploy records the checkout, where the worker's runs start.
    steps = [
        (name.rsplit(".", 1)[-1], args) for s in chase["pull_steps"] for name, args in s.items()
    ]
    assert steps == [("set_working_directory", {"directory": str(checkout)})], steps
    crons = [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in chase["schedules"]]
    assert crons == [("0 8 * * 1-5", "Europe/London")]
    return chase


def wait_for_run(api: httpx.Client, run_id: str, worker: Service, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run_ = api.get(f"/flow_runs/{run_id}").json()
        if run_["state_type"] in TERMINAL:
            return run_
        assert worker.process.poll() is None, "the worker exited\n" + worker.tail()
        time.sleep(1)
    pytest.fail(f"flow run still {run_['state_type']} after {timeout:.0f} s\n{worker.tail()}")


def artifact_keys(api: httpx.Client, run_id: str) -> set[str]:
    body = {"artifacts": {"flow_run_id": {"any_": [run_id]}}}
    response = api.post("/artifacts/filter", json=body)
    assert response.status_code == 200, response.text
    return {a["key"] for a in response.json() if a["key"]}


def test_chase_deployment_runs_on_a_worker_from_a_clean_checkout(
    services: ExitStack, api_url: str, checkout: Path, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    home = tmp_path / "prefect-home"
    # The clone's own code, not the developer's editable install, is what runs.
    env = prefect_env(home, api_url) | {"PYTHONPATH": f"{checkout / 'src'}{os.pathsep}{checkout}"}

    # Ops' steps, as the README gives them: the pool must exist before deploying to it.
    run([PREFECT, "work-pool", "create", "actions", "--type", "process"], env, checkout)
    run([PREFECT, "--no-prompt", "deploy", "--all"], env, checkout)

    worker_env = env | {
        "ACTIONS_DATABASE_URL": seed_database(tmp_path / "actions.db"),
        "ACTIONS_EMAIL_URL": smtp_sink.url(),
        "ACTIONS_SECRET_KEY": SECRET,
        # Polls every 2 s instead of 10: the run starts sooner; nothing else changes.
        "PREFECT_WORKER_QUERY_SECONDS": "2",
    }
    worker = start(
        "worker", [PREFECT, "worker", "start", "--pool", "actions"], worker_env, tmp_path, tmp_path
    )
    services.callback(worker.stop)

    with httpx.Client(base_url=api_url, timeout=10) as api:
        chase = check_deployed(api, checkout)
        created = api.post(
            f"/deployments/{chase['id']}/create_flow_run", json={"parameters": {"as_of": AS_OF}}
        )
        assert created.status_code == 201, created.text
        run_id = str(created.json()["id"])
        finished = wait_for_run(api, run_id, worker)

        assert finished["state_type"] == "COMPLETED", (
            f"{finished['state_type']}: {finished['state']['message']}\n{worker.tail()}"
        )
        assert finished["name"] == f"chase {AS_OF}"
        assert {"chase-messages", "chase-summary"} <= artifact_keys(api, run_id)

    # One digest per recipient, to the owners only.
    recipients = sorted(rcpt for _, rcpts in smtp_sink.envelopes for rcpt in rcpts)
    assert recipients == ["other@force.example", "owner@force.example"]
    owner_digest = smtp_sink.to("owner@force.example")[0].get_body(("plain",))
    assert owner_digest is not None
    body = owner_digest.get_content()
    assert "NOR-2018-AFI-01" in body and "NOR-2018-AFI-02" in body
    assert "NOR-2018-AFI-03" not in body  # Oscar's, in his own digest


def test_cli_with_a_server_runs_flow_runs_and_emits_the_escalation_events(
    api_url: str, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    """With PREFECT_API_URL set, `actions escalate` is a flow run on that server (shown in the
    UI), and the run emits the events an Automation can trigger on."""
    url = f"sqlite:///{tmp_path / 'actions.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    with session_scope(engine) as session:
        people = seed_people(session)
        # 30 days overdue on AS_OF: levels 1 to 3 are all due; level 3 goes to the SRO.
        seed_action(session, owner=people["owner"], deadline=date(2027, 1, 30))
    engine.dispose()
    env = prefect_env(tmp_path / "prefect-home", api_url) | {
        "ACTIONS_DATABASE_URL": url,
        "ACTIONS_EMAIL_URL": smtp_sink.url(),
        "ACTIONS_SECRET_KEY": SECRET,
    }
    actions_cli = str(Path(sys.executable).with_name("actions"))
    output = run([actions_cli, "escalate", "--as-of", AS_OF, "--json"], env, tmp_path)
    summary, _ = json.JSONDecoder().raw_decode(output)  # stdout first, the run's log after
    assert (summary["sent"], summary["failed"]) == (2, 0), output  # the owner and the SRO

    with httpx.Client(base_url=api_url, timeout=10) as api:
        runs = api.post("/flow_runs/filter", json={}).json()
        assert [r["name"] for r in runs] == [f"escalate {AS_OF}"]
        assert runs[0]["state_type"] == "COMPLETED"
        wanted = {"inspection-actions.action.overdue", "inspection-actions.escalated.level3"}
        seen: dict[str, Any] = {}
        deadline = time.monotonic() + 60  # the server persists events in batches
        while set(seen) != wanted and time.monotonic() < deadline:
            body = {"filter": {"event": {"prefix": ["inspection-actions."]}}, "limit": 50}
            response = api.post("/events/filter", json=body)
            assert response.status_code == 200, response.text
            seen = {e["event"]: e for e in response.json()["events"]}
            time.sleep(1)
    assert set(seen) == wanted
    level3 = seen["inspection-actions.escalated.level3"]["payload"]
    assert level3 == {"as_of": AS_OF, "count": 1, "refs": ["NOR-2018-AFI-01"]}

    # `actions deliver` is a flow run too; a user error in one comes back as one line, exit 2.
    output = run([actions_cli, "deliver", "--json"], env, tmp_path)
    delivered, _ = json.JSONDecoder().raw_decode(output)
    assert delivered == {"sent": 0, "failed": 0, "gave_up": 0}, output
    keyless = {k: v for k, v in env.items() if k != "ACTIONS_SECRET_KEY"}
    done = subprocess.run(
        [actions_cli, "chase", "--as-of", AS_OF],
        cwd=tmp_path,
        env=keyless,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "error: ACTIONS_SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    with httpx.Client(base_url=api_url, timeout=10) as api:
        runs = api.post("/flow_runs/filter", json={}).json()
    states = sorted((r["name"], r["state_type"]) for r in runs)
    assert states == [
        (f"chase {AS_OF}", "FAILED"),
        ("deliver outbox", "COMPLETED"),
        (f"escalate {AS_OF}", "COMPLETED"),
    ]
