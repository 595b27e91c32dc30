"""Time ``extract_file`` on a 100-page PDF built from real corpus text (target < 5 s).

The report is the Northamptonshire PEEL 2018 legitimacy text (questions, judgements, 9 areas for
improvement, long narrative) repeated until the PDF has 100 pages; every copy's findings must
come back, so the timing is of a correct extraction.

    uv run --no-sync python benchmarks/extract_pdf_speed.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.extract_formats import expected, fixture_text, write_pdf

from actions.extract import extract_file

SAMPLE = "hmicfrs_peel2018_northamptonshire_legitimacy"
PAGES = 100
TARGET_SECONDS = 5.0


def build(path: Path) -> tuple[int, int]:
    """Write the sample, repeated, as a PDF of at least PAGES pages: (copies, pages)."""
    import pypdf

    text = fixture_text(SAMPLE)
    repeat = 1
    while True:
        write_pdf(text, path, repeat=repeat)
        pages = len(pypdf.PdfReader(path).pages)
        if pages >= PAGES:
            return repeat, pages
        repeat = max(repeat + 1, int(repeat * PAGES / pages) + 1)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.pdf"
        copies, pages = build(path)
        start = time.perf_counter()
        report = extract_file(path)
        seconds = time.perf_counter() - start
    want = copies * len(expected(SAMPLE))
    print(
        f"{pages} pages ({copies} copies), {len(report.findings)}/{want} findings, {seconds:.2f} s"
    )
    return 0 if seconds < TARGET_SECONDS and len(report.findings) == want else 1


if __name__ == "__main__":
    sys.exit(main())
