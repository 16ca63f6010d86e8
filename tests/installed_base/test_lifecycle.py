import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebridge.installed_base.choices import Lifecycle, PolicyKind
from casebridge.installed_base.lifecycle import (
    PolicyTerms,
    ReleaseDates,
    add_months,
    effective_dates,
    lifecycle_on,
)

EOL = dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("day", "state"),
    [
        pytest.param(dt.date(2026, 12, 30), Lifecycle.SUPPORTED, id="91-days-before"),
        pytest.param(dt.date(2026, 12, 31), Lifecycle.ENDING_SOON, id="90-days-before"),
        pytest.param(dt.date(2027, 3, 30), Lifecycle.ENDING_SOON, id="day-before"),
        pytest.param(dt.date(2027, 3, 31), Lifecycle.UNSUPPORTED, id="end-of-life-day"),
        pytest.param(dt.date(2027, 4, 1), Lifecycle.UNSUPPORTED, id="day-after"),
    ],
)
def test_lifecycle_at_the_boundaries(day, state):
    assert lifecycle_on(EOL, day, 90) == state


def test_no_end_of_life_means_supported():
    assert lifecycle_on(None, dt.date(2099, 1, 1), 90) == Lifecycle.SUPPORTED


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 11, 15), 3, dt.date(2025, 2, 15)),
        (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),
    ],
)
def test_adding_months_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


RELEASES = [
    ReleaseDates("2025.04", dt.date(2025, 4, 15)),
    ReleaseDates("2025.10", dt.date(2025, 10, 15)),
    ReleaseDates("2026.04", dt.date(2026, 4, 15)),
    ReleaseDates("2026.10", dt.date(2026, 10, 15)),
]


def test_last_n_releases():
    dates = effective_dates(
        RELEASES, PolicyTerms(kind=PolicyKind.LAST_N_RELEASES, supported_releases=2)
    )

    assert {v: d.end_of_life_on for v, d in dates.items()} == {
        "2025.04": dt.date(2026, 4, 15),
        "2025.10": dt.date(2026, 10, 15),
        "2026.04": None,
        "2026.10": None,
    }


def test_months_after_successor():
    dates = effective_dates(
        RELEASES, PolicyTerms(kind=PolicyKind.MONTHS_AFTER_SUCCESSOR, months_after_successor=12)
    )

    assert {v: d.end_of_life_on for v, d in dates.items()} == {
        "2025.04": dt.date(2026, 10, 15),
        "2025.10": dt.date(2027, 4, 15),
        "2026.04": dt.date(2027, 10, 15),
        "2026.10": None,
    }


def test_explicit_dates_win_over_the_policy():
    releases = [
        *RELEASES[:3],
        ReleaseDates("2026.10", dt.date(2026, 10, 15), None, dt.date(2028, 1, 1)),
    ]

    dates = effective_dates(
        releases, PolicyTerms(kind=PolicyKind.LAST_N_RELEASES, supported_releases=1)
    )

    assert dates["2026.10"].end_of_life_on == dt.date(2028, 1, 1)
    assert dates["2026.04"].end_of_life_on == dt.date(2026, 10, 15)


@given(
    st.lists(
        st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2050, 1, 1)),
        unique=True,
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=1, max_value=5),
    st.integers(min_value=1, max_value=24),
    st.sampled_from(PolicyKind.values),
)
def test_a_release_never_ends_before_it_is_released_and_newer_releases_end_no_sooner(
    days, n, m, kind
):
    releases = [ReleaseDates(f"r{i}", day) for i, day in enumerate(sorted(days))]

    dates = effective_dates(
        releases, PolicyTerms(kind=kind, supported_releases=n, months_after_successor=m)
    )

    ends = [dates[r.version].end_of_life_on for r in releases]
    for release, end in zip(releases, ends, strict=True):
        assert end is None or end > release.released_on
    known = [end for end in ends if end is not None]
    assert known == sorted(known)
    assert ends[-1] is None
