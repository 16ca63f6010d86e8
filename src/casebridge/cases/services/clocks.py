"""Keeping the stored clock readings true, and raising warnings and breaches.

``clocks_refresh`` moves a case's clocks on by the events the writing service just added, inside
its transaction, from the ledger stored with the clock rows (``cases.clock_ledger``); when an
event needs the history (a priority change) or the ledger is missing or stale, it replays the
history, as ``clocks_repair`` does for every open case after a policy, calendar or plan change.
``clocks_sweep`` (a periodic job in the worker) visits only the clocks whose ``next_check_at``
has come, through a partial index, re-reads each case under its row lock and raises every
warning and breach once."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction

from casebridge.cases.choices import Audience, ClockPhase, EngagementKind
from casebridge.cases.clock_ledger import (
    ClockLedger,
    Count,
    Ledger,
    ledger_of,
    ledger_readings,
    ledgers_advance,
)
from casebridge.cases.clocks import PolicyFor, Reading, history_of
from casebridge.cases.models import Case, CaseClock, CaseEvent, Engagement
from casebridge.cases.selectors import (
    CaseTerms,
    case_facts,
    case_facts_of,
    case_facts_since,
    case_policies,
    case_readings,
    case_terms,
)
from casebridge.core import clock
from casebridge.core.outbox import PendingEvent, outbox_record_many
from casebridge.core.schedule import register_job
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Organisation
from casebridge.rasci import policy
from casebridge.sla.choices import ClockStatus, Metric
from casebridge.sla.selectors import PolicyBook

logger = logging.getLogger(__name__)

#: The RASCI activity whose accountable party answers for each engagement's clocks.
ACCOUNTABLE_ACTIVITY: dict[str, str] = {
    EngagementKind.CUSTOMER: "support.l1",
    EngagementKind.VENDOR: "support.l2_advanced_l3",
}
SWEEP_BATCH = 200


def _next_check(row: CaseClock, reading: Reading) -> dt.datetime | None:
    """When the sweep must look at this clock again; None when nothing is pending."""
    if reading.state is None or reading.status in (
        ClockStatus.PAUSED,
        ClockStatus.INACTIVE,
        ClockStatus.MET,
    ):
        return None
    if row.breached_cycle >= reading.cycle:
        return None
    if reading.status == ClockStatus.RUNNING and row.warned_cycle < reading.cycle:
        return reading.state.warn_at
    return reading.state.due_at


def _settled(row: CaseClock, reading: Reading) -> bool:
    """A clock met (in time or late, breach raised) and still met at the same moment keeps its
    stored judgement: a later change of the policy's targets never re-judges it."""
    return (
        row.pk is not None
        and row.status in (ClockStatus.MET, ClockStatus.MISSED)
        and row.next_check_at is None
        and reading.met_at is not None
        and row.met_at == reading.met_at
    )


def _store(row: CaseClock, reading: Reading, now: dt.datetime) -> None:
    if _settled(row, reading):
        return
    row.status = reading.status
    row.plan = reading.policy.plan if reading.policy else ""
    row.priority = reading.policy.priority if reading.policy else ""
    row.calendar = reading.policy.calendar_code if reading.policy else ""
    row.target = reading.target
    row.started_at = reading.started_at
    row.due_at = reading.due_at
    row.warn_at = reading.warn_at
    row.met_at = reading.met_at
    row.cycle = reading.cycle
    row.next_check_at = _next_check(row, reading)
    row.computed_at = now


#: What a stored reading says; ``computed_at`` only records when it last changed.
_READING_FIELDS = (
    "status",
    "plan",
    "priority",
    "calendar",
    "target",
    "started_at",
    "due_at",
    "warn_at",
    "met_at",
    "cycle",
    "warned_cycle",
    "breached_cycle",
    "next_check_at",
)


def _retire(row: CaseClock, now: dt.datetime) -> None:
    """A stored clock with no reading any more (its engagement or target is gone): nothing is
    pending on it, so the sweep must never see it again."""
    row.status = ClockStatus.INACTIVE
    row.due_at = row.warn_at = row.next_check_at = None
    row.computed_at = now


