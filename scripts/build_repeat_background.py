"""Write the repeat matcher's background word frequencies (src/actions/repeats/background.json).

How rare a word is decides how much sharing it says: two findings that share "pain" say more than
two that share "recorded". One report (or two) is too few findings to tell, so the matcher adds
document frequencies counted over every sentence of the public reports bundled for the reader's
tests (tests/fixtures: real report texts and PDFs, synthetic held-out reports). Words only, no
text: re-run this when those fixtures change.

    uv run --no-sync python scripts/build_repeat_background.py
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from actions.intake.extract.readers import read_report  # noqa: E402
from actions.repeats.features import words  # noqa: E402

OUT = ROOT / "src" / "actions" / "repeats" / "background.json"
SOURCES = ("tests/fixtures/*.txt", "tests/fixtures/pdf/*.pdf", "tests/fixtures/heldout*/*.txt")


def sentences(path: Path) -> list[str]:
    text, _ = read_report(path)
    text = re.sub(r"\s+", " ", text)
    return [s for s in re.split(r"(?<=[.!?;:])\s+", text) if 6 <= len(s.split()) <= 80]


def main() -> None:
    frequency: Counter[str] = Counter()
    count = 0
    files = sorted(p for pattern in SOURCES for p in ROOT.glob(pattern))
    for path in files:
        for sentence in sentences(path):
            count += 1
            frequency.update(set(words(sentence)))
    kept = {w: n for w, n in sorted(frequency.items()) if n >= 2 and not w.isdigit()}
    OUT.write_text(
        json.dumps({"sentences": count, "files": len(files), "df": kept}, separators=(",", ":"))
        + "\n",
        encoding="utf-8",
    )
    print(
        f"{OUT.relative_to(ROOT)}: {len(kept)} words from {count} sentences of {len(files)} files"
    )


if __name__ == "__main__":
    main()
