"""Keep secrets out of everything people read: logs, errors, artifacts, reports, exports."""

from __future__ import annotations

import re
from urllib.parse import unquote

# scheme://user:password@host → scheme://user:***@host ; also ?pass=... style query secrets.
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)[^\s?#]+@")
_QUERY_SECRET = re.compile(
    r"(?P<head>[?&](?:pass|password|pwd|token|secret|key|apikey|api_key)=)[^&\s]+",
    re.IGNORECASE,
)


# A URL's user information runs to the last "@" before its query: a password may hold "@".
_USERINFO = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?P<userinfo>[^?#]*)@[^?#@]*(?:[?#].*)?$", re.S)
_MIN_SECRET = 4  # shorter fragments are too common to mask without mangling the message


def secret_parts(secret: str) -> list[str]:
    """What of ``secret`` may surface in an error: the whole value and, for a URL, its password
    however a library split or decoded it ("Ab@S3cretPW" → "S3cretPW"; "%40" → "@"), and its
    secret query values. Longest first, so a fragment never masks part of a longer match."""
    parts = {secret}
    if match := _USERINFO.match(secret):
        _, _, password = match["userinfo"].partition(":")
        for value in {password, unquote(password)} if password else set():
            parts.add(value)
            parts.update(re.split(r"[@/:]", value))
    parts.update(m.group(0).split("=", 1)[1] for m in _QUERY_SECRET.finditer(secret))
    return sorted((p for p in parts if len(p) >= _MIN_SECRET), key=len, reverse=True)


def redact(text: str, secrets: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with URL passwords, secret query parameters and the given values masked."""
    for secret in secrets:
        for part in secret_parts(secret) if secret else ():
            text = text.replace(part, "***")
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _QUERY_SECRET.sub(r"\g<head>***", text)


def known_secrets() -> list[str]:
    """Secret values from the settings, for :func:`redact`."""
    # lazy: the CLI imports this module at start-up; pydantic-settings only when there is an error
    from actions.common.settings import get_settings

    try:
        settings = get_settings()
    except Exception:
        return []
    values = []
    for secret in (settings.secret_key, settings.email_url):
        if secret is not None:
            values.append(secret.get_secret_value())
    return values
