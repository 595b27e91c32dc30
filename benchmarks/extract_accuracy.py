"""Extraction accuracy over every fixture in every format (txt, and generated html/pdf/docx).

Matching rule: an expected finding counts as found when the extractor returns a finding of the
same kind whose text is equal after normalisation: Unicode NFKD, lower case, every run of
non-alphanumeric characters (punctuation, quotes, dashes, whitespace) read as one space. Each
found finding can match one expected finding only. This forgives what formats change (curly
quotes in a core-font PDF, wrapped lines) and nothing else: a missing word or a merged item fails.

Recall = matched / expected, precision = matched / found (1.0 when both are zero).
Exits 1 if total recall or precision < 0.98 or any file-and-format < 0.9. It then also scores
tests/fixtures/heldout/ (skip with ``--corpus-only``): synthetic reports written without running
the extractor, to check its rules generalise; total recall and precision there must be >= 0.95.

    uv run --no-sync python benchmarks/extract_accuracy.py [--corpus-only]
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.extract_formats import (
    FORMATS,
    expected,
    fixture_names,
    match_count,
    write_format,
)
from tests.test_extract_heldout import heldout_expected, heldout_names, write_heldout

from actions.extract import extract_file

TOTAL_FLOOR = 0.98
FILE_FLOOR = 0.9
HELDOUT_FLOOR = 0.95


def ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score(
    names: list[str],
    want_of: Callable[[str], list[dict[str, Any]]],
    write: Callable[[str, str, Path], Path],
    total_floor: float,
    file_floor: float,
) -> bool:
    """Print one table of a fixture set; True when it meets its floors."""
    totals = {fmt: [0, 0, 0] for fmt in FORMATS}  # expected, found, matched
    worst: tuple[float, str] = (2.0, "")
    print(f"{'file':<70} {'fmt':<5} {'exp':>4} {'found':>5} {'recall':>7} {'prec':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            want = want_of(name)
            for fmt in FORMATS:
                found = [f.to_json() for f in extract_file(write(name, fmt, Path(tmp))).findings]
                hits = match_count(want, found)
                recall, precision = ratio(hits, len(want)), ratio(hits, len(found))
                print(
                    f"{name[:70]:<70} {fmt:<5} {len(want):>4} {len(found):>5}"
                    f" {recall:>7.3f} {precision:>6.3f}"
                )
                for i, n in enumerate((len(want), len(found), hits)):
                    totals[fmt][i] += n
                worst = min(worst, (min(recall, precision), f"{name} ({fmt})"))
    ok = worst[0] >= file_floor
    print()
    for fmt, (n_want, n_found, hits) in totals.items():
        recall, precision = ratio(hits, n_want), ratio(hits, n_found)
        ok = ok and recall >= total_floor and precision >= total_floor
        print(
            f"total {fmt:<5} expected {n_want:>4} found {n_found:>4}"
            f" recall {recall:.3f} precision {precision:.3f}"
        )
    print(f"worst file: {worst[1]} at {worst[0]:.3f}")
    print("PASS" if ok else "FAIL")
    return ok


def main(argv: list[str]) -> int:
    print("== corpus (tests/fixtures)")
    ok = score(fixture_names(), expected, write_format, TOTAL_FLOOR, FILE_FLOOR)
    if "--corpus-only" not in argv:  # both sets by default, so the usual command shows both
        print("\n== held-out (tests/fixtures/heldout, synthetic)")
        ok = score(heldout_names(), heldout_expected, write_heldout, HELDOUT_FLOOR, 0.0) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