#: The ledger a row keeps; ``events_through`` is written with any change and not compared.
_LEDGER_FIELDS = (
    "counted",
    "counted_at",
    "paused",
    "reaches_target_at",
    "reaches_warning_at",
    "engagement_phase",
)


def _said(row: CaseClock) -> tuple[object, ...] | None:
    """The row's reading and ledger, to skip rewriting a row where neither changed."""
    if row.pk is None:
        return None
    return tuple(getattr(row, name) for name in (*_READING_FIELDS, *_LEDGER_FIELDS))


def _store_ledger(row: CaseClock, ledger: Ledger | None) -> None:
    clock = ledger.clocks.get(row.metric) if ledger else None
    count = clock.count if clock else None
    row.counted = count.counted if count else dt.timedelta(0)
    row.counted_at = count.since if count else None
    row.paused = count.paused if count else False
    row.reaches_target_at = count.reaches_target_at if count else None
    row.reaches_warning_at = count.reaches_warning_at if count else None
    row.engagement_phase = ledger.phase if ledger else ""


def _ledger_from_rows(rows: dict[str, CaseClock], policy_for: PolicyFor) -> Ledger | None:
    """One engagement's ledger as its rows keep it, or None when they do not keep a usable one
    (rows from before the ledger, a sweep's, or written under another policy or plan)."""
    first, update, resolution = (rows.get(metric) for metric in Metric)
    if first is None or update is None or resolution is None:
        return None
    # A met clock stopped counting for good when it was met: the first answer meets first
    # response, standing done meets resolution (also where no target shows it as met).
    first_met = first.counted_at if update.cycle else None
    done = resolution.engagement_phase == ClockPhase.DONE
    clocks: dict[str, ClockLedger] = {}
    for row, met_at in (
        (first, first_met or first.met_at),
        (update, None),
        (resolution, (resolution.counted_at if done else None) or resolution.met_at),
    ):
        if not row.priority:
            return None
        policy = policy_for(row.priority)
        count = None
        if row.counted_at is not None:
            count = Count(
                row.counted,
                row.counted_at,
                row.paused,
                row.reaches_target_at,
                row.reaches_warning_at,
            )
        owes_count = policy is not None and (row is not update or update.cycle > 0)
        if (count is not None) != owes_count:
            return None
        settled = row.status in (ClockStatus.MET, ClockStatus.MISSED) and row.next_check_at is None
        if not settled and (
            policy is None
            or (policy.plan, policy.calendar_code, policy.target(row.metric))
            != (row.plan, row.calendar, row.target)
        ):
            return None  # the policy changed since: repair from the history
        clocks[row.metric] = ClockLedger(row.priority, count, met_at)
    return Ledger(
        engagement=resolution.engagement,
        opened_at=first.started_at,
        phase=resolution.engagement_phase,
        priority=update.priority,
        answers=update.cycle,
        last_answer=update.started_at if update.cycle else None,
        clocks=clocks,
    )


Advance = tuple[list[Reading], dict[str, Ledger], int]


def _advanced(
    case: Case,
    rows: dict[tuple[str, str], CaseClock],
    policies: dict[str, PolicyFor],
    now: dt.datetime,
) -> Advance | None:
    """The clocks moved on from the stored ledgers by the events after the last one they hold;
    None when that needs the history."""
    through = max((row.events_through for row in rows.values()), default=0)
    if not through:
        return None
    facts = case_facts_since(case, through)
    if not facts or facts[0].id != through:
        return None
    moments = [fact.at for fact in facts]
    if moments != sorted(moments) or moments[-1] > now:
        return None  # written out of time order: only the history orders them
    ledgers: dict[str, Ledger] = {}
    for engagement in EngagementKind:
        kept = {metric: row for (kind, metric), row in rows.items() if kind == engagement}
        if not kept:
            continue
        ledger = _ledger_from_rows(kept, policies[engagement])
        if ledger is None:
            return None
        ledgers[engagement] = ledger
    if not ledgers:
        return None
    advanced = ledgers_advance(ledgers, facts[1:], policies)
    if advanced is None:
        return None
    readings = [
        reading
        for engagement in EngagementKind
        if engagement in advanced
        for reading in ledger_readings(advanced[engagement], policies[engagement], now)
    ]
    return readings, advanced, facts[-1].id


