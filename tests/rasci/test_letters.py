import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebridge.rasci.letters import (
    ALLOWED,
    LetterError,
    contributes,
    format_letters,
    parse_letters,
    performs,
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("A/R", "RA"),
        ("r/a", "RA"),
        ("AR", "RA"),
        ("R, A", "RA"),
        (" s ", "S"),
        ("", ""),
        ("-", ""),
        (None, ""),
    ],
)
def test_people_type_cells_in_many_ways(typed, canonical):
    assert parse_letters(typed) == canonical


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("X", "unknown letter X"),
        ("RR", "repeats a letter"),
        ("R/S", "a cell holds one letter, or A/R"),
        ("A/C", "a cell holds one letter, or A/R"),
    ],
)
def test_impossible_cells_are_refused_with_the_reason(typed, message):
    with pytest.raises(LetterError, match=message):
        parse_letters(typed)


@given(st.sampled_from(sorted(ALLOWED)))
def test_formatting_then_parsing_is_the_identity(canonical):
    assert parse_letters(format_letters(canonical)) == canonical


@pytest.mark.parametrize(
    ("letters", "perform", "contribute"),
    [
        ("RA", True, True),
        ("R", True, True),
        ("A", True, True),
        ("S", False, True),
        ("C", False, False),
        ("I", False, False),
        ("", False, False),
    ],
)
def test_what_each_letter_lets_a_party_do(letters, perform, contribute):
    assert performs(letters) is perform
    assert contributes(letters) is contribute
