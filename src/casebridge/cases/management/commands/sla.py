"""``casebridge sla``: explain a case's clocks, run the sweep or the repair, list the policy."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casebridge.cases import selectors
from casebridge.cases.models import Case
from casebridge.cases.services.clocks import clocks_repair, clocks_sweep
from casebridge.parties.models import Organisation
from casebridge.sla import selectors as sla_selectors
from casebridge.sla.calendar import duration_text, hours_from_json, hours_spec
from casebridge.sla.choices import Metric

WHEN = "%a %d %b %Y %H:%M"


def _length(value: dt.timedelta | None) -> str:
    return "-" if value is None else duration_text(value)


class Command(BaseCommand):
    help = "Service-level clocks and policy: explain a case's clocks, sweep, repair, list plans."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        explain = sub.add_parser("explain", help="Why each clock of a case is due when it is.")
        explain.add_argument("case", help="The case number, e.g. CB-2026-000042.")
        explain.add_argument("--engagement", choices=["customer", "vendor"])
        explain.add_argument("--metric", choices=Metric.values)
        explain.add_argument("--tz", default="", help="Show times in this zone.")
        sub.add_parser("sweep", help="Raise the warnings and breaches that are due now.")
        repair = sub.add_parser(
            "repair", help="Recompute the clocks of open cases after a policy change."
        )
        repair.add_argument("--customer", help="Only this customer's cases (its slug).")
        sub.add_parser("plans", help="The support plans and their targets.")
        sub.add_parser("calendars", help="The business calendars.")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"_{action}")(**options)

    def _explain(
        self, *, case: str, engagement: str | None, metric: str | None, tz: str, **_: Any
    ) -> None:
        row = Case.objects.select_related("customer").filter(number=case.strip().upper()).first()
        if row is None:
            raise CommandError(f"no case {case!r}; case numbers look like CB-2026-000042")
        if tz:
            try:
                ZoneInfo(tz)
            except (KeyError, ValueError):
                raise CommandError(f"{tz!r} is not a time zone, e.g. Europe/Amsterdam") from None
        readings = [
            r
            for r in selectors.case_clocks(None, row)
            if (engagement is None or r.engagement == engagement)
            and (metric is None or r.metric == metric)
        ]
        if not readings:
            raise CommandError(f"{row.number} has no such clock")
        for reading in readings:
            explanation = selectors.clock_explanation(None, row, reading.engagement, reading.metric)
            zone = ZoneInfo(tz or explanation.zone)

            def at(moment: dt.datetime | None, zone: ZoneInfo = zone) -> str:
                return moment.astimezone(zone).strftime(WHEN) if moment else "-"

            out = self.stdout.write
            out(f"{row.number} · {reading.engagement} engagement · {Metric(reading.metric).label}")
            if reading.policy is None or reading.state is None:
                out(f"  {reading.status}: no target applies\n")
                continue
            policy = reading.policy
            out(
                f"  {policy.plan} · {policy.priority} · target {_length(reading.target)} "
                f"on {policy.calendar_name} · times in {zone.key}"
            )
            out(
                f"  {reading.status} · started {at(reading.started_at)} · due {at(reading.due_at)}"
                f" · met {at(reading.met_at)} · counted {_length(reading.state.elapsed)}"
            )
            total = dt.timedelta(0)
            out(f"  counted up to {at(explanation.counted_until)}:")
            for start, end in explanation.counted:
                total += end - start
                out(
                    f"    {at(start)} - {at(end)[-5:]}  {_length(end - start):>9}"
                    f"  (total {_length(total)})"
                )
            for paused_at, resumed_at in explanation.pauses:
                out(f"  paused {at(paused_at)} - {at(resumed_at) if resumed_at else 'now'}")
            for day in explanation.closed_days:
                out(f"  closed {day:%a %d %b %Y}")
            for note in explanation.notes:
                out(f"  note: {note}")
            out("")

    def _sweep(self, **_: Any) -> None:
        raised = clocks_sweep()
        self.stdout.write(f"raised {raised} warning(s) and breach(es)")

    def _repair(self, *, customer: str | None, **_: Any) -> None:
        customer_id = None
        if customer:
            customer_id = (
                Organisation.objects.filter(slug=customer).values_list("pk", flat=True).first()
            )
            if customer_id is None:
                raise CommandError(f"no organisation with slug {customer!r}")
        repaired = clocks_repair(customer_id=customer_id)
        self.stdout.write(f"recomputed the clocks of {repaired} open case(s)")

    def _plans(self, **_: Any) -> None:
        for plan in sla_selectors.plan_list():
            self.stdout.write(f"{plan.code}  {plan.name}")
            for target in plan.targets.all():
                self.stdout.write(
                    f"  {target.priority}  first response {_length(target.first_response):>8}"
                    f"  update {_length(target.update_interval):>8}"
                    f"  resolve {_length(target.resolution):>8}  on {target.calendar_id}"
                    f"  (warn at {target.warn_percent} %)"
                )

    def _calendars(self, **_: Any) -> None:
        for calendar in sla_selectors.calendar_list():
            if calendar.always_open:
                self.stdout.write(f"{calendar.code}  {calendar.name}: around the clock")
                continue
            hours = "; ".join(
                f"{day} {', '.join(spans)}"
                for day, spans in hours_spec(hours_from_json(calendar.hours)).items()
            )
            self.stdout.write(
                f"{calendar.code}  {calendar.name}: {hours} · zone "
                f"{calendar.time_zone or 'customer'} · holidays "
                f"{(calendar.country or 'customer') if calendar.public_holidays else 'none'}"
            )
            for closed in calendar.closed_days.all():
                self.stdout.write(f"  closed {closed.day} {closed.name}")
