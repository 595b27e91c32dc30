"""Each class of layout that real reports use, with small fixtures of our own (issue: reading
reports nobody here has seen). PDFs are typeset with WeasyPrint or drawn glyph by glyph with
fpdf2, as publishers' tools do; text and HTML fixtures are written out here."""

from __future__ import annotations

import itertools
import subprocess
from datetime import date
from pathlib import Path

import pytest

from actions.common.errors import UserInputError
from actions.intake.extract import extract_file, extract_text
from tests.support.cli_runner import actions

# -- helpers ------------------------------------------------------------------------------------


def typeset(tmp_path: Path, body: str, *, css: str = "", name: str = "report.pdf") -> Path:
    """A PDF of ``body`` (HTML) with a running head and page numbers, as a publisher sets it."""
    from weasyprint import HTML

    style = f"""
        @page {{ size: A4; margin: 25mm 20mm;
            @top-center {{ content: "Inspection of Anytown children's services"; font-size: 8pt }}
            @bottom-center {{ content: counter(page); font-size: 9pt }} }}
        body {{ font-family: "DejaVu Sans"; font-size: 11pt; line-height: 1.35 }}
        h1 {{ font-size: 18pt }} h2 {{ font-size: 14pt }} h3 {{ font-size: 12pt }}
        {css}
    """
    path = tmp_path / name
    HTML(string=f"<html><head><style>{style}</style></head><body>{body}</body></html>").write_pdf(
        str(path)
    )
    return path


def texts(path: Path) -> list[str]:
    return [f.text for f in extract_file(path).findings]


def narrative(n: int) -> str:
    return "".join(
        f"<p>{k}. Inspectors found that practice was mostly good and that leaders understood "
        "where it was not, with plans in place that are starting to make a difference.</p>"
        for k in range(1, n + 1)
    )


# -- 1. words split by the PDF reader -----------------------------------------------------------


