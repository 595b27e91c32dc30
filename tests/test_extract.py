"""The extractor on the real corpus fixtures, in every format, field by field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actions.intake.extract import ExtractedReport, extract_file
from tests.support.extract_formats import (
    FORMATS,
    PRINTED,
    expected,
    fixture_names,
    norm_text,
    write_format,
)

NAMES = fixture_names()
SAMPLE = "hmicfrs_peel2018_northamptonshire_legitimacy"


def _found(report: ExtractedReport) -> list[dict[str, Any]]:
    """Findings as JSON without ``confidence``: a score, checked by its own tests."""
    return [
        {k: v for k, v in finding.to_json().items() if k != "confidence"}
        for finding in report.findings
    ]


def _comparable(item: dict[str, Any]) -> dict[str, Any]:
    """Every field, with text compared as the accuracy benchmark does (formats change quotes)."""
    return {
        **item,
        "text": norm_text(item["text"]),
        "parts": [norm_text(part) for part in item["parts"]],
    }


def test_every_fixture_has_expected_findings() -> None:
    assert len(NAMES) >= 20
    for name in NAMES:
        assert isinstance(expected(name), list), name


@pytest.mark.parametrize("name", NAMES)
def test_txt_fixture_exact(name: str) -> None:
    found = _found(extract_file(Path(__file__).parent / "fixtures" / f"{name}.txt"))
    assert found == expected(name)


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "txt"])
@pytest.mark.parametrize("name", NAMES)
def test_other_formats_extract_the_same(name: str, fmt: str, tmp_path: Path) -> None:
    report = extract_file(write_format(name, fmt, tmp_path))
    assert report.source_format == ("pdf" if fmt in PRINTED else fmt)
    assert [_comparable(f) for f in _found(report)] == [_comparable(f) for f in expected(name)]


def test_northamptonshire_sample_counts() -> None:
    report = extract_file(Path(__file__).parent / "fixtures" / f"{SAMPLE}.txt")
    questions = [f.question for f in report.findings]
    assert len(report.findings) == 9
    assert len(dict.fromkeys(questions)) == 3
    assert [f.judgement for f in report.findings].count("Requires improvement") == 8
    assert {f.kind for f in report.findings} == {"area_for_improvement"}


def test_northamptonshire_metadata() -> None:
    report = extract_file(Path(__file__).parent / "fixtures" / f"{SAMPLE}.txt")
    assert report.body == "Northamptonshire Police"
    assert report.programme == "PEEL 2018"
    assert report.title == "Northamptonshire PEEL 2018"


def test_register_metadata_and_json() -> None:
    name = "hmics_2007_review-of-hmic-inspections-scro-fingerprint-bureau"
    report = extract_file(Path(__file__).parent / "fixtures" / f"{name}.txt")
    assert report.inspectorate == "HMICS"
    assert report.published is not None and report.published.isoformat() == "2007-06-22"
    assert _found(report) == expected(name)


def test_due_date_serialises_as_iso() -> None:
    name = "rbfrs_2023_values-and-culture-thematic_recommendation-4"
    report = extract_file(Path(__file__).parent / "fixtures" / f"{name}.txt")
    assert report.findings[0].to_json()["due"] == "2023-06-01"
