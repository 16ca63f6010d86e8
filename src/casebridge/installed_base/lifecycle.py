"""End-of-life arithmetic as pure functions: effective end dates under a policy, and the
lifecycle state of a version on a day. No database here; selectors feed it rows."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from casebridge.installed_base.choices import Lifecycle, PolicyKind


@dataclass(frozen=True)
class ReleaseDates:
    version: str
    released_on: dt.date
    end_of_support_on: dt.date | None = None
    end_of_life_on: dt.date | None = None


@dataclass(frozen=True)
class PolicyTerms:
    kind: str = PolicyKind.LAST_N_RELEASES
    supported_releases: int = 3
    months_after_successor: int = 12
    ending_soon_days: int = 90


@dataclass(frozen=True)
class EffectiveDates:
    end_of_support_on: dt.date | None
    end_of_life_on: dt.date | None


def add_months(day: dt.date, months: int) -> dt.date:
    """``2024-01-31`` + 1 month → ``2024-02-29``: the same day, or the month's last."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def effective_dates(
    releases: Sequence[ReleaseDates], policy: PolicyTerms
) -> dict[str, EffectiveDates]:
    """Each release's end of support and end of life: explicit dates win, else the policy.

    ``last_n_releases``: a release leaves support the day the Nth release after it comes out.
    ``months_after_successor``: M months after the next release came out. Without that
    successor yet, the release has no end date.
    """
    ordered = sorted(releases, key=lambda release: (release.released_on, release.version))
    result: dict[str, EffectiveDates] = {}
    for index, release in enumerate(ordered):
        derived: dt.date | None = None
        if policy.kind == PolicyKind.LAST_N_RELEASES:
            successor = index + policy.supported_releases
            if successor < len(ordered):
                derived = ordered[successor].released_on
        elif index + 1 < len(ordered):
            derived = add_months(ordered[index + 1].released_on, policy.months_after_successor)
        end_of_life = release.end_of_life_on or derived
        end_of_support = release.end_of_support_on or end_of_life
        result[release.version] = EffectiveDates(end_of_support, end_of_life)
    return result


def lifecycle_on(end_of_life: dt.date | None, day: dt.date, ending_soon_days: int) -> str:
    """Supported until ``ending_soon_days`` before the end of life, then ending soon, and
    unsupported from the end-of-life day itself."""
    if end_of_life is None:
        return Lifecycle.SUPPORTED
    if day >= end_of_life:
        return Lifecycle.UNSUPPORTED
    if day >= end_of_life - dt.timedelta(days=ending_soon_days):
        return Lifecycle.ENDING_SOON
    return Lifecycle.SUPPORTED
