"""What a report says, computed once from :class:`ReportData` and shared by every format."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from actions.common.dates import london_date_or_none, utcnow
from actions.domain.models import OPEN_STATUSES, Kind, Status
from actions.domain.policy import Policy
from actions.domain.rag import RagRules
from actions.reports import burnup
from actions.reports.data import (
    EarlierInfo,
    EvidenceRow,
    FindingInfo,
    InspectionInfo,
    ReportData,
    UpdateRow,
)
from actions.reports.filters import KIND_LABELS, STATUS_LABELS
from actions.reports.forecast import Forecast, OpenItem, completion_days, forecast
from actions.tracking.queries import ActionView

OPEN = frozenset(s.value for s in OPEN_STATUSES)
#: Shown apart from the RAG counts (docs/lifecycle.md).
DONE_ORDER = ("completed", "closed", "superseded", "not_accepted")


@dataclass(frozen=True)
class Row:
    """One line of a breakdown table."""

    label: str
    total: int
    open: int = 0
    red: int = 0
    amber: int = 0
    green: int = 0
    overdue: int = 0
    done: int = 0
    detail: str = ""


@dataclass(frozen=True)
class OverdueRow:
    view: ActionView
    #: The level the escalation policy calls for at this many days overdue.
    policy_level: int


@dataclass(frozen=True)
class RaisedAgain:
    """An action whose finding an earlier inspection already raised (docs/next-inspection.md)."""

    view: ActionView
    earlier: EarlierInfo


@dataclass(frozen=True)
class TracedItem:
    view: ActionView
    finding: FindingInfo | None
    parent_ref: str | None
    evidence: tuple[EvidenceRow, ...]


@dataclass(frozen=True)
class QuestionGroup:
    question: str
    judgement: str | None
    items: tuple[TracedItem, ...]


@dataclass(frozen=True)
class InspectionSection:
    info: InspectionInfo
    groups: tuple[QuestionGroup, ...]
    total: int


@dataclass
class ReportContent:
    title: str
    scope: str
    as_of: date
    since: date
    generated_at: datetime
    inspections: list[InspectionInfo]
    headline: list[tuple[str, str, str]]
    by_status: list[Row]
    by_rag: list[tuple[str, int]]
    done_apart: list[tuple[str, int]]
    by_kind: list[Row]
    by_question: list[Row]
    by_owner: list[Row]
    overdue: list[OverdueRow]
    updates: list[UpdateRow]
    titles: dict[str, str]
    burnup_points: list[burnup.Point]
    burnup_svg: str
    forecasts: list[Forecast]
    sections: list[InspectionSection]
    summary: dict[str, Any]
    raised_again: list[RaisedAgain] = field(default_factory=list)
    #: Pre-inspection pack: open actions likely to be raised again (overdue or stalled).
    at_risk: list[ActionView] = field(default_factory=list)
    pack: bool = False
    window_days: int = 90
    rag_rules: RagRules = field(default_factory=RagRules)


def build(data: ReportData, *, title: str | None = None, pack: bool = False) -> ReportContent:
    views = data.actions
    statuses = _daily_statuses(data)
    forecasts = _forecasts(data, statuses)
    points = burnup.series(statuses, data.as_of)
    scope = _scope_label(data)
    title = title or _default_title(data, pack)
    overdue = _overdue(views, data.policy)
    closed_since = _changed_since(data, statuses, Status.CLOSED.value)
    content = ReportContent(
        title=title,
        scope=scope,
        as_of=data.as_of,
        since=data.since,
        generated_at=utcnow(),
        inspections=data.inspections,
        headline=[],
        by_status=_by(views, lambda v: STATUS_LABELS.get(v.status, v.status), _status_order()),
        by_rag=[(c, sum(1 for v in views if v.rag == c)) for c in ("red", "amber", "green")],
        done_apart=[(s, sum(1 for v in views if v.status == s)) for s in DONE_ORDER],
        by_kind=_by(views, lambda v: KIND_LABELS.get(v.kind, v.kind), list(KIND_LABELS.values())),
        by_question=_by_question(views, data.findings),
        by_owner=_by_owner(views),
        overdue=overdue,
        updates=data.updates,
        titles={v.ref: v.title for v in views},
        burnup_points=points,
        burnup_svg=burnup.svg(points, _projection(forecasts, points), title=f"Burn-up: {scope}"),
        forecasts=forecasts,
        sections=_sections(data),
        summary={},
        raised_again=_raised_again(data),
        at_risk=_at_risk(data) if pack else [],
        pack=pack,
        window_days=data.policy.report.forecast_window_days,
        rag_rules=data.policy.rag_rules(),
    )
    content.summary = _summary(content, views, closed_since)
    content.headline = _headline(content)
    return content


def _raised_again(data: ReportData) -> list[RaisedAgain]:
    """Closed-then-raised-again first: the fix did not hold, the strongest signal there is."""
    rows = [
        RaisedAgain(v, data.earlier[v.repeat_of])
        for v in data.actions
        if v.repeat_of and v.repeat_of in data.earlier
    ]
    return sorted(rows, key=lambda r: (r.earlier.closed_on is None, r.view.ref))


def _at_risk(data: ReportData) -> list[ActionView]:
    """Open actions an inspector would find unmoved: past the deadline, or no update (since
    they were raised) for longer than the update cadence. Most overdue first, then most silent."""
    cadence = data.policy.rag_rules().update_cadence_days

    def silent_days(v: ActionView) -> int:
        raised = data.findings.get(v.id)
        since = v.last_update_on or (london_date_or_none(raised.created_at) if raised else None)
        return (data.as_of - since).days if since else 0

    risky = [
        v
        for v in data.actions
        if v.status in OPEN and (v.days_overdue > 0 or silent_days(v) > cadence)
    ]
    return sorted(risky, key=lambda v: (-v.days_overdue, -silent_days(v), v.ref))


# --------------------------------------------------------------------------- labels


def _scope_label(data: ReportData) -> str:
    if len(data.inspections) == 1:
        scope = data.inspections[0].label
    else:
        scope = f"All inspections ({len(data.inspections)})"
    if data.owner_emails:
        scope += " — actions owned by " + ", ".join(data.owner_emails)
    return scope


def _default_title(data: ReportData, pack: bool) -> str:
    kind = "Pre-inspection pack" if pack else "Inspection actions progress report"
    return f"{kind} — {data.as_of.day} {data.as_of:%B %Y}"


def _status_order() -> list[str]:
    return [STATUS_LABELS[s.value] for s in Status]


# --------------------------------------------------------------------------- breakdowns


def _row(label: str, views: list[ActionView], detail: str = "") -> Row:
    return Row(
        label=label,
        total=len(views),
        open=sum(1 for v in views if v.status in OPEN),
        red=sum(1 for v in views if v.rag == "red"),
        amber=sum(1 for v in views if v.rag == "amber"),
        green=sum(1 for v in views if v.rag == "green"),
        overdue=sum(1 for v in views if v.days_overdue > 0),
        done=sum(1 for v in views if v.status in (Status.COMPLETED, Status.CLOSED)),
        detail=detail,
    )


def _by(views: list[ActionView], key: Any, order: list[str]) -> list[Row]:
    groups: dict[str, list[ActionView]] = defaultdict(list)
    for view in views:
        groups[key(view)].append(view)
    ranked = [label for label in order if label in groups] + sorted(set(groups) - set(order))
    return [_row(label, groups[label]) for label in ranked]


def _by_question(views: list[ActionView], findings: dict[int, FindingInfo]) -> list[Row]:
    groups: dict[str, list[ActionView]] = defaultdict(list)
    judgements: dict[str, str] = {}
    for view in views:
        question = view.question or "(no question stated)"
        groups[question].append(view)
        info = findings.get(view.id)
        if info and info.judgement:
            judgements[question] = info.judgement
    return [_row(q, groups[q], judgements.get(q, "")) for q in groups]  # report order


def _by_owner(views: list[ActionView]) -> list[Row]:
    groups: dict[str, list[ActionView]] = defaultdict(list)
    emails: dict[str, str] = {}
    for view in views:
        name = view.owner_name or view.owner_email or "(unassigned)"
        groups[name].append(view)
        emails[name] = view.owner_email or ""
    rows = [_row(name, members, emails[name]) for name, members in groups.items()]
    return sorted(rows, key=lambda r: (-r.overdue, -r.red, -r.open, r.label.lower()))


def policy_level(days_overdue: int, policy: Policy) -> int:
    reached = [lvl.level for lvl in policy.escalation.levels if days_overdue >= lvl.days_overdue]
    return max(reached, default=0)


def _overdue(views: list[ActionView], policy: Policy) -> list[OverdueRow]:
    rows = [OverdueRow(v, policy_level(v.days_overdue, policy)) for v in views if v.days_overdue]
    return sorted(rows, key=lambda r: (-r.view.days_overdue, r.view.ref))


# --------------------------------------------------------------------------- history


def _daily_statuses(data: ReportData) -> dict[int, list[tuple[date, str]]]:
    current = {v.id: v.status for v in data.actions}
    fallback = {
        a: (info.created_at, info.updated_at) for a, info in data.findings.items() if a in current
    }
    for action_id in current:
        fallback.setdefault(action_id, (utcnow(), utcnow()))
    events = ((e.action_id, e.at, e.status) for e in data.events)
    return burnup.daily_statuses(events, current, fallback)


def _changed_since(data: ReportData, statuses: dict[int, list[tuple[date, str]]], to: str) -> int:
    """Actions whose status became ``to`` after the previous report, up to ``as_of``."""
    return sum(
        1
        for changes in statuses.values()
        if any(data.since < day <= data.as_of and status == to for day, status in changes)
    )


def _forecasts(data: ReportData, statuses: dict[int, list[tuple[date, str]]]) -> list[Forecast]:
    by_inspection: dict[int, list[ActionView]] = defaultdict(list)
    for view in data.actions:
        by_inspection[view.inspection_id].append(view)
    results = []
    for info in data.inspections:
        views = by_inspection.get(info.id, [])
        if not views:
            continue
        done = [v.id for v in views if v.status in (Status.COMPLETED, Status.CLOSED)]
        starts = [statuses[v.id][0][0] for v in views if statuses.get(v.id)]
        results.append(
            forecast(
                label=info.label,
                open_items=[_open_item(v) for v in views if v.status in OPEN],
                completions=completion_days(statuses, done),
                as_of=data.as_of,
                next_inspection=info.next_inspection,
                window_days=data.policy.report.forecast_window_days,
                history_start=min(starts, default=None),
            )
        )
    return results


def _open_item(view: ActionView) -> OpenItem:
    owner = view.owner_name or view.owner_email or "(unassigned)"
    return OpenItem(view.ref, view.title, owner, view.progress, view.deadline)


def _projection(forecasts: list[Forecast], points: list[burnup.Point]) -> burnup.Projection | None:
    """Only a single-inspection chart gets a projection line: one next-inspection date."""
    if len(forecasts) != 1 or not points or not forecasts[0].applicable:
        return None
    fc = forecasts[0]
    assert fc.next_inspection is not None
    last = points[-1]
    return burnup.Projection(
        last.day, last.done, fc.next_inspection, last.done + fc.expected_completions
    )


# --------------------------------------------------------------------------- findings


def _sections(data: ReportData) -> list[InspectionSection]:
    refs = {v.id: v.ref for v in data.actions}
    by_inspection: dict[int, list[ActionView]] = defaultdict(list)
    for view in data.actions:
        by_inspection[view.inspection_id].append(view)
    sections = []
    for info in data.inspections:
        views = by_inspection.get(info.id, [])
        if views:
            groups = _question_groups(views, data, refs)
            sections.append(InspectionSection(info, groups, len(views)))
    return sections


def _question_groups(
    views: Iterable[ActionView], data: ReportData, refs: dict[int, str]
) -> tuple[QuestionGroup, ...]:
    groups: dict[str, list[TracedItem]] = defaultdict(list)
    judgements: dict[str, str | None] = {}
    for view in views:  # already in report order (finding sequence)
        info = data.findings.get(view.id)
        parent = refs.get(info.parent_action_id) if info and info.parent_action_id else None
        item = TracedItem(view, info, parent, tuple(data.evidence.get(view.id, ())))
        question = view.question or "Other findings"
        groups[question].append(item)
        judgements.setdefault(question, info.judgement if info else None)
    return tuple(QuestionGroup(q, judgements[q], tuple(items)) for q, items in groups.items())


# --------------------------------------------------------------------------- headline


def _summary(content: ReportContent, views: list[ActionView], closed_since: int) -> dict[str, Any]:
    statuses = Counter(v.status for v in views)
    return {
        "title": content.title,
        "scope": content.scope,
        "as_of": content.as_of.isoformat(),
        "since": content.since.isoformat(),
        "inspections": [i.code for i in content.inspections],
        "total": len(views),
        "open": sum(statuses[s] for s in OPEN),
        "rag": dict(content.by_rag),
        "overdue": len(content.overdue),
        "status": {s.value: statuses[s.value] for s in Status},
        "kind": {k.value: sum(1 for v in views if v.kind == k.value) for k in Kind},
        "updates_since": len(content.updates),
        "closed_since": closed_since,
        "forecast": [f.as_json() for f in content.forecasts],
    }


def _headline(content: ReportContent) -> list[tuple[str, str, str]]:
    """(figure, label, note) cards at the top of the report."""
    s = content.summary
    rag = s["rag"]
    done = sum(s["status"][x] for x in ("completed", "closed"))
    cards = [
        (str(s["total"]), "actions in total", f"{done} completed or closed"),
        (str(s["open"]), "open", f"{rag['red']} red · {rag['amber']} amber · {rag['green']} green"),
        (str(s["overdue"]), "overdue", "past their deadline and still open"),
        (str(s["status"]["completed"]), "awaiting review", "completed, not yet closed"),
        (str(s["updates_since"]), "updates since last report", f"{s['closed_since']} closed"),
    ]
    applicable = [f for f in content.forecasts if f.applicable]
    if len(applicable) == 1:
        fc = applicable[0]
        cards.append((str(fc.predicted_open), "forecast open at inspection", fc.verdict))
    return cards
