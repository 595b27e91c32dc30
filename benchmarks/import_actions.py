"""Time `actions import` end to end on SQLite and PostgreSQL.

Generates N rows (default 100,000) of a realistic actions CSV, then for each database runs, each
in a fresh `actions` process: `init`, `people import`, `import` (every row new), `export`, and
`import` of the export with every progress changed (every row an update). Prints rows, seconds,
rows/s and the import process's peak RSS.

    uv run python benchmarks/import_actions.py [--rows N] [--pg URL | --no-pg]

PostgreSQL: a scratch database is created on the server of ``--pg`` and dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from actions.transfer import COLUMNS

try:
    from benchmarks.memory import run_measured
except ModuleNotFoundError:  # run as a script: benchmarks/ is on the path
    from memory import run_measured  # type: ignore[no-redef]

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADER = list(COLUMNS)  # the documented columns, from the product itself
KINDS = ("area_for_improvement", "cause_of_concern", "recommendation")
STATUSES = ("open", "in_progress", "blocked", "completed", "closed")
WORDS = [
    "force",
    "should",
    "improve",
    "how",
    "it",
    "seeks",
    "feedback",
    "from",
    "the",
    "public",
    "and",
    "uses",
    "it",
    "to",
    "ensure",
    "that",
    "officers",
    "and",
    "staff",
    "understand",
    "vetting,",
    "stop",
    "and",
    "search,",
    "use",
    "of",
    "force",
]


def write_people(path: Path, count: int) -> list[str]:
    emails = [f"owner{i}@force.example" for i in range(count)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "manager_email", "notify", "role"])
        writer.writerow(["sro@force.example", "The SRO", "", "", "sro"])
        for email in emails:
            writer.writerow([email, email.split("@")[0], "sro@force.example", "", ""])
    return emails


def write_actions(path: Path, rows: int, owners: list[str], seed: int = 7) -> None:
    """Rows across 50 inspections; a third carry explicit refs, the rest get generated ones."""
    rng = random.Random(seed)
    inspections = [f"PEEL {2015 + i % 10} force {i:02d}" for i in range(50)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            kind = rng.choice(KINDS)
            finding = " ".join(rng.choices(WORDS, k=rng.randint(12, 40))).capitalize() + "."
            ref = f"BEN-{n // 1000}-{kind[:3].upper()}-{n}" if n % 3 == 0 else ""
            ref = ref.replace("ARE", "AFI").replace("CAU", "COC")
            writer.writerow(
                [
                    ref,
                    rng.choice(inspections),
                    kind,
                    finding,
                    "",
                    rng.choice(owners) if n % 10 else "",
                    (date(2026, 1, 1) + timedelta(days=rng.randint(0, 900))).isoformat(),
                    rng.choice(STATUSES),
                    rng.randint(0, 100),
                    (date(2024, 1, 1) + timedelta(days=rng.randint(0, 600))).isoformat(),
                    "",
                    '=note, with "quotes"' if n % 7 == 0 else "",
                ]
            )


def bump_progress(source: Path, target: Path) -> None:
    """The export with every progress changed: an import of it updates every action."""
    with (
        source.open(newline="", encoding="utf-8-sig") as inp,
        target.open("w", newline="", encoding="utf-8") as out,
    ):
        reader, writer = csv.DictReader(inp), csv.DictWriter(out, HEADER)
        writer.writeheader()
        for row in reader:
            row["progress"] = str((int(row["progress"]) + 1) % 101)
            writer.writerow(row)


def run(args: list[str], url: str) -> tuple[float, float | None]:
    """Seconds and peak RSS (MiB, None if it cannot be measured) of one `actions` process."""
    env = {**os.environ, "ACTIONS_DATABASE_URL": url}
    started = time.perf_counter()
    done, peak = run_measured(["actions", *args], env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"actions {' '.join(args)} failed: {done.stderr.decode()}")
    return seconds, peak


def bench(name: str, url: str, work: Path, actions_csv: Path, people_csv: Path) -> list[tuple]:
    run(["init"], url)
    run(["people", "import", str(people_csv)], url)
    rows = sum(1 for _ in actions_csv.open(encoding="utf-8")) - 1
    results = []
    seconds, rss = run(["import", str(actions_csv)], url)
    results.append((name, "import (create)", rows, seconds, rss))
    exported = work / f"{name}-export.csv"
    seconds, rss = run(["export", "--out", str(exported)], url)
    results.append((name, "export", rows, seconds, rss))
    bumped = work / f"{name}-bumped.csv"
    bump_progress(exported, bumped)
    seconds, rss = run(["import", str(bumped)], url)
    results.append((name, "import (update)", rows, seconds, rss))
    return results


def scratch_pg(admin_url: str) -> tuple[str, Callable[[], None]]:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"actions_bench_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--pg", default=DEFAULT_PG, help="PostgreSQL server URL (admin)")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    options = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        owners = write_people(work / "people.csv", 200)
        write_actions(work / "actions.csv", options.rows, owners)
        size = (work / "actions.csv").stat().st_size / 2**20
        print(f"{options.rows} rows, {size:.1f} MiB CSV", flush=True)
        sqlite_url = f"sqlite:///{work / 'bench.db'}"
        results += bench("sqlite", sqlite_url, work, work / "actions.csv", work / "people.csv")
        if not options.no_pg:
            url, drop = scratch_pg(options.pg)
            try:
                results += bench("postgresql", url, work, work / "actions.csv", work / "people.csv")
            finally:
                drop()
    print(f"\n{'database':<12}{'step':<18}{'rows':>9}{'seconds':>9}{'rows/s':>9}{'peak MiB':>10}")
    for db_name, step, rows, seconds, rss in results:
        peak = "n/a" if rss is None else f"{rss:.0f}"
        print(f"{db_name:<12}{step:<18}{rows:>9}{seconds:>9.1f}{rows / seconds:>9.0f}{peak:>10}")


if __name__ == "__main__":
    main()
