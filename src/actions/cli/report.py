"""Commands of the `report` area (registered on the app when this module is imported)."""

from __future__ import annotations
