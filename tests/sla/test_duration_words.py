"""Durations as people write them: what the portal shows is read back to the same length."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebridge.sla.calendar import duration_parse, duration_text


@given(st.integers(min_value=0, max_value=400 * 24 * 60))
def test_what_is_written_reads_back_to_the_same_length(minutes):
    length = dt.timedelta(minutes=minutes)

    assert duration_parse(duration_text(length)) == length


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("4h", dt.timedelta(hours=4)),
        ("1 d 2 h", dt.timedelta(days=1, hours=2)),
        ("90", dt.timedelta(minutes=90)),
        ("2 hours 5 minutes", dt.timedelta(hours=2, minutes=5)),
        ("  ", None),
    ],
)
def test_common_ways_of_writing_a_length(text, length):
    assert duration_parse(text) == length


@pytest.mark.parametrize("text", ["soon", "4 weeks", "4h and a bit", "-3", "h"])
def test_anything_else_is_refused_with_an_example(text):
    with pytest.raises(ValueError, match="such as 4 h"):
        duration_parse(text)