def _replayed(
    case: Case, policies: dict[str, PolicyFor], book: PolicyBook, terms: CaseTerms, now: dt.datetime
) -> Advance:
    """The clocks and their ledgers recomputed from the whole history."""
    facts = case_facts(case)
    readings = case_readings(case, now=now, book=book, terms=terms, facts=facts)
    ledgers: dict[str, Ledger] = {}
    for engagement in EngagementKind:
        history = history_of(engagement, facts)
        if history is not None:
            ledgers[engagement] = ledger_of(history, policies[engagement], facts[-1].at)
    return readings, ledgers, facts[-1].id if facts else 0


def _save_readings(
    case: Case,
    rows: dict[tuple[str, str], CaseClock],
    advance: Advance,
    now: dt.datetime,
) -> None:
    readings, ledgers, through = advance
    read = set()
    new: list[CaseClock] = []
    for reading in readings:
        key = (reading.engagement, reading.metric)
        read.add(key)
        row = rows.get(key) or CaseClock(case=case, engagement=key[0], metric=key[1])
        before = _said(row)
        _store(row, reading, now)
        _store_ledger(row, ledgers.get(reading.engagement))
        if row.pk is None:
            row.events_through = through
            new.append(row)
        elif before != _said(row):
            row.events_through = through
            row.save()
        rows[key] = row
    if new:
        CaseClock.objects.bulk_create(new)  # a case's first clocks: one insert
    for key, row in rows.items():
        if key not in read and row.status != ClockStatus.INACTIVE:
            _retire(row, now)
            row.save()


#: Clock statuses whose due time orders a queue (the next thing owed on that side).
QUEUE_CLOCK_STATUSES = (ClockStatus.RUNNING, ClockStatus.BREACHED)


def _store_queue_keys(
    case: Case, readings: list[Reading], engagements: list[Engagement] | None = None
) -> list[str]:
    """Copy each engagement's status and next due time onto the case row, where the queues'
    indexes read them; answers the names that changed, for the caller to save. ``engagements``
    are the ones the write holds (every one it changed): the others keep the status the case row
    already copies."""
    if engagements is None:
        statuses = dict(Engagement.objects.filter(case=case).values_list("kind", "status"))
    else:
        statuses = {
            EngagementKind.CUSTOMER: case.customer_status,
            EngagementKind.VENDOR: case.vendor_status,
        }
        statuses.update({engagement.kind: engagement.status for engagement in engagements})
    due: dict[str, dt.datetime] = {}
    for reading in readings:
        if reading.status in QUEUE_CLOCK_STATUSES and reading.due_at is not None:
            current = due.get(reading.engagement)
            due[reading.engagement] = min(reading.due_at, current or reading.due_at)
    keys = {
        "customer_status": statuses.get(EngagementKind.CUSTOMER, ""),
        "vendor_status": statuses.get(EngagementKind.VENDOR, ""),
        "customer_due_at": due.get(EngagementKind.CUSTOMER),
        "vendor_due_at": due.get(EngagementKind.VENDOR),
    }
    changed = {name: value for name, value in keys.items() if getattr(case, name) != value}
    for name, value in changed.items():
        setattr(case, name, value)
    return list(changed)


