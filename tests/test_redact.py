"""Secrets never reach what people read: URL passwords however they are written (issue 17,
item 2: a password holding "@" leaked as "S3cretPW:25: cannot connect")."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.common.redact import redact, secret_parts


@pytest.mark.parametrize(
    ("url", "leaks"),
    [
        # What Apprise/smtplib said when the password held "@": the part after it as a host.
        ("mailto://user:Ab@S3cretPW@host:2525?from=a@b.example", "S3cretPW:25: cannot connect"),
        ("mailto://user:Top/S3cretPW@host:25", "error in Top/S3cretPW: S3cretPW"),
        ("mailtos://user:p%40ss%2FW0rd%25x@smtp.example", "auth failed for p@ss/W0rd%x"),
        ("mailto://user:Zz:9Long@host", "bad credentials Zz:9Long"),
    ],
)
def test_url_passwords_are_masked_whatever_they_hold(url: str, leaks: str) -> None:
    masked = redact(f"{leaks} ({url})", [url])
    for part in ("S3cretPW", "W0rd%x", "9Long", "p%40ss"):
        assert part not in masked
    assert "***" in masked


def test_an_unknown_url_with_an_at_sign_in_its_password_is_masked_to_the_last_at() -> None:
    text = "cannot send via mailto://user:Ab@S3cretPW@host:25?to=ops@force.example"
    assert redact(text) == "cannot send via mailto://user:***@host:25?to=ops@force.example"


def test_the_query_and_host_are_not_taken_for_the_password() -> None:
    url = "mailto://user:pw-long-enough@smtp.example:587?from=actions@force.example"
    assert secret_parts(url) == [url, "pw-long-enough"]


@given(
    st.text(alphabet="abcXYZ0129@/:%!$&*", min_size=8, max_size=24).filter(
        lambda p: sum(c.isalnum() for c in p) >= 4
    )
)
def test_no_fragment_of_a_password_of_four_characters_or_more_survives(password: str) -> None:
    url = f"mailto://user:{quote(password, safe='')}@smtp.example:25"
    raw_url = f"mailto://user:{password}@smtp.example:25"
    error = f"{password} | {raw_url} | " + " ".join(password.replace("/", "@").split("@"))
    masked = redact(error, [url, raw_url])
    for piece in (password, *password.replace("/", "@").replace(":", "@").split("@")):
        if len(piece) >= 4:
            assert piece not in masked, (piece, masked)


def test_the_run_summary_names_no_addresses() -> None:
    from flows.chase import _markdown

    summary = {
        "as_of": "2027-03-01",
        **{k: 1 for k in ("planned", "recipients", "items", "sent", "failed")},
        "skipped_duplicate": 0,
        "unroutable": [],
        "delivery": [
            {
                "id": 7,
                "kind": "reminder",
                "recipient": "olive@force.example",
                "state": "pending",
                "error": "SMTP 421",
            },
        ],
    }
    text = _markdown("chase", summary)
    assert "#7 (reminder)" in text and "@" not in text
