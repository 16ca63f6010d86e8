"""Keeping the rollups in step with the cases.

What a case counts towards is a pure function of its current state (:func:`case_entries`): its
row, its clock readings, its returns and resolutions in the history, and its RCA. The outbox
handler recomputes that for the case an event is about and applies the difference to the counts
(:func:`report_refresh_case`); recomputing from the current state makes it idempotent and
indifferent to the order events are delivered in, and :func:`reports_rebuild` reaches exactly
the same rows from nothing, so a rebuild after a crash equals the rollups maintained live.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from casebridge.cases import events as case_events
from casebridge.cases.choices import CustomerStatus, EngagementKind, Priority
from casebridge.cases.models import Case, CaseClock, CaseEvent
from casebridge.core.events import EventKind
from casebridge.rca import events as rca_events
from casebridge.rca.choices import RcaStatus
from casebridge.rca.models import Rca
from casebridge.reports.choices import Measure
from casebridge.reports.models import ReportCount, ReportEntry
from casebridge.sla.choices import ClockStatus, Metric

logger = logging.getLogger(__name__)

#: Case events that change no measure (who has a side; a warning before anything is missed).
UNREPORTED = frozenset({case_events.ASSIGNED, case_events.SLA_WARNING})
#: Every outbox event kind the rollups follow: whatever can change what a case counts towards
#: (the declared kinds of the event registry; an assignment changes no measure).
REPORTED_KINDS: tuple[str, ...] = (
    *(
        kind
        for kind in vars(case_events).values()
        if isinstance(kind, EventKind) and kind not in UNREPORTED
    ),
    rca_events.OPENED,
    rca_events.REASSIGNED,
    rca_events.SIGNED,
    rca_events.OVERDUE,
)

#: Customer statuses of a case that is no longer open.
SETTLED = frozenset({CustomerStatus.RESOLVED, CustomerStatus.CLOSED})
#: Clock readings that decide a target as missed.
MISSED_STATUSES = frozenset({ClockStatus.MISSED, ClockStatus.BREACHED})


@dataclass(frozen=True)
class Keys:
    """Under which month, partner, customer, priority and plan a case is counted."""

    month: dt.date
    partner_id: int | None
    customer_id: int | None
    priority: str
    plan: str

    def key(self, measure: str, item: str) -> str:
        return "|".join(
            (
                self.month.isoformat(),
                str(self.partner_id or ""),
                str(self.customer_id or ""),
                self.priority,
                self.plan,
                measure,
                item,
            )
        )


@dataclass(frozen=True)
class ClockFacts:
    engagement: str
    metric: str
    status: str
    breached_cycle: int
    cycle: int
    has_target: bool


@dataclass(frozen=True)
class CaseFacts:
    """Everything :func:`case_entries` reads of one case."""

    case_id: int
    created_at: dt.datetime
    partner_id: int | None
    customer_id: int
    priority: str
    component: str
    version: str
    customer_status: str
    escalated: bool
    clocks: tuple[ClockFacts, ...]
    plan: str
    return_reasons: frozenset[str]
    last_resolved_at: dt.datetime | None
    rca_owner_id: int | None = None
    rca_state: str = ""


@dataclass(frozen=True)
class Entry:
    measure: str
    item: str = ""
    value: int = 0


def month_of(moment: dt.datetime) -> dt.date:
    utc = moment.astimezone(dt.UTC)
    return dt.date(utc.year, utc.month, 1)


def keys_of(facts: CaseFacts) -> Keys:
    return Keys(
        month=month_of(facts.created_at),
        partner_id=facts.partner_id,
        customer_id=facts.customer_id,
        priority=facts.priority,
        plan=facts.plan,
    )


def target_outcome(clock: ClockFacts, engagement_done: bool) -> str | None:
    """``met``, ``missed`` or None (not decided yet, or no target) for one clock.

    First response and resolution are decided when met or breached; the update target is
    missed by any breach and met once the engagement's resolution is decided without one, if
    an update was ever owed (the clock ran: the other side had been answered once)."""
    if not clock.has_target:
        return None
    if clock.status in MISSED_STATUSES or clock.breached_cycle > 0:
        return "missed"
    if clock.metric == Metric.UPDATE:
        return "met" if engagement_done and clock.cycle > 0 else None
    return "met" if clock.status == ClockStatus.MET else None


def case_entries(facts: CaseFacts) -> list[Entry]:
    """What one case counts towards now (the definitions of docs/reports.md)."""
    entries = [
        Entry(Measure.OPENED),
        Entry(Measure.COMPONENT, facts.component),
        Entry(Measure.RELEASE, facts.version),
    ]
    settled = facts.customer_status in SETTLED
    minutes = 0
    if settled and facts.last_resolved_at is not None:
        minutes = max(0, int((facts.last_resolved_at - facts.created_at).total_seconds() // 60))
    if settled:
        entries.append(Entry(Measure.RESOLVED, value=minutes))
        if not facts.escalated and facts.partner_id is not None:
            entries.append(Entry(Measure.DEFLECTED))
    else:
        entries.append(Entry(Measure.OPEN, facts.created_at.astimezone(dt.UTC).date().isoformat()))
    if facts.escalated:
        entries.append(Entry(Measure.ESCALATED))
    entries.extend(Entry(Measure.RETURNED, reason) for reason in sorted(facts.return_reasons))
    done = {
        clock.engagement
        for clock in facts.clocks
        if clock.metric == Metric.RESOLUTION
        and (clock.status in MISSED_STATUSES or clock.status == ClockStatus.MET)
    }
    for clock in facts.clocks:
        outcome = target_outcome(clock, clock.engagement in done)
        if outcome is not None:
            measure = Measure.SLA_MET if outcome == "met" else Measure.SLA_MISSED
            entries.append(Entry(measure, f"{clock.engagement}.{clock.metric}"))
    if facts.priority == Priority.P1:
        entries.append(Entry(Measure.P1_OPENED))
        if settled:
            entries.append(Entry(Measure.P1_RESOLVED, value=minutes))
    if facts.rca_owner_id is not None and facts.rca_state:
        entries.append(Entry(facts.rca_state, str(facts.rca_owner_id)))
    return entries


def rca_state(rca: Rca) -> str:
    if rca.status == RcaStatus.SIGNED:
        on_time = rca.signed_at is not None and rca.signed_at <= rca.due_at
        return Measure.RCA_ON_TIME if on_time else Measure.RCA_LATE
    return Measure.RCA_OVERDUE if rca.overdue_flagged_at is not None else Measure.RCA_OPEN


def load_facts(case_ids: Iterable[int]) -> list[CaseFacts]:
    """The facts of many cases in four queries (cases, clocks, history, RCAs)."""
    ids = list(case_ids)
    cases = list(
        Case.objects.filter(pk__in=ids)
        .select_related("component")
        .only(
            "pk",
            "created_at",
            "partner_id",
            "customer_id",
            "priority",
            "component__code",
            "version",
            "customer_status",
            "escalated_at",
        )
        .order_by("pk")
    )
    clocks: dict[int, list[CaseClock]] = defaultdict(list)
    for row in CaseClock.objects.filter(case_id__in=ids).order_by(
        "case_id", "engagement", "metric"
    ):
        clocks[row.case_id].append(row)
    returns: dict[int, set[str]] = defaultdict(set)
    resolved: dict[int, dt.datetime] = {}
    history = (
        CaseEvent.objects.filter(case_id__in=ids, kind__in=("return", "resolve"))
        .order_by("occurred_at", "id")
        .values_list("case_id", "kind", "after", "occurred_at")
    )
    for case_id, kind, after, occurred_at in history:
        if kind == "return":
            returns[case_id].add(str((after or {}).get("return_reason", "")))
        else:
            resolved[case_id] = occurred_at
    rcas = {rca.case_id: rca for rca in Rca.objects.filter(case_id__in=ids)}
    found = []
    for case in cases:
        rows = clocks.get(case.pk, [])
        plan = next(
            (row.plan for row in rows if row.engagement == EngagementKind.CUSTOMER and row.plan),
            "",
        )
        rca = rcas.get(case.pk)
        found.append(
            CaseFacts(
                case_id=case.pk,
                created_at=case.created_at,
                partner_id=case.partner_id,
                customer_id=case.customer_id,
                priority=case.priority,
                component=case.component.code if case.component else "",
                version=case.version,
                customer_status=case.customer_status,
                escalated=case.escalated_at is not None,
                clocks=tuple(
                    ClockFacts(
                        engagement=row.engagement,
                        metric=row.metric,
                        status=row.status,
                        breached_cycle=row.breached_cycle,
                        cycle=row.cycle,
                        has_target=row.target is not None,
                    )
                    for row in rows
                ),
                plan=plan,
                return_reasons=frozenset(returns.get(case.pk, set())),
                last_resolved_at=resolved.get(case.pk),
                rca_owner_id=rca.owner_id if rca else None,
                rca_state=rca_state(rca) if rca else "",
            )
        )
    return found


def _entry_rows(facts: CaseFacts) -> list[ReportEntry]:
    keys = keys_of(facts)
    return [
        ReportEntry(
            case_id=facts.case_id,
            measure=entry.measure,
            item=entry.item,
            month=keys.month,
            partner_id=keys.partner_id,
            customer_id=facts.customer_id,
            priority=keys.priority,
            plan=keys.plan,
            value=entry.value,
        )
        for entry in case_entries(facts)
    ]


def _signature(row: ReportEntry) -> tuple[object, ...]:
    return (
        row.measure,
        row.item,
        row.month,
        row.partner_id,
        row.customer_id,
        row.priority,
        row.plan,
        row.value,
    )


def _count_keys(row: ReportEntry) -> tuple[tuple[str, int | None], tuple[str, None]]:
    """The two count rows an entry adds to: its customer's, and its partner's without the
    customer (the grain the network and a partner's whole desk read: 40 times fewer rows)."""
    keys = Keys(row.month, row.partner_id, row.customer_id, row.priority, row.plan)
    desk = Keys(row.month, row.partner_id, None, row.priority, row.plan)
    return (
        (keys.key(row.measure, row.item), row.customer_id),
        (desk.key(row.measure, row.item), None),
    )


_COUNT_COLUMNS = (
    "key",
    "month",
    "partner_id",
    "customer_id",
    "priority",
    "plan",
    "measure",
    "item",
    "count",
    "total",
)


def _apply(changes: Iterable[tuple[ReportEntry, int]]) -> set[str]:
    """Add each entry's count (+1 or -1) and value to its count row, creating the rows that are
    missing: one statement (``INSERT … ON CONFLICT DO UPDATE``, the same on SQLite and
    PostgreSQL), so concurrent handlers of other cases never collide. Returns the keys."""
    sums: dict[str, list[Any]] = {}
    for row, sign in changes:
        for key, customer_id in _count_keys(row):
            slot = sums.setdefault(key, [row, customer_id, 0, 0])
            slot[2] += sign
            slot[3] += sign * row.value
    sums = {key: slot for key, slot in sums.items() if slot[2] or slot[3]}
    if not sums:
        return set()
    quote = connection.ops.quote_name
    table = quote(ReportCount._meta.db_table)
    columns = ", ".join(quote(name) for name in _COUNT_COLUMNS)
    placeholders = ", ".join(["(" + ", ".join(["%s"] * len(_COUNT_COLUMNS)) + ")"] * len(sums))
    count, total, key_column = quote("count"), quote("total"), quote("key")
    # Built from the model's own names and placeholders only; every value is a parameter.
    statement = (
        f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT ({key_column}) DO UPDATE SET "
        f"{count} = {table}.{count} + excluded.{count}, "
        f"{total} = {table}.{total} + excluded.{total}"
    )
    params: list[Any] = []
    for key, (row, customer_id, delta, value) in sums.items():
        params += [
            key,
            row.month,
            row.partner_id,
            customer_id,
            row.priority,
            row.plan,
            row.measure,
            row.item,
            delta,
            value,
        ]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
    return set(sums)


@transaction.atomic
def report_refresh_case(case_id: int) -> int:
    """Bring one case's entries and the counts in step with the case; returns how many entries
    changed. Safe to repeat and to run for events in any order."""
    # The case row's lock orders two refreshes of one case (and waits for its write).
    if not Case.objects.select_for_update().filter(pk=case_id).exists():
        return 0
    stored = {(row.measure, row.item): row for row in ReportEntry.objects.filter(case_id=case_id)}
    facts = load_facts([case_id])
    wanted = {(row.measure, row.item): row for row in _entry_rows(facts[0])} if facts else {}
    gone = [row for name, row in stored.items() if name not in wanted]
    changed = [
        (stored[name], row)
        for name, row in wanted.items()
        if name in stored and _signature(stored[name]) != _signature(row)
    ]
    added = [row for name, row in wanted.items() if name not in stored]
    touched = _apply(
        [
            *((row, -1) for row in gone),
            *((old, -1) for old, _ in changed),
            *((new, +1) for _, new in changed),
            *((row, +1) for row in added),
        ]
    )
    if gone or changed:
        ReportEntry.objects.filter(
            pk__in=[row.pk for row in gone] + [old.pk for old, _ in changed]
        ).delete()
    if added or changed:
        ReportEntry.objects.bulk_create([*added, *(new for _, new in changed)])
    if touched:
        ReportCount.objects.filter(key__in=touched, count=0).delete()
    return len(gone) + len(changed) + len(added)


@dataclass
class RebuildResult:
    cases: int = 0
    entries: int = 0
    counts: int = 0


def reports_rebuild(
    *, chunk: int = 1000, progress: Callable[[int], None] | None = None
) -> RebuildResult:
    """Compute every case's entries and the counts from nothing, in one transaction."""
    result = RebuildResult()
    totals: dict[str, list[int]] = {}
    keys_by_count: dict[str, tuple[ReportEntry, int | None]] = {}
    with transaction.atomic():
        ReportCount.objects.all().delete()
        ReportEntry.objects.all().delete()
        last = 0
        while True:
            ids = list(
                Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            last = ids[-1]
            rows: list[ReportEntry] = []
            for facts in load_facts(ids):
                rows.extend(_entry_rows(facts))
            ReportEntry.objects.bulk_create(rows, batch_size=1000)
            for row in rows:
                for key, customer_id in _count_keys(row):
                    total = totals.setdefault(key, [0, 0])
                    total[0] += 1
                    total[1] += row.value
                    keys_by_count.setdefault(key, (row, customer_id))
            result.cases += len(ids)
            result.entries += len(rows)
            if progress is not None:
                progress(len(ids))
        ReportCount.objects.bulk_create(
            (
                ReportCount(
                    key=key,
                    month=row.month,
                    partner_id=row.partner_id,
                    customer_id=customer_id,
                    priority=row.priority,
                    plan=row.plan,
                    measure=row.measure,
                    item=row.item,
                    count=totals[key][0],
                    total=totals[key][1],
                )
                for key, (row, customer_id) in keys_by_count.items()
            ),
            batch_size=1000,
        )
        result.counts = len(keys_by_count)
    logger.info(
        "reports.rebuilt",
        extra={"cases": result.cases, "entries": result.entries, "counts": result.counts},
    )
    return result


def counts_snapshot() -> Mapping[str, tuple[int, int]]:
    """Every count by key (what a test compares between live and rebuilt rollups)."""
    return {
        key: (count, total)
        for key, count, total in ReportCount.objects.values_list("key", "count", "total")
    }
