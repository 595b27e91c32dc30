"""Keep secrets out of everything people read: logs, errors, artifacts, reports, exports."""

from __future__ import annotations

import re

# scheme://user:password@host → scheme://user:***@host ; also ?pass=... style query secrets.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@")
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&](?:pass|password|pwd|token|secret|key|apikey|api_key)=)[^&\s]+",
    re.IGNORECASE,
)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords, secret query parameters and the given values masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _QUERY_SECRET.sub(r"\g<head>***", text)


def known_secrets() -> list[str]:
    """Secret values from the settings, for :func:`redact`."""
    from actions.settings import get_settings

    try:
        settings = get_settings()
    except Exception:
        return []
    values = []
    for secret in (settings.secret_key, settings.email_url):
        if secret is not None:
            values.append(secret.get_secret_value())
    return values
