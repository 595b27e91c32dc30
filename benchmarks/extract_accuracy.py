"""Extraction accuracy: recall and precision per file and per format, and stated deadlines.

Three sets, scored in one table each:

* **corpus** (tests/fixtures/*.txt): real public report texts, each also written as HTML, a
  core-font PDF (fpdf2), DOCX, and two typeset PDFs (WeasyPrint: ``print`` in one column,
  ``columns`` in two) with bold headings, drawn bullets and list numbers, running heads and page
  numbers;
* **held-out** (tests/fixtures/heldout): synthetic reports written without running the reader,
  in the same formats;
* **real PDFs** (tests/fixtures/pdf): 18 published Ofsted reports (2013–2026, four frameworks),
  format ``real-pdf``; their expected findings were written by reading the reports;
* **held-out batch 3** (tests/fixtures/heldout3): synthetic reports as pdftotext gives them (one
  printed line a line), scored as text;
* **held-out batch 4** (tests/fixtures/heldout4): synthetic reports in native Word, HTML and PDF
  structure (drawn numbering, boxes, tables, contents, glossaries, footnotes, margin numbers),
  each scored in its own format;
* **held-out batch 5** (tests/fixtures/heldout5): a second blind batch (letters, definition
  lists, inset boxes, rowspan action plans, text boxes, ``pdftotext -layout`` columns), measured
  and printed but not held to the floors (its README lists what is not read yet);
* **held-out batches 6 and 7** (tests/fixtures/heldout6, heldout7): the third and fourth blind
  batches, measured the same way.

Matching rule: an expected finding counts as found when the reader returns a finding of the same
kind whose text is equal after normalisation: Unicode NFKD, lower case, every run of
non-alphanumeric characters read as one space. Each found finding matches one expected finding
only. Recall = matched / expected, precision = matched / found (1.0 when both are zero).
Deadlines: of the matched findings whose expectation states ``due_text``, how many the reader
gave the same ``due_text`` (case aside) and ``due``.

Floors (exit 1 below them): every format's total recall >= 0.98 and precision >= 0.95, no file
below 0.9 in either, every stated deadline attached.

    uv run --no-sync python benchmarks/extract_accuracy.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.extract_formats import FORMATS, expected, fixture_names, norm_text, write_format
from tests.support.heldout import (
    BATCH5,
    BATCH6,
    BATCH7,
    NATIVE,
    PRINTED_LINES,
    heldout_expected,
    heldout_names,
    native_expected,
    native_files,
    printed_line_expected,
    printed_line_names,
    write_heldout,
)

from actions.intake.extract import extract_file

RECALL_FLOOR = 0.98
PRECISION_FLOOR = 0.95
FILE_FLOOR = 0.9
REAL_PDFS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pdf"


def ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def matches(
    want: list[dict[str, Any]], found: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Expected findings paired with the found finding that matches each (one for one)."""
    pool: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in found:
        pool.setdefault((item["kind"], norm_text(item["text"])), []).append(item)
    pairs = []
    for item in want:
        candidates = pool.get((item["kind"], norm_text(item["text"])))
        if candidates:
            pairs.append((item, candidates.pop(0)))
    return pairs


def due_agrees(want: dict[str, Any], got: dict[str, Any]) -> bool:
    same_text = (got.get("due_text") or "").lower() == (want["due_text"] or "").lower()
    return same_text and got.get("due") == want.get("due")


