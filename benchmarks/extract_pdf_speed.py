"""Time ``extract_file`` on 100-page PDFs: a real one and a generated one (target < 3 s each).

* **real**: the published Ofsted reports of tests/fixtures/pdf joined (pypdf) until the file has
  at least 100 pages; every report's findings must come back (their expected counts summed);
* **generated**: the Northamptonshire PEEL 2018 legitimacy text repeated as a core-font PDF
  (fpdf2) of 100 pages; every copy's 9 areas for improvement must come back.

Best of three runs each, after one warm-up (imports and PDFium's first load are not counted).

    uv run --no-sync python benchmarks/extract_pdf_speed.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.extract_formats import expected, fixture_text, write_pdf

from actions.intake.extract import extract_file

SAMPLE = "hmicfrs_peel2018_northamptonshire_legitimacy"
REAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pdf"
PAGES = 100
TARGET_SECONDS = 3.0


def build_real(path: Path) -> tuple[int, int]:
    """Join real reports into one PDF of at least PAGES pages: (pages, expected findings)."""
    import pypdf

    writer = pypdf.PdfWriter()
    want = 0
    for report in sorted(REAL.glob("*.pdf")):
        writer.append(str(report))
        want += len(json.loads(report.with_suffix(".expected.json").read_text(encoding="utf-8")))
        if len(writer.pages) >= PAGES:
            break
    with path.open("wb") as handle:
        writer.write(handle)
    return len(writer.pages), want


def build_generated(path: Path) -> tuple[int, int]:
    """The sample, repeated, as a PDF of at least PAGES pages: (pages, expected findings)."""
    import pypdf

    text = fixture_text(SAMPLE)
    repeat = 1
    while True:
        write_pdf(text, path, repeat=repeat)
        pages = len(pypdf.PdfReader(path).pages)
        if pages >= PAGES:
            return pages, repeat * len(expected(SAMPLE))
        repeat = max(repeat + 1, int(repeat * PAGES / pages) + 1)


def best_of_three(path: Path) -> tuple[float, int]:
    extract_file(path)  # warm-up
    times, found = [], 0
    for _ in range(3):
        start = time.perf_counter()
        found = len(extract_file(path).findings)
        times.append(time.perf_counter() - start)
    return min(times), found


def main() -> int:
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("real", build_real), ("generated", build_generated)):
            path = Path(tmp) / f"{name}.pdf"
            pages, want = build(path)
            seconds, found = best_of_three(path)
            passed = seconds < TARGET_SECONDS and found == want
            ok = ok and passed
            print(
                f"{name:<9} {pages} pages, {found}/{want} findings, {seconds:.2f} s "
                f"({seconds / pages * 1000:.0f} ms a page; target < {TARGET_SECONDS:.0f} s)"
                f" {'PASS' if passed else 'FAIL'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
