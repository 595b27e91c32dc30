"""A person in the portal: signed in through their link, with the page's CSRF token."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from actions.tracking.links import portal_link

PORTAL_SECRET = "web-test-secret-0123456789abcdef"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def path_of(link: str) -> str:
    return link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def signed_in(app: FastAPI, email: str) -> TestClient:
    client = TestClient(app)
    response = client.get(path_of(portal_link(email)), follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def form(csrf: str, **fields: str) -> dict[str, str]:
    base = {"status": "", "progress": "", "note": "", "evidence_url": "", "deadline": ""}
    return {"csrf": csrf, **base, "reason": "", **fields}
