"""The owner and reviewer portal (SPEC section 11); see :mod:`actions.web.app`."""

from __future__ import annotations

from actions.web.app import create_app

__all__ = ["create_app"]
