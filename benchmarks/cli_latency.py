"""How long everyday commands take, as a user runs them: a fresh `actions` process each time.

Each command runs three times (best of three is reported) and is also printed as a multiple of
``python -c pass`` on this machine. In-process runs have no ``PREFECT_API_URL``; the flow-run
rows start a real ``prefect server`` on a free loopback port first and point the commands at it
(the server's start-up is not counted, a running server is what ops have).

    uv run --no-sync python benchmarks/cli_latency.py [--no-server]

Targets (issue 15): --help <= 0.8 s, list (1,000 actions) <= 1.2 s, extract <= 1.5 s,
ingest --dry-run <= 2 s, chase --dry-run (1,000 actions) <= 3 s in-process; as flow runs at most
2 s more than in-process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.seed import migrated_engine, seed
from tests.support.servers import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACTIONS = str(BIN / "actions")
PREFECT = str(BIN / "prefect")
SAMPLE = ROOT / "src" / "actions" / "sample" / "northamptonshire_peel2018_legitimacy.txt"
AS_OF = "2027-03-01"
TARGETS = {
    "--help": 0.8,
    "list": 1.2,
    "extract": 1.5,
    "ingest --dry-run": 2.0,
    "chase --dry-run": 3.0,
}


def best_of_three(args: list[str], env: dict[str, str], cwd: Path) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return min(times)


def commands() -> list[tuple[str, list[str]]]:
    return [
        ("--help", [ACTIONS, "--help"]),
        ("list", [ACTIONS, "list", "--json"]),
        ("extract", [ACTIONS, "extract", str(SAMPLE)]),
        (
            "ingest --dry-run",
            [
                ACTIONS,
                "ingest",
                str(SAMPLE),
                "--body",
                "Northamptonshire Police",
                "--dry-run",
                "--json",
            ],
        ),
        ("chase --dry-run", [ACTIONS, "chase", "--as-of", AS_OF, "--dry-run", "--json"]),
    ]


def start_server(work: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    server = subprocess.Popen(
        [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return server, env
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("prefect server did not start in 120 s")


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        url = f"sqlite:///{work / 'actions.db'}"
        engine = migrated_engine(url)
        seed(engine, actions=1000, people=100, as_of=date.fromisoformat(AS_OF))
        engine.dispose()
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ACTIONS_"))}
        base |= {
            "ACTIONS_DATABASE_URL": url,
            "ACTIONS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef",
            "PREFECT_PROFILES_PATH": str(work / "no-profiles.toml"),
        }
        python = best_of_three([sys.executable, "-c", "pass"], base, work)
        print(f"python -c pass: {python:.3f} s")
        print(f"{'command':<20} {'mode':<12} {'seconds':>8} {'x python':>9} {'target':>8}")
        in_process: dict[str, float] = {}
        ok = True
        for name, args in commands():
            seconds = best_of_three(args, base, work)
            in_process[name] = seconds
            target = TARGETS[name]
            ok = ok and seconds <= target
            print(
                f"{name:<20} {'in-process':<12} {seconds:>8.2f} {seconds / python:>9.0f}"
                f" {'<= ' + str(target):>8}"
            )
        if "--no-server" not in argv:
            server, env = start_server(work)
            try:
                env |= {k: base[k] for k in ("ACTIONS_DATABASE_URL", "ACTIONS_SECRET_KEY")}
                for name, args in commands():
                    if name not in ("ingest --dry-run", "chase --dry-run"):
                        continue
                    seconds = best_of_three(args, env, work)
                    limit = in_process[name] + 2
                    ok = ok and seconds <= limit
                    print(
                        f"{name:<20} {'flow run':<12} {seconds:>8.2f} {seconds / python:>9.0f}"
                        f" {'<= ' + format(limit, '.1f'):>8}"
                    )
            finally:
                server.kill()
                server.wait()
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
