"""Commands of the `web` area (registered on the app when this module is imported)."""

from __future__ import annotations