def test_glyph_by_glyph_text_reads_as_whole_words(tmp_path: Path) -> None:
    """Text drawn one positioned glyph at a time (kerned headings) comes back as words."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    x = 20.0
    for char in "Recommendations":
        pdf.text(x, 30, char)
        x += pdf.get_string_width(char) + 0.15  # kerning: each glyph placed by hand
    pdf.set_font("helvetica", size=11)
    pdf.text(20, 42, "1. The council should improve the quality of its case recording.")
    path = tmp_path / "kerned.pdf"
    pdf.output(str(path))
    report = extract_file(path)
    assert [f.kind for f in report.findings] == ["recommendation"]
    assert (
        report.findings[0].text == "The council should improve the quality of its case recording."
    )


# -- 2. headings phrased as questions or other words --------------------------------------------


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("What needs to improve?", "area_for_improvement"),
        ("What needs to improve in this local authority?", "area_for_improvement"),
        ("What does the local authority need to improve?", "area_for_improvement"),
        ("Priority and immediate action", "recommendation"),
        ("Requirements", "recommendation"),
        ("Action we have told the provider to take", "recommendation"),
        ("Areas for development", "area_for_improvement"),
    ],
)
def test_findings_headings_in_other_words(heading: str, kind: str) -> None:
    report = extract_text(f"{heading}\n• The timeliness of assessments for disabled children.\n")
    assert [(f.kind, f.text) for f in report.findings] == [
        (kind, "The timeliness of assessments for disabled children.")
    ]


def test_question_headings_that_are_not_findings_headings_stay_questions() -> None:
    report = extract_text(
        "How effective is the force at protecting vulnerable people?\n"
        "Areas for improvement\n• The force should improve its safeguarding referrals.\n"
    )
    assert report.findings[0].question == (
        "How effective is the force at protecting vulnerable people?"
    )


# -- 3. list items that wrap onto a line starting with a capital, a digit or "(" ----------------


def test_wrapped_items_keep_their_capital_digit_and_bracket_lines(tmp_path: Path) -> None:
    items = [
        "The consistency with which work with children subject to care proceedings, and "
        "the pre-proceedings stage of the Public Law Outline (PLO) is progressed",
        "The timeliness of health assessments for children aged 16 and over, including "
        "17-year-olds who are living in supported accommodation across the borough",
        "The quality of plans for care leavers (in particular their pathway plans and the "
        "contingency arrangements in them) and the support they receive from advisers",
    ]
    body = (
        "<h2>What needs to improve?</h2><ul>"
        + "".join(f"<li>{item}</li>" for item in items)
        + "</ul><h2>The experiences and progress of children: good</h2>"
        + narrative(3)
    )
    # Narrow columns force wraps at many places, including before "PLO", "17-year-olds", "(in".
    for width in ("60mm", "75mm", "90mm"):
        path = typeset(tmp_path, body, css=f"body {{ width: {width} }}", name=f"w{width}.pdf")
        assert texts(path) == items, width


def test_wrapped_text_lines_starting_with_a_capital_continue_an_unfinished_item() -> None:
    text = (
        "What needs to improve?\n"
        "◼ The consistency with which work with children subject to care proceedings, and\n"
        "the pre-proceedings stage of the Public Law Outline (PLO) is progressed. (Outcome\n"
        "2, national framework)\n"
        "◼ The completion of mandatory training for approved foster carers.\n"
    )
    assert [f.text for f in extract_text(text).findings] == [
        "The consistency with which work with children subject to care proceedings, and the "
        "pre-proceedings stage of the Public Law Outline (PLO) is progressed. (Outcome 2, "
        "national framework)",
        "The completion of mandatory training for approved foster carers.",
    ]


# -- 4. a running page header or page number between a heading and its list --------------------


def test_page_furniture_between_heading_and_list(tmp_path: Path) -> None:
    filler = narrative(12)  # pushes the heading to the foot of page 1, the list to page 2
    body = (
        filler
        + "<h2 style='margin-top: 150mm'>Recommendations</h2>"
        + "<ol><li>Ensure that assessments are completed within timescales that meet "
        "children's needs.</li><li>Improve the quality of supervision for social workers.</li>"
        "</ol><h2>Summary for children and young people</h2>"
        "<p>We found that you are safe and that the council should keep listening to you.</p>"
    )
    path = typeset(tmp_path, body)
    assert texts(path) == [
        "Ensure that assessments are completed within timescales that meet children's needs.",
        "Improve the quality of supervision for social workers.",
    ]
    assert "Inspection of Anytown" not in " ".join(texts(path))


def test_list_numbering_at_a_page_top_is_not_a_page_number(tmp_path: Path) -> None:
    body = (
        narrative(14)
        + "<h2>Recommendations</h2><ol>"
        + "".join(
            f"<li>The council should improve area number {k} of its work with children.</li>"
            for k in range(1, 30)
        )
        + "</ol>"
    )
    found = texts(typeset(tmp_path, body))
    assert len(found) == 29
    assert found[-1] == "The council should improve area number 29 of its work with children."


# -- 5. lead-ins and the headings that end a section --------------------------------------------


def test_lead_in_is_not_a_finding_and_deadline_groups_attach_due(tmp_path: Path) -> None:
    body = (
        "<h2>Areas for improvement</h2>"
        "<p>22. In order to improve the quality of provision and services for looked after "
        "children, the local authority should take the following action.</p>"
        "<h3>Immediately:</h3><ul><li>improve the quality of supervision and management "
        "oversight in casework</li></ul>"
        "<h3>Within three months:</h3><ul><li>improve looked after children's participation "
        "in their pathway planning</li><li>review the 16+ service</li></ul>"
        "<h3>Not later than 31 March 2015:</h3><ul><li>ensure that there are sufficient "
        "placements</li></ul>"
        "<h2>Key strengths and weaknesses of the local authority</h2>"
        "<ul><li>Leaders should be proud of the progress made with care leavers.</li></ul>"
    )
    report = extract_file(typeset(tmp_path, body))
    got = [(f.text, f.due_text, f.due) for f in report.findings]
    assert got == [
        (
            "improve the quality of supervision and management oversight in casework",
            "Immediately",
            None,
        ),
        (
            "improve looked after children's participation in their pathway planning",
            "Within three months",
            None,
        ),
        ("review the 16+ service", "Within three months", None),
        (
            "ensure that there are sufficient placements",
            "Not later than 31 March 2015",
            date(2015, 3, 31),
        ),
    ]


def test_a_following_heading_of_the_same_level_ends_the_section_in_html(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    path.write_text(
        "<h2>What needs to improve?</h2><ul><li>The timeliness of return home interviews.</li>"
        "</ul><h2>Summary for children and young people</h2><ul><li>Your social workers "
        "should visit you more often, you told us.</li></ul>",
        encoding="utf-8",
    )
    assert texts(path) == ["The timeliness of return home interviews."]


def test_sub_headings_inside_a_numbered_list_do_not_end_it() -> None:
    text = (
        "Areas for improvement\nLeadership and governance\n"
        "1. Ensure that all managers understand the recording system.\n"
        "Help and protection\n2. Improve attendance at child protection conferences.\n"
        "The local authority's strengths\n"
        "• Children are at the heart of the council's plans and priorities for the city.\n"
    )
    assert [f.reference for f in extract_text(text).findings] == ["1", "2"]


def test_there_are_no_actions_is_not_a_finding() -> None:
    text = (
        "Priority and immediate action\nThere are no priority or immediate actions.\n"
        "Areas for improvement\n1. Improve the quality of pathway plans for care leavers.\n"
    )
    report = extract_text(text)
    assert [f.text for f in report.findings] == [
        "Improve the quality of pathway plans for care leavers."
    ]
    assert report.warnings == []


# -- 6. deadlines and references ----------------------------------------------------------------


def test_not_later_than_gives_a_date() -> None:
    report = extract_text(
        "Recommendations\n1. Not later than 31 March 2015, the council should publish its plan.\n"
    )
    assert (report.findings[0].due, report.findings[0].due_text) == (
        date(2015, 3, 31),
        "Not later than 31 March 2015",
    )


# -- addressees ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "addressees"),
    [
        ("Chief constables should make sure vetting decisions are recorded.", ["chief constables"]),
        ("By 31 March 2024, the Home Office should publish guidance.", ["Home Office"]),
        (
            "The College of Policing and chief constables should review training.",
            ["College of Policing", "chief constables"],
        ),
        (
            "Police and crime commissioners should hold chief constables to account.",
            ["police and crime commissioners"],
        ),
        ("HMICFRS recommends that the NPCC should agree a standard.", ["NPCC"]),
        ("The force should improve its vetting.", []),
        ("The local authority should improve pathway plans.", []),
        ("Staff training should be improved.", []),  # passive: names no one
        ("The timeliness of return home interviews.", []),
    ],
)
def test_addressees(text: str, addressees: list[str]) -> None:
    finding = extract_text(f"Recommendations\n• {text}\n").findings[0]
    assert finding.addressees == addressees


def test_addressee_named_by_the_heading_reaches_the_list_under_it() -> None:
    text = (
        "What does the LSCB need to improve?\nPriority and immediate action\n"
        "There are no priority actions.\nAreas for improvement\n"
        "1. Report on the effectiveness of all key partner agencies.\n"
    )
    assert extract_text(text).findings[0].addressees == ["LSCB"]


# -- nothing silently missed --------------------------------------------------------------------


def test_heading_with_no_items_is_a_warning_naming_the_page(tmp_path: Path) -> None:
    body = (
        "<h2>Recommendations</h2><p>See the separate annex.</p><h2>Findings</h2>"
        + narrative(2)
        + "<h2>Areas for improvement</h2><ul><li>The force should improve its vetting.</li></ul>"
    )
    report = extract_file(typeset(tmp_path, body))
    assert [f.text for f in report.findings] == ["The force should improve its vetting."]
    assert report.warnings == [
        "page 1: heading 'Recommendations' has no items the reader could place"
    ]


def test_confidence_is_lower_for_unmarked_and_fragmentary_items() -> None:
    report = extract_text(
        "Recommendations\n• The council should improve the timeliness of its assessments.\n"
        "Areas for improvement\nThe council should make sure care leavers have pathway plans.\n"
        "Cause of concern\n• Poor\n"
    )
    marked, unmarked, fragment = (f.confidence for f in report.findings)
    assert 0.9 <= marked <= 1
    assert unmarked < marked
    assert fragment < 0.7


def test_extract_csv_round_trips_through_import(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    report = tmp_path / "report.txt"
    report.write_text(
        "Areas for improvement\n22. The council should take the following action.\n"
        "Within three months:\n• =improve the quality of supervision\n"
        "• review the 16+ service, including its caseloads\n",
        encoding="utf-8",
    )
    result = actions(capsys, "extract", str(report), "--format", "csv")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("ref,inspection,kind,finding,title,owner_email,deadline")
    assert "'=improve the quality of supervision" in lines[1]  # a formula made inert
    assert lines[2].endswith("stated deadline: Within three months,")  # blank repeat_of last
    csv_path = tmp_path / "findings.csv"
    csv_path.write_text(result.out, encoding="utf-8")
    assert actions(capsys, "init").code == 0
    imported = actions(capsys, "import", str(csv_path))
    assert imported.code == 0, imported.err
    listed = actions(capsys, "list", "--json").json()
    assert sorted(row["title"] for row in listed) == [
        "=improve the quality of supervision",
        "review the 16+ service, including its caseloads",
    ]


# -- bad files ----------------------------------------------------------------------------------


def test_scanned_pdf_says_so_and_suggests_the_csv_route(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from fpdf import FPDF
    from PIL import Image

    image = tmp_path / "page.png"
    Image.new("RGB", (400, 560), "white").save(image)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(str(image), x=10, y=10, w=180)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    result = actions(capsys, "extract", str(path))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "no text layer" in result.err and "--format csv" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n" + bytes(range(256)) * 8, "cannot read PDF"),
        (b"hello, not a pdf", "not a PDF"),
    ],
)
def test_bad_pdfs_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(content)
    result = actions(capsys, "extract", str(path))
    assert result.code == 2
    assert message in result.err and result.err.count("\n") == 1


def test_unreadable_pdf_raises_user_error(tmp_path: Path) -> None:
    path = tmp_path / "truncated.pdf"
    good = typeset(tmp_path, "<h2>Recommendations</h2><ol><li>Improve things.</li></ol>")
    path.write_bytes(good.read_bytes()[:600])
    with pytest.raises(UserInputError, match="PDF"):
        extract_file(path)


# -- the real PDFs: no split words --------------------------------------------------------------

REAL_PDFS = sorted((Path(__file__).parent / "fixtures" / "pdf").glob("*.pdf"))


def _words(text: str) -> list[str]:
    """Words, a hyphenated word as one ("self-assessment"), hyphens left out."""
    import re

    return [w.replace("-", "") for w in re.findall(r"[A-Za-z]+(?:-[A-Za-z]+)*", text)]


@pytest.mark.parametrize("path", REAL_PDFS, ids=lambda p: p.stem)
def test_no_split_words_in_real_pdfs(path: Path) -> None:
    """No word of the reader's text is a piece of a word that pdftotext (poppler, the
    reference reader) reads whole: "R ecommendations", "qualit y" would be caught."""
    from actions.intake.extract.readers import read_report

    reference = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    vocabulary = {w.lower() for w in _words(reference)}
    text, _ = read_report(path)
    words = _words(text)
    split = [
        f"{a} {b}"
        for a, b in itertools.pairwise(words)
        if (a + b).lower() in vocabulary
        and (a.lower() not in vocabulary or b.lower() not in vocabulary)
    ]
    assert split == []
    unknown = {w for w in words if w.lower() not in vocabulary}
    assert len(unknown) <= 3, sorted(unknown)