def clocks_refresh(
    case: Case,
    *,
    book: PolicyBook | None = None,
    engagements: list[Engagement] | None = None,
    bump: dict[str, Any] | None = None,
    replay: bool = False,
) -> list[Reading]:
    """Bring the case's stored clocks and queue keys up to date (call inside the writing
    transaction, after the engagements changed and the events were written). The clocks move on
    from their stored ledger by the new events; a priority change, a missing or stale ledger, or
    ``replay`` recomputes them from the whole history. A write that holds every engagement it
    changed passes them as ``engagements`` and saves re-reading them; one that passes ``bump``
    (the case's changed fields, maybe none) has the revision raised in the same update of the
    case row as the queue keys."""
    now = clock.now()
    fields: list[str] = []
    if bump is not None:
        for name, value in bump.items():
            setattr(case, name, value)
        case.revision += 1
        fields = [*bump, "revision", "updated_at"]
    book = book or PolicyBook.load()
    terms = case_terms(case)
    policies = case_policies(case, book=book, terms=terms)
    rows = {
        (row.engagement, row.metric): row
        for row in CaseClock.objects.select_for_update().filter(case=case)
    }
    advance = None if replay else _advanced(case, rows, policies, now)
    if advance is None:
        advance = _replayed(case, policies, book, terms, now)
    readings = advance[0]
    _save_readings(case, rows, advance, now)
    fields += _store_queue_keys(case, readings, engagements)
    if bump is not None:
        case.save(update_fields=fields)
    elif fields:
        Case.objects.filter(pk=case.pk).update(**{name: getattr(case, name) for name in fields})
    return readings


# --- Warnings and breaches ---


def _clock_audience(case: Case, engagement: str) -> str:
    if engagement == EngagementKind.VENDOR:
        return Audience.PARTNER_VENDOR
    return Audience.PARTNER_INTERNAL if case.partner_id else Audience.VENDOR_INTERNAL


