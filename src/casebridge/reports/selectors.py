"""Reads of the reports: who may ask for which measures (:func:`report_scope`), the measures
themselves from the rollup counts, and the cases behind a number (:func:`cases_behind`).

Every measure reads ``ReportCount`` (one grouped query each), never the cases; only the list of
cases behind a number reads case rows, through the caller's own visibility of cases."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum

from casebridge.cases.choices import ReturnReason
from casebridge.cases.models import Case
from casebridge.core import clock
from casebridge.core.errors import NotFound, PermissionDenied, ValidationFailed
from casebridge.installed_base.models import Component
from casebridge.parties.choices import OrganisationKind, Role
from casebridge.parties.models import CustomerRelationship, Organisation, Person
from casebridge.reports.choices import Grouping, Measure
from casebridge.reports.models import ReportCount, ReportEntry
from casebridge.sla.choices import Metric, Priority

#: How many months one report may span.
LONGEST_PERIOD_MONTHS = 36
#: How many months a report covers when no period is asked for (ending this month).
DEFAULT_PERIOD_MONTHS = 6
#: The service-level targets, in the order reports show them: (engagement, metric).
TARGETS: tuple[tuple[str, str], ...] = tuple(
    (engagement, metric)
    for engagement in ("customer", "vendor")
    for metric in (Metric.FIRST_RESPONSE, Metric.UPDATE, Metric.RESOLUTION)
)
#: Whose service each engagement's targets measure, as the partner and the vendor read them.
SIDE_NAMES = {"customer": "To the customer", "vendor": "Vendor to the partner"}


def target_label(target: str, viewer: str = OrganisationKind.VENDOR) -> str:
    """``customer.first_response`` → "To the customer: first response" ("First response" for
    the customer, who reads its own service levels only)."""
    engagement, _, metric = target.partition(".")
    words = Metric(metric).label if metric in Metric.values else metric
    if viewer == OrganisationKind.CUSTOMER:
        return words
    return f"{SIDE_NAMES.get(engagement, engagement)}: {words.lower()}"


#: The ages of open cases, in days: (label, from, through); None is open-ended.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("Up to 1 day", 0, 1),
    ("2 to 7 days", 2, 7),
    ("8 to 30 days", 8, 30),
    ("31 to 90 days", 31, 90),
    ("Over 90 days", 91, None),
)
#: Measures that speak of the partner's dealings with the vendor, not shown to a customer.
PARTNER_MEASURES = frozenset(
    {
        Measure.DEFLECTED,
        Measure.ESCALATED,
        Measure.RETURNED,
        Measure.RCA_ON_TIME,
        Measure.RCA_LATE,
        Measure.RCA_OVERDUE,
        Measure.RCA_OPEN,
    }
)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_AGES = re.compile(r"^(\d{1,4})-(\d{1,4})?$")


@dataclass(frozen=True)
class ReportFilters:
    """What the caller asked for, as given (months as ``YYYY-MM``)."""

    start: str | None = None
    end: str | None = None
    partner: int | None = None
    customer: int | None = None
    priority: str | None = None


@dataclass(frozen=True)
class ReportScope:
    """What a report covers, checked: the months, and the partner, customer and priority."""

    viewer: str  # the caller's organisation kind
    start: dt.date
    end: dt.date
    partner_id: int | None = None
    customer_id: int | None = None
    priority: str | None = None
    partner_name: str = ""
    customer_name: str = ""

    @property
    def months(self) -> list[dt.date]:
        found, month = [], self.start
        while month <= self.end:
            found.append(month)
            month = _next_month(month)
        return found

    def allows(self, measure: str) -> bool:
        return self.viewer != OrganisationKind.CUSTOMER or measure not in PARTNER_MEASURES

    def query(self) -> dict[str, str]:
        """The scope as query parameters (for links and downloads)."""
        params = {"start": f"{self.start:%Y-%m}", "end": f"{self.end:%Y-%m}"}
        if self.partner_id is not None and self.viewer == OrganisationKind.VENDOR:
            params["partner"] = str(self.partner_id)
        if self.customer_id is not None and self.viewer != OrganisationKind.CUSTOMER:
            params["customer"] = str(self.customer_id)
        if self.priority:
            params["priority"] = self.priority
        return params


def _next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _months_back(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - count
    return dt.date(index // 12, index % 12 + 1, 1)


def _parse_month(value: str | None, name: str, fields: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    match = _MONTH.match(str(value))
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 2000:
        fields[name] = "A month as YYYY-MM, e.g. 2026-11."
        return None
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def may_view_reports(actor: Person) -> bool:
    """Managers and administrators of any organisation read its reports."""
    return bool(getattr(actor, "is_authenticated", False)) and actor.has_role(
        Role.MANAGER, Role.ADMIN
    )


def report_scope(*, actor: Person, filters: ReportFilters) -> ReportScope:
    """The caller's report scope. A partner or customer that is not the caller's to see is a
    404 (missing and forbidden alike); a period or value that makes no sense is a 422 with a
    message per field; someone who reads no reports gets a 403."""
    if not may_view_reports(actor):
        raise PermissionDenied("Reports are for managers and administrators.")
    kind = actor.organisation.kind
    fields: dict[str, str] = {}
    this_month = clock.today().replace(day=1)
    start = _parse_month(filters.start, "start", fields)
    end = _parse_month(filters.end, "end", fields)
    if end is not None and end > this_month:
        fields["end"] = "The period cannot end after this month."
    if start is not None and start > this_month:
        fields["start"] = "The period cannot start after this month."
    end = end or this_month
    start = start or _months_back(end, DEFAULT_PERIOD_MONTHS - 1)
    if "start" not in fields and "end" not in fields:
        if start > end:
            fields["start"] = "The period starts after it ends."
        elif _months_back(end, LONGEST_PERIOD_MONTHS - 1) > start:
            fields["start"] = f"A report spans at most {LONGEST_PERIOD_MONTHS} months."
    if filters.priority not in (None, "") and filters.priority not in Priority.values:
        fields["priority"] = f"One of: {', '.join(Priority.values)}."
    partner = _partner(actor, filters.partner, fields)
    customer = _customer(actor, filters.customer, partner, fields)
    if fields:
        raise ValidationFailed("The report's filters are not valid.", fields=fields)
    if kind == OrganisationKind.PARTNER:
        partner = actor.organisation
    if kind == OrganisationKind.CUSTOMER:
        customer = actor.organisation
    return ReportScope(
        viewer=kind,
        start=start,
        end=end,
        partner_id=partner.pk if partner else None,
        customer_id=customer.pk if customer else None,
        priority=filters.priority or None,
        partner_name=partner.name if partner else "",
        customer_name=customer.name if customer else "",
    )


def _partner(actor: Person, partner_id: int | None, fields: dict[str, str]) -> Organisation | None:
    if partner_id is None:
        return None
    kind = actor.organisation.kind
    if kind == OrganisationKind.VENDOR:
        partner = Organisation.objects.filter(pk=partner_id, kind=OrganisationKind.PARTNER).first()
        if partner is None:
            fields["partner"] = "No partner has this id."
        return partner
    if kind == OrganisationKind.PARTNER and partner_id == actor.organisation_id:
        return actor.organisation
    raise NotFound("No such partner.")


def _customer(
    actor: Person,
    customer_id: int | None,
    partner: Organisation | None,
    fields: dict[str, str],
) -> Organisation | None:
    if customer_id is None:
        return None
    kind = actor.organisation.kind
    if kind == OrganisationKind.CUSTOMER:
        if customer_id == actor.organisation_id:
            return actor.organisation
        raise NotFound("No such customer.")
    customer = Organisation.objects.filter(pk=customer_id, kind=OrganisationKind.CUSTOMER).first()
    if kind == OrganisationKind.PARTNER:
        served = CustomerRelationship.objects.filter(
            customer_id=customer_id, partner_id=actor.organisation_id
        ).exists()
        if customer is None or not served:
            raise NotFound("No such customer.")
        return customer
    if customer is None:
        fields["customer"] = "No customer has this id."
    elif (
        partner is not None
        and not CustomerRelationship.objects.filter(customer=customer, partner=partner).exists()
    ):
        fields["customer"] = f"{customer.name} is not a customer of {partner.name}."
    return customer


def _counts(
    scope: ReportScope, measures: Iterable[str], *, months: bool = True, per_customer: bool = False
) -> QuerySet:
    rows = ReportCount.objects.filter(measure__in=[m for m in measures if scope.allows(m)])
    if months:
        rows = rows.filter(month__gte=scope.start, month__lte=scope.end)
    if scope.partner_id is not None:
        rows = rows.filter(partner_id=scope.partner_id)
    if scope.customer_id is not None:
        rows = rows.filter(customer_id=scope.customer_id)
    elif per_customer:
        rows = rows.filter(customer__isnull=False)
    else:
        rows = rows.filter(customer__isnull=True)  # the partner's grain, summed over customers
    if scope.priority:
        rows = rows.filter(priority=scope.priority)
    return rows


def percent_of(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


# --- SLA attainment ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AttainmentRow:
    target: str
    label: str
    met: int
    missed: int
    group: str = ""
    group_label: str = ""

    @property
    def decided(self) -> int:
        return self.met + self.missed

    @property
    def attainment(self) -> float | None:
        return percent_of(self.met, self.decided)


_GROUP_FIELD: dict[str, str] = {
    Grouping.MONTH: "month",
    Grouping.PARTNER: "partner_id",
    Grouping.CUSTOMER: "customer_id",
    Grouping.PRIORITY: "priority",
    Grouping.PLAN: "plan",
}


def _group_labels(grouping: str | None, values: Iterable[Any]) -> dict[Any, str]:
    values = set(values)
    if grouping in (Grouping.PARTNER, Grouping.CUSTOMER):
        names = dict(
            Organisation.objects.filter(pk__in=[v for v in values if v]).values_list("pk", "name")
        )
        return {v: names.get(v, "Served by the vendor directly") for v in values}
    if grouping == Grouping.MONTH:
        return {v: f"{v:%B %Y}" for v in values}
    if grouping == Grouping.PRIORITY:
        return {v: Priority(v).label if v in Priority.values else v for v in values}
    return {v: (str(v).replace("_", " ").capitalize() if v else "No plan") for v in values}


def sla_attainment(scope: ReportScope, *, grouping: str | None = None) -> list[AttainmentRow]:
    """Targets met and missed per target (and per ``grouping``), from the decided clocks."""
    column = _GROUP_FIELD.get(grouping or "")
    names = ["item", "measure", *([column] if column else [])]
    rows = (
        _counts(
            scope, (Measure.SLA_MET, Measure.SLA_MISSED), per_customer=grouping == Grouping.CUSTOMER
        )
        .values(*names)
        .annotate(cases=Sum("count"))
        .order_by()
    )
    tally: dict[tuple[Any, str], list[int]] = {}
    for row in rows:
        if scope.viewer == OrganisationKind.CUSTOMER and not row["item"].startswith("customer."):
            continue
        slot = tally.setdefault((row[column] if column else "", row["item"]), [0, 0])
        slot[0 if row["measure"] == Measure.SLA_MET else 1] += row["cases"]
    labels = _group_labels(grouping, {group for group, _ in tally}) if column else {}
    order = {f"{e}.{m}": i for i, (e, m) in enumerate(TARGETS)}
    return [
        AttainmentRow(
            target=target,
            label=target_label(target, scope.viewer),
            met=met,
            missed=missed,
            group=str(group),
            group_label=labels.get(group, ""),
        )
        for (group, target), (met, missed) in sorted(
            tally.items(), key=lambda pair: (str(pair[0][0]), order.get(pair[0][1], 99))
        )
    ]


# --- backlog and ageing -----------------------------------------------------------------------


@dataclass(frozen=True)
class AgeBucket:
    label: str
    cases: int
    days_from: int
    days_through: int | None


@dataclass(frozen=True)
class Backlog:
    open_cases: int
    by_age: list[AgeBucket]
    by_priority: list[tuple[str, int]]


def backlog(scope: ReportScope) -> Backlog:
    """The cases open now, by age and priority (the period does not apply: a backlog is now)."""
    today = clock.today()
    ages: dict[int, int] = {}
    priorities: dict[str, int] = {}
    rows = (
        _counts(scope, (Measure.OPEN,), months=False)
        .values("item", "priority")
        .annotate(cases=Sum("count"))
        .order_by()
    )
    for row in rows:
        age = max(0, (today - dt.date.fromisoformat(row["item"])).days)
        ages[age] = ages.get(age, 0) + row["cases"]
        priorities[row["priority"]] = priorities.get(row["priority"], 0) + row["cases"]
    buckets = [
        AgeBucket(
            label,
            sum(n for age, n in ages.items() if low <= age and (high is None or age <= high)),
            low,
            high,
        )
        for label, low, high in AGE_BUCKETS
    ]
    return Backlog(
        open_cases=sum(ages.values()),
        by_age=buckets,
        by_priority=[(p, priorities.get(p, 0)) for p in Priority.values],
    )


# --- escalations: deflection and returns ------------------------------------------------------


@dataclass(frozen=True)
class Escalations:
    resolved: int
    deflected: int
    escalated: int
    returned: list[tuple[str, str, int]]  # (reason, label, cases)

    @property
    def deflection(self) -> float | None:
        return percent_of(self.deflected, self.resolved)

    @property
    def returned_cases(self) -> int:
        return sum(cases for _, _, cases in self.returned)

    @property
    def return_rate(self) -> float | None:
        return percent_of(self.returned_cases, self.escalated)


def escalations(scope: ReportScope) -> Escalations:
    """Cases solved at the partner without escalation, escalations and returns by reason."""
    if scope.viewer == OrganisationKind.CUSTOMER:
        raise NotFound("No such report.")
    totals: dict[tuple[str, str], int] = {}
    measures = (Measure.RESOLVED, Measure.DEFLECTED, Measure.ESCALATED, Measure.RETURNED)
    for row in _counts(scope, measures).values("measure", "item").annotate(cases=Sum("count")):
        totals[(row["measure"], row["item"])] = (
            totals.get((row["measure"], row["item"]), 0) + (row["cases"])
        )
    return Escalations(
        resolved=totals.get((Measure.RESOLVED, ""), 0),
        deflected=totals.get((Measure.DEFLECTED, ""), 0),
        escalated=totals.get((Measure.ESCALATED, ""), 0),
        returned=[
            (reason, ReturnReason(reason).label, totals.get((Measure.RETURNED, reason), 0))
            for reason in ReturnReason.values
        ],
    )


# --- Priority 1 and RCAs ----------------------------------------------------------------------


@dataclass(frozen=True)
class RcaOwnerRow:
    owner_id: int
    owner: str
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    open: int = 0


@dataclass(frozen=True)
class PriorityOne:
    opened: int
    resolved: int
    minutes_to_resolve: int
    rcas: list[RcaOwnerRow] = field(default_factory=list)

    @property
    def average_minutes_to_resolve(self) -> int | None:
        return None if not self.resolved else round(self.minutes_to_resolve / self.resolved)

    @property
    def average_time_to_resolve(self) -> dt.timedelta | None:
        average = self.average_minutes_to_resolve
        return None if average is None else dt.timedelta(minutes=average)


_RCA_FIELD = {
    Measure.RCA_ON_TIME: "on_time",
    Measure.RCA_LATE: "late",
    Measure.RCA_OVERDUE: "overdue",
    Measure.RCA_OPEN: "open",
}


def priority_one(scope: ReportScope) -> PriorityOne:
    """Priority 1 cases opened and resolved, the time to resolve, and RCAs per owner."""
    opened = resolved = minutes = 0
    owners: dict[int, dict[str, int]] = {}
    measures = (Measure.P1_OPENED, Measure.P1_RESOLVED, *_RCA_FIELD)
    rows = (
        _counts(scope, measures)
        .values("measure", "item")
        .annotate(cases=Sum("count"), minutes=Sum("total"))
    )
    for row in rows:
        if row["measure"] == Measure.P1_OPENED:
            opened += row["cases"]
        elif row["measure"] == Measure.P1_RESOLVED:
            resolved += row["cases"]
            minutes += row["minutes"]
        else:
            slot = owners.setdefault(int(row["item"]), {})
            name = _RCA_FIELD[row["measure"]]
            slot[name] = slot.get(name, 0) + row["cases"]
    names = dict(Organisation.objects.filter(pk__in=owners).values_list("pk", "name"))
    return PriorityOne(
        opened=opened,
        resolved=resolved,
        minutes_to_resolve=minutes,
        rcas=sorted(
            (
                RcaOwnerRow(owner_id=pk, owner=names.get(pk, ""), **values)
                for pk, values in owners.items()
            ),
            key=lambda row: row.owner,
        ),
    )


# --- volume -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    by_month: list[tuple[dt.date, int]]
    by_component: list[tuple[str, str, int]]  # (code, name, cases)
    by_release: list[tuple[str, int]]


def volume(scope: ReportScope) -> Volume:
    """Cases opened per month, per component and per release (the version named on a case)."""
    months: dict[dt.date, int] = {}
    components: dict[str, int] = {}
    releases: dict[str, int] = {}
    measures = (Measure.OPENED, Measure.COMPONENT, Measure.RELEASE)
    rows = _counts(scope, measures).values("measure", "item", "month").annotate(cases=Sum("count"))
    for row in rows:
        if row["measure"] == Measure.OPENED:
            months[row["month"]] = months.get(row["month"], 0) + row["cases"]
        elif row["measure"] == Measure.COMPONENT:
            components[row["item"]] = components.get(row["item"], 0) + row["cases"]
        else:
            releases[row["item"]] = releases.get(row["item"], 0) + row["cases"]
    names = dict(Component.objects.filter(code__in=components).values_list("code", "name"))
    return Volume(
        by_month=[(month, months.get(month, 0)) for month in scope.months],
        by_component=sorted(
            ((code, names.get(code, "No component named"), n) for code, n in components.items()),
            key=lambda row: (-row[2], row[1]),
        ),
        by_release=sorted(
            ((release or "No version named", n) for release, n in releases.items()),
            key=lambda row: (-row[1], row[0]),
        ),
    )


# --- the network: partners ranked -------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    partner_id: int
    partner: str
    opened: int
    met: int
    missed: int
    resolved: int
    deflected: int
    escalated: int
    returned: int
    p1_opened: int
    rcas_overdue: int

    @property
    def attainment(self) -> float | None:
        return percent_of(self.met, self.met + self.missed)

    @property
    def deflection(self) -> float | None:
        return percent_of(self.deflected, self.resolved)

    @property
    def return_rate(self) -> float | None:
        return percent_of(self.returned, self.escalated)


_PARTNER_MEASURES = {
    Measure.OPENED: "opened",
    Measure.RESOLVED: "resolved",
    Measure.DEFLECTED: "deflected",
    Measure.ESCALATED: "escalated",
    Measure.RETURNED: "returned",
    Measure.P1_OPENED: "p1_opened",
    Measure.RCA_OVERDUE: "rcas_overdue",
}


def partner_ranking(scope: ReportScope) -> list[PartnerRow]:
    """Every partner of the network with its desk's SLA attainment (all customer-side targets),
    deflection and return rate; best attainment first. The vendor's report only."""
    if scope.viewer != OrganisationKind.VENDOR:
        raise NotFound("No such report.")
    values: dict[int, dict[str, int]] = {}
    measures = (*_PARTNER_MEASURES, Measure.SLA_MET, Measure.SLA_MISSED)
    rows = (
        _counts(scope, measures)
        .filter(partner__isnull=False)
        .values("partner_id", "measure", "item")
        .annotate(cases=Sum("count"))
        .order_by()
    )
    for row in rows:
        slot = values.setdefault(row["partner_id"], {})
        if row["measure"] in (Measure.SLA_MET, Measure.SLA_MISSED):
            if not row["item"].startswith("customer."):
                continue
            name = "met" if row["measure"] == Measure.SLA_MET else "missed"
        else:
            name = _PARTNER_MEASURES[row["measure"]]
        slot[name] = slot.get(name, 0) + row["cases"]
    partners = Organisation.objects.partners().order_by("name").values_list("pk", "name")
    if scope.partner_id is not None:
        partners = partners.filter(pk=scope.partner_id)
    found = [
        PartnerRow(
            partner_id=pk,
            partner=name,
            **{key: values.get(pk, {}).get(key, 0) for key in _ROW_FIELDS},
        )
        for pk, name in partners
    ]
    return sorted(found, key=lambda row: (-(row.attainment or -1), row.partner))


