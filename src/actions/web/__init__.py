"""The owner and reviewer portal (docs/portal-security.md); see :mod:`actions.web.app`."""

from __future__ import annotations

from actions.web.app import create_app

__all__ = ["create_app"]
