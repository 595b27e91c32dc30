"""Each variant the corpus README lists, on small synthetic snippets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.common.errors import UserInputError
from actions.intake.extract import ExtractedFinding, extract_file, extract_text
from actions.intake.extract.dates import find_deadline
from actions.intake.extract.parser import split_source_refs

Q = "To what extent does the force treat all of the people it serves with fairness and respect?"


def texts(snippet: str) -> list[str]:
    return [f.text for f in extract_text(snippet).findings]


def only(snippet: str) -> ExtractedFinding:
    findings = extract_text(snippet).findings
    assert len(findings) == 1, findings
    return findings[0]


# -- headings -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Areas for improvement", "area_for_improvement"),
        ("Area for improvement", "area_for_improvement"),
        ("Cause of concern", "cause_of_concern"),
        ("Recommendations", "recommendation"),
        ("Main recommendations", "recommendation"),
        ("RECOMMENDATIONS", "recommendation"),
        ("7. RECOMMENDATIONS", "recommendation"),
        ("Action required", "recommendation"),
        ("What the care home could do better:", "area_for_improvement"),
        ("Suggestions", "area_for_improvement"),
        ("Areas for Review", "area_for_improvement"),
    ],
)
def test_headings(heading: str, kind: str) -> None:
    finding = only(f"{heading}\n- The force should improve its records of stop and search.\n")
    assert finding.kind == kind
    assert finding.text == "The force should improve its records of stop and search."


def test_no_heading_no_findings() -> None:
    assert texts("The force should improve how it records crime.\n• It should train staff.") == []


def test_narrative_after_list_closes_section() -> None:
    snippet = (
        "Areas for improvement\n• The force should improve its vetting.\n"
        "We set out our detailed findings below. These are the basis for our judgment.\n"
        "• The force should also do this, which is prose.\n"
    )
    assert texts(snippet) == ["The force should improve its vetting."]


# -- markers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("line", "reference"),
    [
        ("- The service should act now on this.", None),
        ("  • The service should act now on this.", None),
        ("•The service should act now on this.", None),
        ("7.1 The service should act now on this.", "7.1"),
        ("11.10 The service should act now on this.", "11.10"),
        ("14.2.3 The service should act now on this.", "14.2.3"),
        ("R1 The service should act now on this.", "R1"),
        ("Recommendation 4: The service should act now on this.", "4"),
        ("(8770) The service should act now on this.", "8770"),
        ("T10 The service should act now on this.", "T10"),
        ("3. The service should act now on this.", "3"),
    ],
)
def test_markers(line: str, reference: str | None) -> None:
    finding = only(f"Recommendations\n{line}\n")
    assert finding.text == "The service should act now on this."
    assert finding.reference == reference


def test_several_bullets_on_one_line() -> None:
    snippet = (
        "Areas for improvement\n• The force should do one thing; and • It should do another.\n"
    )
    assert texts(snippet) == ["The force should do one thing; and", "It should do another."]


def test_unmarked_items() -> None:
    snippet = (
        "Recommendations\nThe prison should review its regime.\nThe prison should hire staff.\n"
    )
    assert texts(snippet) == [
        "The prison should review its regime.",
        "The prison should hire staff.",
    ]


def test_number_alone_on_line_above_and_status_words() -> None:
    snippet = (
        "Recommendations\n1\nCompleted\nThe force should review its investigative workload now.\n"
        "West Mercia Police\n2\nSuperseded\n"
        "The force should review its approach to vulnerability.\n"
    )
    findings = extract_text(snippet).findings
    assert [(f.reference, f.text) for f in findings] == [
        ("1", "The force should review its investigative workload now."),
        ("2", "The force should review its approach to vulnerability."),
    ]


def test_wrapped_line_continues_item() -> None:
    snippet = (
        "Recommendations R1 Increase the opportunity to develop ICT\n\nskills across the school\n"
    )
    assert texts(snippet) == ["Increase the opportunity to develop ICT skills across the school"]


def test_group_heading_numbers_become_question() -> None:
    snippet = (
        "RECOMMENDATIONS\n14.1 For the Governor.\n"
        "14.1.1 The laundry should be reviewed (paragraph 7.14).\n"
    )
    finding = only(snippet)
    assert (finding.reference, finding.question) == ("14.1.1", "For the Governor")
    assert finding.source_refs == ["paragraph 7.14"]


# -- stems and parts ----------------------------------------------------------------------------
def test_stem_with_parts() -> None:
    snippet = (
        "Areas for improvement\n• The service should make sure:\n  ◦ staff are trained;\n"
        "  ◦ records are kept; and\n  ◦ audits happen.\n• The service should act on risk.\n"
    )
    findings = extract_text(snippet).findings
    assert findings[0].text == "The service should make sure:"
    assert findings[0].parts == ["staff are trained;", "records are kept; and", "audits happen."]
    assert findings[1].text == "The service should act on risk."


def test_stem_with_unmarked_parts() -> None:
    snippet = (
        "Recommendations\nThe force should take steps to:\nreview its policy;\ntrain its staff.\n"
    )
    finding = only(snippet)
    assert finding.parts == ["review its policy;", "train its staff."]


# -- causes of concern --------------------------------------------------------------------------
def test_cause_of_concern_with_recommendations() -> None:
    snippet = (
        f"{Q}\nInadequate\nCause of concern\nThe force does not investigate crime well enough.\n"
        "Recommendations\nWithin six months, the force should:\n• review its workload; and\n"
        "• train its investigators.\nBy 31 March 2019 the force should publish its plan.\n"
    )
    findings = extract_text(snippet).findings
    assert [f.kind for f in findings] == ["cause_of_concern", "recommendation", "recommendation"]
    assert [f.parent for f in findings] == [None, 0, 0]
    assert findings[1].due_text == "Within six months" and findings[1].due is None
    assert findings[1].parts == ["review its workload; and", "train its investigators."]
    assert findings[2].due == date(2019, 3, 31)
    assert all(f.judgement == "Inadequate" and f.question == Q for f in findings)


def test_cause_of_concern_with_inline_recommendation_stem() -> None:
    snippet = (
        "Cause of concern\nThe force is not protecting vulnerable people.\n"
        "To address this cause of concern, we recommend that the force should immediately:\n"
        "• review its safeguarding.\n"
    )
    findings = extract_text(snippet).findings
    assert [f.kind for f in findings] == ["cause_of_concern", "recommendation"]
    assert findings[1].parent == 0 and findings[1].due_text == "immediately"


def test_tracker_rows_share_a_cause_of_concern() -> None:
    rows = "\n".join(
        f"| T{n} | Cause of concern: The force is failing victims in several ways. "
        f"Recommendation: The force should fix thing {n}. | Some Police | Completed |"
        for n in (1, 2)
    )
    snippet = f"| # | Recommendation | Directed at | Status |\n|---|---|---|---|\n{rows}\n"
    findings = extract_text(f"Recommendations\n{snippet}").findings
    assert [(f.kind, f.reference, f.parent) for f in findings] == [
        ("cause_of_concern", None, None),
        ("recommendation", "T1", 0),
        ("recommendation", "T2", 0),
    ]


# -- questions, judgements, carried over --------------------------------------------------------
@pytest.mark.parametrize("grade", ["Outstanding", "Good", "Adequate", "Requires improvement"])
def test_judgement_line_after_question(grade: str) -> None:
    finding = only(f"{Q}\n{grade}\nAreas for improvement\n• The force should do better at it.\n")
    assert (finding.question, finding.judgement) == (Q, grade)


def test_judgement_stated_in_prose() -> None:
    snippet = (
        f"{Q}\nThe Constabulary is good at treating people fairly.\n"
        "Areas for improvement\n- The force should do better at it.\n"
    )
    assert only(snippet).judgement == "Good"


def test_question_without_grade() -> None:
    assert only(f"{Q}\n\nAreas for improvement\n• The force should do better.\n").judgement is None


def test_carried_over_statement() -> None:
    snippet = (
        "Areas for improvement\n• The force should improve its vetting.\n"
        "This area for improvement has been carried over from our 2017 inspection.\n"
    )
    assert only(snippet).carried_over is True


def test_carried_over_judgement_alone_is_not_a_finding() -> None:
    snippet = (
        f"{Q}\nGood\nOur judgment from the 2017 legitimacy inspection has been carried over.\n"
    )
    assert texts(snippet) == []


# -- addressees and passive voice ---------------------------------------------------------------
@pytest.mark.parametrize(
    "line",
    [
        "All forces should publish their stop and search data.",
        "Chief fire officers should review their values.",
        "HMCIC should ensure all recommendations are deliverable.",
        "The school should improve attendance.",
        "The local authority should review its plans.",
        "The healthcare facilities should be improved.",
    ],
)
def test_addressees(line: str) -> None:
    assert texts(f"Recommendations\n- {line}\n") == [line]


# -- deadlines ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "due", "due_text"),
    [
        ("By 31 March 2019, the force should act.", date(2019, 3, 31), "By 31 March 2019"),
        ("By 1 June 2023, chief fire officers should act.", date(2023, 6, 1), "By 1 June 2023"),
        ("By January 2024, forces should review it.", date(2024, 1, 31), "By January 2024"),
        ("The force should publish it by July 2018.", date(2018, 7, 31), "by July 2018"),
        (
            "By the end of March 2020 the force should act.",
            date(2020, 3, 31),
            "By the end of March 2020",
        ),
        ("The force should act by 2021.", date(2021, 12, 31), "by 2021"),
        ("Within six months the force should act.", None, "Within six months"),
        ("Within 3 months, the service should act.", None, "Within 3 months"),
        ("The force should immediately act.", None, "immediately"),
        ("With immediate effect, all forces should act.", None, "With immediate effect"),
        ("The force should act by 31 February 2019.", None, "by 31 February 2019"),
        ("The force should act soon.", None, None),
        ("The force should hire by 1000 officers.", None, None),
    ],
)
def test_deadlines(text: str, due: date | None, due_text: str | None) -> None:
    assert find_deadline(text) == (due, due_text)


# -- paragraph references -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "clean", "refs"),
    [
        ("Violence should be reduced (S47)", "Violence should be reduced", ["paragraph S47"]),
        ("Searches should be done (1.46)", "Searches should be done", ["paragraph 1.46"]),
        ("X should happen (paragraph 5.1.5).", "X should happen.", ["paragraph 5.1.5"]),
        (
            "X should happen (paragraphs 2.63, 3.18).",
            "X should happen.",
            ["paragraph 2.63", "paragraph 3.18"],
        ),
        (
            "X should happen (paragraphs 2.9 and 5.6).",
            "X should happen.",
            ["paragraph 2.9", "paragraph 5.6"],
        ),
        ("Drugs standard (208) should be met.", "Drugs standard (208) should be met.", []),
        ("X should happen in time (2019)", "X should happen in time (2019)", []),
    ],
)
def test_source_refs(text: str, clean: str, refs: list[str]) -> None:
    assert split_source_refs(text) == (clean, refs)


# -- noise --------------------------------------------------------------------------------------
def test_noise_is_not_a_finding() -> None:
    snippet = (
        "SOURCE: https://example.org/report\nSkip to content\n404 Page not found\n"
        "« Previous | Contents | Next »\nMain recommendations\n0 of 2 implemented\n"
        "  • Implemented\n  • Not implemented\n  • Staff should be trained (S1)\nPage 3\n"
        "  • Cells should be clean (S2)\n"
    )
    assert texts(snippet) == ["Staff should be trained", "Cells should be clean"]


def test_prose_mentions_are_not_findings() -> None:
    snippet = (
        f"{Q}\nThe force should do more to engage with communities, it needs to make sure.\n"
        "In our 2017 report, we recommended that all forces should:\n"
        "• track and analyse stop and search data;\n• publish the analysis by July 2018.\n"
        "In 2016 we identified an area for improvement about vetting.\n"
        "All fire and rescue services should identify and assess all foreseeable risks.\n"
    )
    assert texts(snippet) == []


def test_register_entry_with_status_markup() -> None:
    snippet = (
        "404 Page not found\n\nCore Business: an inspection of police time (6955)\n\n"
        "With immediate effect, all forces should review their ICT arrangements.\n\n"
        "[on]4th September 2014 [status]awaiting-review[/status][/on][on]30th September 2016 "
        "[comment]\n\nThe status should be reviewed by HMIC.\n\n[/comment][/on]\n"
        "Another report (7001)\n\n"
        "Within six months the force should put in place arrangements to:\n"
        "  • review crime records;\n  • train call handlers.\n\n[on]1st May 2017 [comment]\n\n"
        "Update: the force should report back."
    )
    findings = extract_text(snippet).findings
    assert [(f.reference, f.due_text, len(f.parts)) for f in findings] == [
        ("6955", "With immediate effect", 0),
        ("7001", "Within six months", 2),
    ]
    assert all(f.kind == "recommendation" for f in findings)


def test_response_after_label_is_not_a_finding() -> None:
    snippet = (
        "Recommendation 4\n\nValues and Culture in Fire and Rescue Services\n\n"
        "Recommendation 4:\n\n"
        "By 1 June 2023, chief fire officers should assure themselves that updates are shared.\n\n"
        "RBFRS action: Our policy says how updates should be provided.\n\nAction: In Progress\n"
    )
    finding = only(snippet)
    assert (finding.reference, finding.due) == ("4", date(2023, 6, 1))


def test_truncated_last_item_is_kept() -> None:
    assert texts("Main recommendations\n  • Recent management action to address a range o") == [
        "Recent management action to address a range o"
    ]


def test_json_shape() -> None:
    data = only("Recommendations\n7.1 Staff should be trained (paragraph 2.6).\n").to_json()
    assert data == {
        "kind": "recommendation",
        "text": "Staff should be trained.",
        "reference": "7.1",
        "question": None,
        "judgement": None,
        "due": None,
        "due_text": None,
        "carried_over": False,
        "parent": None,
        "parts": [],
        "source_refs": ["paragraph 2.6"],
        "addressees": [],
        "confidence": data["confidence"],
    }
    assert 0.9 <= data["confidence"] <= 1


# -- robustness ---------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(
                [
                    "Areas for improvement",
                    "Cause of concern",
                    "Recommendations",
                    "Recommendation 2:",
                    "• The force should act.",
                    "7.1 The prison should act (1.2).",
                    "The force should:",
                    "; and",
                    "1",
                    "[on]x[status]y[/status][/on]",
                    "[comment]",
                    "| T1 | Cause of concern: A. Recommendation: B | C |",
                    "|---|",
                    Q,
                    "Good",
                ]
            ),
        ),
        max_size=25,
    )
)
def test_extract_text_never_crashes(lines: list[str]) -> None:
    try:
        report = extract_text("\n".join(lines))
    except UserInputError:
        return
    for finding in report.findings:
        assert finding.text and finding.text == " ".join(finding.text.split())
        assert all(part == " ".join(part.split()) and part for part in finding.parts)
        assert finding.parent is None or 0 <= finding.parent < len(report.findings)


# -- structure a text export loses (held-out batch 4) -------------------------------------------
def test_a_table_row_wrapped_over_printed_lines_is_one_row() -> None:
    findings = extract_text(
        "## Our recommendations\n| No. | Recommendation |\n|---|\n"
        "| 1 | By 31 March 2025, chief constables should make sure that every child arrested on |\n"
        "|  | suspicion of a drugs supply offence is assessed for exploitation. |\n"
        "| 2 | The Home Office should issue statutory guidance on child criminal exploitation. |\n"
    ).findings
    assert [(f.reference, f.text) for f in findings] == [
        (
            "1",
            "By 31 March 2025, chief constables should make sure that every child arrested on "
            "suspicion of a drugs supply offence is assessed for exploitation.",
        ),
        ("2", "The Home Office should issue statutory guidance on child criminal exploitation."),
    ]
    assert findings[0].due == date(2025, 3, 31)


def test_a_tracker_names_its_findings_column_and_its_timescale() -> None:
    findings = extract_text(
        "| AFI | Area for improvement | Owner | Timescale |\n|---|\n"
        "| AFI 1 | The force should improve how quickly it attends priority incidents. "
        "| Head of Contact | By 31 March 2025 |\n"
    ).findings
    assert [(f.kind, f.reference, f.due_text) for f in findings] == [
        ("area_for_improvement", "AFI 1", "By 31 March 2025")
    ]


def test_contents_glossary_and_progress_on_old_findings_hold_no_findings() -> None:
    snippet = (
        "# Contents\n1. Causes of concern\n2. Responding to the public\n3. Glossary\n"
        "## Causes of concern\n1. The force isn't doing enough to protect children at risk.\n"
        "## Progress on recommendations from our last inspection\n| Recommendation | Status |\n"
        "|---|\n| The force should improve its vetting of new officers. | Achieved |\n"
        "## Glossary\nRecommendation: what we think the force should do to address a concern.\n"
    )
    assert texts(snippet) == ["The force isn't doing enough to protect children at risk."]


def test_a_summary_pointing_at_the_sections_lists_no_findings() -> None:
    snippet = (
        "Areas for improvement\nWe have identified four areas for improvement. They are set out "
        "in the sections of this report about:\n• responding to the public;\n"
        "• investigating crime.\n"
    )
    assert texts(snippet) == []


def test_the_next_number_after_a_concerns_recommendations_is_the_next_concern() -> None:
    findings = extract_text(
        "Causes of concern\n1. The service has not done enough to promote the right culture.\n"
        "Recommendations\n• By 31 December 2024, the service should make leaders visible.\n"
        "2. The service does not have enough fire engines available to respond.\n"
        "Recommendations\n• By 31 March 2025, the service should improve on-call availability.\n"
    ).findings
    assert [(f.kind, f.reference, f.parent) for f in findings] == [
        ("cause_of_concern", "1", None),
        ("recommendation", None, 0),
        ("cause_of_concern", "2", None),
        ("recommendation", None, 2),
    ]


# -- held-out batch 5 -----------------------------------------------------------------------------
def test_the_named_findings_column_is_the_text_not_the_longest_cell() -> None:
    assert texts(
        "| Area for improvement | What we found |\n|---|\n"
        "| The provider should replace the worn flooring. | We saw that the flooring was lifting "
        "at the joins, and the manager had reported this to the provider in November 2022. |\n"
    ) == ["The provider should replace the worn flooring."]


def test_a_concern_table_gives_concerns_with_their_recommendations() -> None:
    findings = extract_text(
        "| Cause of concern | Ref | Recommendation | By when |\n|---|\n"
        "| The service doesn't target its protection work at the highest risks. | R1 "
        "| The service should base its inspection programme on current risk. | By 31 March 2023 |\n"
        "|  | R2 | The service should have enough qualified fire safety inspectors. |  |\n"
    ).findings
    assert [(f.kind, f.reference, f.parent, f.due_text) for f in findings] == [
        ("cause_of_concern", None, None, None),
        ("recommendation", "R1", 0, "By 31 March 2023"),
        ("recommendation", "R2", 0, None),
    ]


@pytest.mark.parametrize(
    ("snippet", "kind", "reference"),
    [
        (
            "Aspects for improvement\n• The Area should serve disclosure on time in every case.\n",
            "area_for_improvement",
            None,
        ),
        (
            "Annex 1: Recommendations\n1. The Trust should review every sentence plan on time.\n",
            "recommendation",
            "1",
        ),
        (
            "Recommendation A\nChief constables should assess every offender's use of devices.\n",
            "recommendation",
            "A",
        ),
    ],
)
def test_more_ways_to_name_a_list(snippet: str, kind: str, reference: str | None) -> None:
    finding = only(snippet)
    assert (finding.kind, finding.reference) == (kind, reference)


def test_a_finding_stated_twice_is_one_finding_where_it_is_numbered() -> None:
    findings = extract_text(
        "Recommendations\nRecommendation 1: Police Scotland should audit every productions store.\n"
        "Summary of recommendations\nRecommendation 1\n"
        "Police Scotland should audit every productions store.\n"
    ).findings
    assert [(f.reference, f.text) for f in findings] == [
        ("1", "Police Scotland should audit every productions store.")
    ]


def test_two_columns_side_by_side_are_read_one_after_the_other(tmp_path: Path) -> None:
    left = [f"Left column line {n} about the school." for n in range(14)]
    right = ["Recommendations", "R1   Improve attendance across all year groups."]
    right += [f"Right column narrative line {n}." for n in range(12)]
    rows = [f"{a:<50}{b}" for a, b in zip(left, right, strict=True)]
    path = tmp_path / "layout.txt"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert [f.text for f in extract_file(path).findings] == [
        "Improve attendance across all year groups."
    ]


# -- held-out batch 6 -----------------------------------------------------------------------------
def test_a_sentence_can_introduce_the_list() -> None:
    findings = extract_text(
        "Strengths include the outdoor learning.\n"
        "The following areas for development were identified and discussed with the head.\n"
        "• Improve the consistency of high-quality teaching across the school.\n"
    ).findings
    assert [(f.kind, f.text) for f in findings] == [
        (
            "area_for_improvement",
            "Improve the consistency of high-quality teaching across the school.",
        )
    ]


def test_an_improvement_plan_names_its_findings_column() -> None:
    assert texts(
        "| Improvement needed | Regulation | Service action | Timescale |\n|---|\n"
        "| The health board must ensure that call bells are within reach. | 15 "
        "| Ward sister to check every bed at the start of each shift and record it. | Immediate |\n"
    ) == ["The health board must ensure that call bells are within reach."]


def test_a_review_of_progress_holds_only_its_new_concerns() -> None:
    snippet = (
        "## Section 2 Progress against the key concerns and recommendations\n"
        "Recommendation: Leaders should make sure prisoners spend time out of their cells.\n"
        "#### What we found\nThe regime had improved.\n"
        "## Section 3 New key concerns\n"
        "3.2 Prisoners arriving spent their first night in dirty cells.\n"
        "3.3 Too many prisoners were released without a bank account.\n"
        "## Glossary\n### Recommendation\nA formal statement of action we expect.\n"
    )
    assert [(f.kind, f.reference) for f in extract_text(snippet).findings] == [
        ("cause_of_concern", "3.2"),
        ("cause_of_concern", "3.3"),
    ]


def test_praise_and_site_links_are_not_findings() -> None:
    assert texts(
        "Areas for development\nGood practice: the rural watch scheme links officers and farmers.\n"
        "1. The division should review how it records antisocial behaviour complaints.\n"
        "• Accessibility\n• Cookies\n• Privacy\n"
    ) == ["The division should review how it records antisocial behaviour complaints."]


def test_a_timescale_column_dates_its_row() -> None:
    findings = extract_text(
        "| Improvement needed | Responsible officer | Timescale |\n|---|\n"
        "| The health board must ensure resuscitation equipment is checked daily. | Ward manager "
        "| 31 May 2025 |\n"
        "| The health board must ensure care plans are reviewed with patients. | Ward manager "
        "| Immediate |\n"
        "| The health board must ensure staff complete mandatory training. | 12 May 2024 | |\n"
    ).findings
    assert [(f.due, f.due_text) for f in findings] == [
        (date(2025, 5, 31), "31 May 2025"),
        (None, "Immediate"),
        (None, None),  # a date in another column is no deadline
    ]


# -- held-out batch 7 -----------------------------------------------------------------------------
def test_an_action_plan_with_a_type_column_and_cells_spanning_rows(tmp_path: Path) -> None:
    page = tmp_path / "plan.html"
    page.write_text(
        "<table><tr><th>Pillar</th><th>Type</th><th>Ref</th><th>Finding</th><th>Lead</th></tr>"
        "<tr><td rowspan='3'>People</td><td>Cause of concern</td><td>CoC 1</td>"
        "<td>The service hasn't done enough to build an open and inclusive culture.</td>"
        "<td rowspan='2'>Chief fire officer</td></tr>"
        "<tr><td>Recommendation</td><td>R1</td>"
        "<td>The service should deal with bullying and harassment robustly.</td></tr>"
        "<tr><td>Area for improvement</td><td>AFI 5</td>"
        "<td>The service should monitor the hours of staff with second jobs.</td>"
        "<td>Head of HR</td></tr></table>",
        encoding="utf-8",
    )
    findings = extract_file(page).findings
    assert [(f.kind, f.reference, f.parent) for f in findings] == [
        ("cause_of_concern", "CoC 1", None),
        ("recommendation", "R1", 0),
        ("area_for_improvement", "AFI 5", None),
    ]


def test_a_forwarded_email_quotes_the_report(tmp_path: Path) -> None:
    mail = tmp_path / "mail.txt"
    mail.write_text(
        "From: head@school.example\nSubject: Fwd: our report\n\nSee below.\n\n"
        "> Recommendations\n>\n> R1 Raise standards in writing across the school.\n"
        "> R2 Improve attendance.\n",
        encoding="utf-8",
    )
    assert [f.reference for f in extract_file(mail).findings] == ["R1", "R2"]


def test_praise_after_the_items_ends_the_list() -> None:
    assert texts(
        "Areas for improvement\n"
        "The service should ensure it allocates enough resources to its inspection programme.\n"
        "Promising practice: Working with the local authority to find unsafe housing\n"
        "The service shares data on houses in multiple occupation. This should help both.\n"
    ) == ["The service should ensure it allocates enough resources to its inspection programme."]