_ROW_FIELDS = (*_PARTNER_MEASURES.values(), "met", "missed")


# --- the cases behind a number ----------------------------------------------------------------


@dataclass(frozen=True)
class CasesBehind:
    cases: QuerySet  # the ones the caller may see
    total: int  # all of them, seen or not
    measure: str
    item: str

    @property
    def hidden(self) -> int:
        return max(0, self.total - self.cases.count())


def cases_behind(*, actor: Person, scope: ReportScope, measure: str, item: str = "") -> CasesBehind:
    """The cases counted in one number, through the caller's visibility of cases (the vendor
    does not see a partner's cases that were never escalated: they are counted, not listed)."""
    fields = {}
    if measure not in Measure.values or not scope.allows(measure):
        fields["measure"] = f"One of: {', '.join(m for m in Measure.values if scope.allows(m))}."
    if len(item) > 60:
        fields["item"] = "At most 60 characters."
    if scope.viewer == OrganisationKind.CUSTOMER and item.startswith("vendor"):
        fields["item"] = "Not a target of yours."
    ages = _AGES.match(item) if measure == Measure.OPEN else None
    if measure == Measure.OPEN and item and ages is None:
        fields["item"] = "An age in days, as FROM-THROUGH or FROM- (e.g. 8-30, 91-)."
    if fields:
        raise ValidationFailed("Which number's cases?", fields=fields)
    entries = ReportEntry.objects.filter(measure=measure)
    if ages is not None:
        today = clock.today()
        entries = entries.filter(item__lte=(today - dt.timedelta(days=int(ages[1]))).isoformat())
        if ages[2]:
            since = today - dt.timedelta(days=int(ages[2]))
            entries = entries.filter(item__gte=since.isoformat())
    elif measure in (Measure.SLA_MET, Measure.SLA_MISSED) and item in ("customer", "vendor"):
        entries = entries.filter(item__startswith=f"{item}.")  # any target of that side
    elif measure != Measure.OPEN or item:
        entries = entries.filter(item=item)
    if measure != Measure.OPEN:
        entries = entries.filter(month__gte=scope.start, month__lte=scope.end)
    if scope.partner_id is not None:
        entries = entries.filter(partner_id=scope.partner_id)
    if scope.customer_id is not None:
        entries = entries.filter(customer_id=scope.customer_id)
    if scope.priority:
        entries = entries.filter(priority=scope.priority)
    ids = entries.values("case_id")
    cases = (
        Case.objects.visible_to(actor)
        .filter(pk__in=ids)
        .select_related("customer", "partner")
        .order_by("-created_at", "-id")
    )
    return CasesBehind(cases=cases, total=entries.count(), measure=measure, item=item)


def describe_number(scope: ReportScope, measure: str, item: str) -> str:
    """A number's name in words: "Service-level target missed · To the customer: first
    response"."""
    words = Measure(measure).label if measure in Measure.values else measure
    if measure in (Measure.SLA_MET, Measure.SLA_MISSED):
        if item in SIDE_NAMES:
            detail = f"{SIDE_NAMES[item]}: every target"
        else:
            detail = target_label(item, scope.viewer)
    elif measure == Measure.RETURNED and item in ReturnReason.values:
        detail = ReturnReason(item).label
    elif measure == Measure.OPEN and item:
        low, _, high = item.partition("-")
        detail = f"{low} to {high} days old" if high else f"over {int(low) - 1} days old"
    elif measure in _RCA_FIELD and item.isdigit():
        owner = Organisation.objects.filter(pk=int(item)).values_list("name", flat=True).first()
        detail = f"owned by {owner}" if owner else ""
    elif measure == Measure.COMPONENT:
        name = Component.objects.filter(code=item).values_list("name", flat=True).first()
        detail = name or "no component named"
    else:
        detail = item
    return f"{words} · {detail}" if detail else words
