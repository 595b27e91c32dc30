"""Issue 17, item 2: an SMTP password holding "@", "/", ":" and "%" reaches nothing people or
other programs read after a failed delivery: not the database file, not Prefect's home, not
what the command prints (a password with "@" once surfaced as "S3cretPW:25: cannot connect")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from actions.messaging.transports import DeliveryError, check_userinfo
from actions.store import db
from tests.support.servers import free_port
from tests.support.worlds import MONDAY

#: The password as written in the URL ("%25" is "%"), and as it is.
WRITTEN = "Ab@S3/cr:et%25PW"
PASSWORD = "Ab@S3/cr:et%PW"
#: Written as a URL should be: every reserved character percent-encoded.
ENCODED = "Ab%40S3%2Fcr%3Aet%25PW"
#: What of it would still give it away if a library split it at "@", "/" or ":", or decoded it.
FRAGMENTS = [PASSWORD, WRITTEN, ENCODED, "S3/cr", "cr:et", "et%PW", "et%25PW", "Ab@S3", "S3%2F"]

CLI = "import sys; from actions.cli import run; sys.exit(run(sys.argv[1:]))"


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _leaks(blob: bytes) -> list[str]:
    return [f for f in FRAGMENTS if f.encode() in blob]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        # As is, Apprise took "S3" for the server (a DNS lookup of part of the password):
        # refused, with what to write instead.
        (WRITTEN, b"percent-encoded (%40, %2F, %3A"),
        (ENCODED, b"cannot connect (ConnectionRefusedError)"),  # understood; no server there
    ],
    ids=["as-is", "percent-encoded"],
)
def test_a_failed_delivery_leaks_no_part_of_an_odd_smtp_password(
    world: dict[str, Any], database_url: str, tmp_path: Path, password: str, reason: bytes
) -> None:
    closed = free_port()  # nothing listens there: the delivery fails to connect
    url = f"mailto://tracker:{password}@127.0.0.1:{closed}?from=tracker@force.example"
    prefect_home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACTIONS_", "PREFECT_"))}
    env.update(
        ACTIONS_DATABASE_URL=database_url,
        ACTIONS_EMAIL_URL=url,
        ACTIONS_SECRET_KEY="test-secret-key-for-links-0123456789",
        PREFECT_HOME=str(prefect_home),
        PREFECT_PROFILES_PATH=str(prefect_home / "profiles.toml"),
    )
    db.reset_engines()  # the world was written in-process: fold its WAL into the file first

    result = subprocess.run(
        [sys.executable, "-c", CLI, "chase", "--as-of", MONDAY.isoformat()],
        env=env,
        capture_output=True,
        timeout=120,
    )

    assert result.returncode == 1, result.stderr.decode()[-2000:]  # delivered nothing
    assert b"not delivered to owner@force.example: 127.0.0.1:" in result.stderr
    assert reason in result.stderr
    assert b"Traceback" not in result.stdout + result.stderr
    assert _leaks(result.stdout) == [], result.stdout.decode()
    assert b"S3" not in result.stdout + result.stderr  # no piece taken for a host, either
    assert _leaks(result.stderr) == [], result.stderr.decode()
    database = Path(database_url.removeprefix("sqlite:///"))
    stored = [database, *database.parent.glob(database.name + "-*")]  # the file, its WAL
    found = {str(p): _leaks(p.read_bytes()) for p in [*stored, *_files(prefect_home)]}
    assert {p: leaks for p, leaks in found.items() if leaks} == {}
    assert world["smtp"].messages == []


@pytest.mark.parametrize(
    "url",
    [
        "mailto://tracker:Ab@S3/cr:et%25PW@127.0.0.1:2525?from=t@force.example",
        "mailto://tracker:Ab@S3cretPW@smtp.example:2525",
        "mailto://tracker:Ab/cdefgh@smtp.example",
    ],
)
def test_an_email_url_with_a_raw_at_or_slash_in_its_password_is_refused(url: str) -> None:
    with pytest.raises(DeliveryError, match="percent-encoded") as refused:
        check_userinfo(url)
    assert "S3" not in str(refused.value) and "Ab" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "mailto://tracker:Ab%40S3%2Fcr%3Aet%25PW@127.0.0.1:2525?from=t@force.example",
        "mailto://user:pw@gmail.com/to@example.com/cc@example.com?from=x@force.example",
        "mailto://127.0.0.1:2525/to@example.com",
        "mailtos://user:pa:ss@smtp.example:465",
    ],
)
def test_well_formed_email_urls_pass(url: str) -> None:
    check_userinfo(url)