class Table:
    """Totals per format and the worst file, printed as rows arrive."""

    def __init__(self, title: str) -> None:
        self.totals: dict[str, list[int]] = {}  # format → expected, found, matched, dues, dues ok
        self.worst: tuple[float, str] = (2.0, "")
        print(f"== {title}")
        print(f"{'file':<62} {'fmt':<8} {'exp':>4} {'found':>5} {'recall':>7} {'prec':>6} due")

    def add(self, name: str, fmt: str, want: list[dict[str, Any]], found: list[dict[str, Any]]):
        pairs = matches(want, found)
        dues = [(w, g) for w, g in pairs if w.get("due_text")]
        dues_ok = sum(due_agrees(w, g) for w, g in dues)
        recall, precision = ratio(len(pairs), len(want)), ratio(len(pairs), len(found))
        due = f"{dues_ok}/{len(dues)}" if dues else ""
        print(
            f"{name[:62]:<62} {fmt:<8} {len(want):>4} {len(found):>5}"
            f" {recall:>7.3f} {precision:>6.3f} {due}"
        )
        total = self.totals.setdefault(fmt, [0, 0, 0, 0, 0])
        for i, n in enumerate((len(want), len(found), len(pairs), len(dues), dues_ok)):
            total[i] += n
        self.worst = min(self.worst, (min(recall, precision), f"{name} ({fmt})"))

    def close(self) -> bool:
        ok = self.worst[0] >= FILE_FLOOR
        print()
        for fmt, (n_want, n_found, hits, dues, dues_ok) in self.totals.items():
            recall, precision = ratio(hits, n_want), ratio(hits, n_found)
            ok = ok and recall >= RECALL_FLOOR and precision >= PRECISION_FLOOR and dues == dues_ok
            print(
                f"total {fmt:<8} expected {n_want:>4} found {n_found:>4}"
                f" recall {recall:.3f} precision {precision:.3f} deadlines {dues_ok}/{dues}"
            )
        print(f"worst file: {self.worst[1]} at {self.worst[0]:.3f}")
        print("PASS" if ok else "FAIL")
        print()
        return ok


def score_generated(
    title: str,
    names: list[str],
    want_of: Callable[[str], list[dict[str, Any]]],
    write: Callable[[str, str, Path], Path],
) -> bool:
    table = Table(title)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            for fmt in FORMATS:
                found = [f.to_json() for f in extract_file(write(name, fmt, Path(tmp))).findings]
                table.add(name, fmt, want_of(name), found)
    return table.close()


def score_real_pdfs() -> bool:
    table = Table("real PDFs (tests/fixtures/pdf, published reports)")
    seconds = 0.0
    for path in sorted(REAL_PDFS.glob("*.pdf")):
        want = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
        start = time.perf_counter()
        report = extract_file(path)
        seconds += time.perf_counter() - start
        table.add(path.stem, "real-pdf", want, [f.to_json() for f in report.findings])
    print(f"read and extracted in {seconds:.2f} s")
    return table.close()


def score_printed_lines() -> bool:
    table = Table("held-out batch 3 (tests/fixtures/heldout3: text as pdftotext gives it)")
    for name in printed_line_names():
        found = [f.to_json() for f in extract_file(PRINTED_LINES / f"{name}.txt").findings]
        table.add(name, "txt", printed_line_expected(name), found)
    return table.close()


def score_native(folder: Path, title: str, *, held: bool = True) -> bool:
    """Each file in its own format. A set not ``held`` to the floors is measured only (its
    README says what the reader does not read yet)."""
    table = Table(title)
    for path in native_files(folder):
        found = [f.to_json() for f in extract_file(path).findings]
        table.add(path.stem, path.suffix.lstrip("."), native_expected(path), found)
    ok = table.close()
    if not held:
        print(f"(measured, not held to the floors: see {folder.name}/README.md)\n")
    return ok or not held


def main() -> int:
    ok = score_real_pdfs()
    ok = score_generated("corpus (tests/fixtures)", fixture_names(), expected, write_format) and ok
    ok = (
        score_generated(
            "held-out (tests/fixtures/heldout, synthetic)",
            heldout_names(),
            heldout_expected,
            write_heldout,
        )
        and ok
    )
    ok = score_printed_lines() and ok
    ok = score_native(NATIVE, "held-out batch 4 (tests/fixtures/heldout4: Word, HTML, PDF)") and ok
    batch5 = "held-out batch 5 (tests/fixtures/heldout5: Word, HTML, PDF, text)"
    ok = score_native(BATCH5, batch5, held=False) and ok
    batch6 = "held-out batch 6 (tests/fixtures/heldout6: Word, HTML, PDF, text)"
    ok = score_native(BATCH6, batch6, held=False) and ok
    batch7 = "held-out batch 7 (tests/fixtures/heldout7: Word, HTML, PDF, text)"
    ok = score_native(BATCH7, batch7, held=False) and ok
    print("ALL PASS" if ok else "SOME FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