class _SweepContext:
    """What one sweep run shares across cases: policy, terms per customer, accountable parties."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.book = PolicyBook.load()
        self.vendor_id = (
            Organisation.objects.filter(kind=OrganisationKind.VENDOR)
            .values_list("pk", flat=True)
            .first()
        )
        self.terms: dict[int, CaseTerms] = {}
        self.accountable: dict[tuple[int, str], str | None] = {}

    def terms_of(self, case: Case) -> CaseTerms:
        if case.customer_id not in self.terms:
            self.terms[case.customer_id] = case_terms(case)
        return self.terms[case.customer_id]

    def accountable_organisation(self, case: Case, engagement: str) -> int | None:
        key = (case.matrix_version_id, engagement)
        if key not in self.accountable:
            self.accountable[key] = policy.accountable_party(
                ACCOUNTABLE_ACTIVITY[engagement], case.matrix_version
            )
        return {
            "vendor": self.vendor_id,
            "partner": case.partner_id,
            "customer": case.customer_id,
        }.get(self.accountable[key] or "")


def _raised(
    case: Case, reading: Reading, kind: str, context: _SweepContext
) -> tuple[CaseEvent, PendingEvent]:
    """The case event and the outbox event of one warning or breach (written in bulk)."""
    assert reading.state is not None
    assert reading.policy is not None
    details: dict[str, Any] = {
        "metric": reading.metric,
        "cycle": reading.cycle,
        "due_at": reading.state.due_at.isoformat(),
        "target_minutes": int((reading.target or dt.timedelta(0)).total_seconds() // 60),
        "plan": reading.policy.plan,
        "priority": reading.policy.priority,
    }
    if reading.met_at is not None:
        details["met_at"] = reading.met_at.isoformat()
    event = CaseEvent(
        case=case,
        occurred_at=context.now,
        actor=None,
        actor_label="system",
        kind=kind,
        engagement=reading.engagement,
        audience=_clock_audience(case, reading.engagement),
        after=details,
    )
    outgoing = PendingEvent(
        kind=f"case.{kind}",
        dedup_key=f"case.{kind}:{case.pk}:{reading.engagement}:{reading.metric}:{reading.cycle}",
        payload={
            "case_id": case.pk,
            "number": case.number,
            "engagement": reading.engagement,
            **details,
            "notify": {
                "organisation_id": context.accountable_organisation(case, reading.engagement),
                "roles": ["manager"],
            },
        },
    )
    return event, outgoing


def _sweep_batch(case_ids: list[int], context: _SweepContext) -> int:
    """One transaction for a batch of cases: lock them (skipping any being written), read their
    events and clocks in one query each, raise what is due, write everything in bulk."""
    now = context.now
    cases = list(
        Case.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("matrix_version")
        .filter(pk__in=case_ids)
        .order_by("pk")
    )
    if not cases:
        return 0
    ids = [case.pk for case in cases]
    facts = case_facts_of(ids)
    rows: dict[int, dict[tuple[str, str], CaseClock]] = {}
    for row in CaseClock.objects.select_for_update().filter(case_id__in=ids):
        rows.setdefault(row.case_id, {})[(row.engagement, row.metric)] = row
    events: list[CaseEvent] = []
    outgoing: list[PendingEvent] = []
    changed: list[CaseClock] = []
    created: list[CaseClock] = []
    for case in cases:
        readings = case_readings(
            case,
            now=now,
            book=context.book,
            terms=context.terms_of(case),
            facts=facts.get(case.pk, []),
        )
        stored = rows.get(case.pk, {})
        for key in set(stored) - {(r.engagement, r.metric) for r in readings}:
            _retire(stored[key], now)
            changed.append(stored[key])
        for reading in readings:
            row = stored.get((reading.engagement, reading.metric)) or CaseClock(
                case=case, engagement=reading.engagement, metric=reading.metric
            )
            if _settled(row, reading):
                continue
            before = _said(row)
            kind = None
            if reading.status in (ClockStatus.BREACHED, ClockStatus.MISSED):
                if row.breached_cycle < reading.cycle:
                    kind = "sla_breached"
                    row.breached_cycle = row.warned_cycle = reading.cycle
            elif (
                reading.status == ClockStatus.RUNNING
                and reading.warn_at is not None
                and reading.warn_at <= now
                and row.warned_cycle < reading.cycle
            ):
                kind = "sla_warning"
                row.warned_cycle = reading.cycle
            if kind is not None:
                event, pending = _raised(case, reading, kind, context)
                events.append(event)
                outgoing.append(pending)
            _store(row, reading, now)
            if row.pk is None:
                created.append(row)
            elif before != _said(row):
                changed.append(row)
    CaseEvent.objects.bulk_create(events)
    outbox_record_many(outgoing)
    # Rewriting the changed rows is two statements; Django's bulk_update builds a CASE per field
    # and row and cost seconds per batch. Clock rows are an index, referenced by nothing.
    CaseClock.objects.filter(pk__in=[row.pk for row in changed]).delete()
    for row in changed:
        row.pk = None
    CaseClock.objects.bulk_create([*changed, *created], batch_size=500)
    return len(events)


@register_job(
    "sla.sweep",
    every=dt.timedelta(minutes=1),
    description="Raise service-level warnings and breaches for the clocks that have come due.",
)
def clocks_sweep(*, now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> int:
    """Raise what is due; returns how many warnings and breaches were raised.

    Reads due clocks through the partial index on ``next_check_at`` and handles their cases in
    batches, one transaction each, under the cases' row locks (a case being written is skipped
    and seen next run). Everything is recomputed from the history before anything is raised, and
    the clock rows record what was raised in the same transaction, so re-running never raises
    anything twice."""
    context = _SweepContext(now or clock.now())
    raised, seen = 0, set()
    while True:
        case_ids = list(
            dict.fromkeys(
                case_id
                for case_id in CaseClock.objects.filter(next_check_at__lte=context.now)
                .order_by("next_check_at")
                .values_list("case_id", flat=True)[: batch * 3]
                if case_id not in seen
            )
        )[:batch]
        if not case_ids:
            return raised
        seen.update(case_ids)
        with transaction.atomic():
            raised += _sweep_batch(case_ids, context)


def clocks_repair(*, customer_id: int | None = None, chunk: int = 200) -> int:
    """Recompute the clocks of every open case (or one customer's) from their history; for use
    after a policy, calendar or plan change. Returns how many cases were recomputed."""
    cases = Case.objects.filter(closed_at__isnull=True)
    if customer_id is not None:
        cases = cases.filter(customer_id=customer_id)
    book = PolicyBook.load()
    repaired, after = 0, 0
    while True:
        ids = list(cases.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return repaired
        for case_id in ids:
            with transaction.atomic():
                case = Case.objects.select_for_update().filter(pk=case_id).first()
                if case is not None:
                    clocks_refresh(case, book=book, replay=True)
                    repaired += 1
        after = ids[-1]
