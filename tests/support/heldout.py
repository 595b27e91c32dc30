"""The held-out sets (tests/fixtures/heldout*): names, texts, expected findings, files to read.

Shared by tests/test_extract_heldout.py and benchmarks/extract_accuracy.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.extract_formats import file_name, write_text_as

FIXTURES = Path(__file__).parents[1] / "fixtures"


HELDOUT = FIXTURES / "heldout"


def heldout_names() -> list[str]:
    return sorted(p.stem for p in HELDOUT.glob("*.txt"))


def heldout_text(name: str) -> str:
    text = (HELDOUT / f"{name}.txt").read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    return rest if first.startswith("SYNTHETIC:") else text


def heldout_expected(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (HELDOUT / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return data


def write_heldout(name: str, fmt: str, directory: Path) -> Path:
    """The held-out text as ``fmt`` (its SYNTHETIC line left out)."""
    return write_text_as(heldout_text(name), fmt, directory / file_name(name, fmt))


PRINTED_LINES = FIXTURES / "heldout3"


def printed_line_names() -> list[str]:
    return sorted(p.stem for p in PRINTED_LINES.glob("*.txt"))


def printed_line_expected(name: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        (PRINTED_LINES / f"{name}.expected.json").read_text(encoding="utf-8")
    )
    return data


NATIVE = FIXTURES / "heldout4"


BATCH5 = FIXTURES / "heldout5"
BATCH6 = FIXTURES / "heldout6"
BATCH7 = FIXTURES / "heldout7"


NATIVE_SUFFIXES = (".docx", ".html", ".pdf", ".txt")


def native_files(folder: Path = NATIVE) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in NATIVE_SUFFIXES)


def native_expected(path: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(
        path.with_name(f"{path.stem}.expected.json").read_text(encoding="utf-8")
    )
    return data
