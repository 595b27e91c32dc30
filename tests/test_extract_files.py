"""Bad input files and format-specific reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actions.common.errors import UserInputError
from actions.intake.extract import extract_file, readers
from tests.support.extract_formats import write_pdf

ITEM = "Areas for improvement\n• The force should improve its vetting.\n"


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(UserInputError, match=r"nope\.txt: no such file"):
        extract_file(path)


def test_directory(tmp_path: Path) -> None:
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    with pytest.raises(UserInputError, match="not a file"):
        extract_file(folder)


@pytest.mark.parametrize("content", [b"", b"  \n\n \t"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(content)
    with pytest.raises(UserInputError, match="empty"):
        extract_file(path)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "report.xlsx"
    path.write_text(ITEM)
    with pytest.raises(UserInputError, match=r"unsupported file type '\.xlsx'"):
        extract_file(path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(os.urandom(4096) + b"\x00" * 10)
    with pytest.raises(UserInputError, match="not a text file"):
        extract_file(path)


def test_control_characters_are_not_text(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(bytes(range(1, 9)) * 200)
    with pytest.raises(UserInputError, match="not a text file"):
        extract_file(path)


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "MAX_FILE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text(ITEM)
    with pytest.raises(UserInputError, match="larger than"):
        extract_file(path)


def test_default_size_limit_is_50_mb() -> None:
    assert readers.MAX_FILE_BYTES == 50 * 1024 * 1024


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_text_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "report.txt"
    text = "Areas for improvement\n• The force’s vetting should improve – quickly.\n" * 3
    path.write_bytes(text.encode(encoding))
    texts = [f.text for f in extract_file(path).findings]
    assert texts[0] == "The force’s vetting should improve – quickly."


def test_no_findings_is_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "prose.txt"
    path.write_text("The force should do better, we said in passing.\n")
    assert extract_file(path).findings == []


def test_corrupt_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n" + os.urandom(2000))
    with pytest.raises(UserInputError, match="PDF"):
        extract_file(path)


def test_pdf_with_a_damaged_filter_name(tmp_path: Path) -> None:
    # Found by the bad-input campaign: pypdf raised NotImplementedError while reading a page.
    path = tmp_path / "damaged.pdf"
    write_pdf("Areas for improvement\n\n- The force should improve its records.\n", path)
    path.write_bytes(path.read_bytes().replace(b"/FlateDecode", b"/\x00FlateDecode", 1))
    with pytest.raises(UserInputError, match="cannot read PDF") as caught:
        extract_file(path)
    assert "\x00" not in str(caught.value)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_text(ITEM)
    with pytest.raises(UserInputError, match="not a PDF"):
        extract_file(path)


def test_password_protected_pdf(tmp_path: Path) -> None:
    import pypdf

    plain = tmp_path / "plain.pdf"
    write_pdf(ITEM, plain)
    writer = pypdf.PdfWriter(clone_from=plain)
    writer.encrypt(user_password="secret", owner_password="owner")
    locked = tmp_path / "locked.pdf"
    with locked.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(UserInputError, match="password-protected"):
        extract_file(locked)


def test_pdf_running_header_footer_dropped(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    write_pdf(ITEM + "Some narrative text that is not a finding at all.\n" * 200, path)
    report = extract_file(path)
    assert [f.text for f in report.findings] == ["The force should improve its vetting."]


def test_corrupt_docx(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04" + os.urandom(500))
    with pytest.raises(UserInputError, match="cannot read DOCX"):
        extract_file(path)


def test_encrypted_docx(tmp_path: Path) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(500))
    with pytest.raises(UserInputError, match="password-protected"):
        extract_file(path)


def test_docx_numbered_list_and_table(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Recommendations")
    document.add_paragraph("The prison should review its regime.", style="List Number")
    document.add_paragraph("The prison should hire more staff.", style="List Number")
    document.add_paragraph("Areas for improvement")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "#", "Area for improvement"
    table.cell(1, 0).text = "A1"
    table.cell(1, 1).text = "The force should improve how it records stop and search."
    path = tmp_path / "report.docx"
    document.save(str(path))
    findings = extract_file(path).findings
    assert [(f.kind, f.reference) for f in findings] == [
        ("recommendation", "1"),
        ("recommendation", "2"),
        ("area_for_improvement", "A1"),
    ]


def test_html_lists_scripts_and_nav(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(
        "<html><body><nav><p>Recommendations</p><ul><li>Home page should load</li></ul></nav>"
        "<script>var t = 'Recommendations';</script><h2>Areas for\n improvement</h2>"
        "<ul><li>The force should improve\n   its vetting.</li></ul>"
        "<ol><li>The force should act on complaints quickly.</li></ol></body></html>"
    )
    findings = extract_file(path).findings
    assert [f.text for f in findings] == [
        "The force should improve its vetting.",
        "The force should act on complaints quickly.",
    ]
    assert findings[1].reference == "1"
