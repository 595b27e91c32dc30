"""Commands of the `transfer` area (registered on the app when this module is imported)."""

from __future__ import annotations
