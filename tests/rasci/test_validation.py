from hypothesis import given, settings
from hypothesis import strategies as st

from casebridge.rasci.validation import RowSpec, matrix_violations

MODEL_1 = ("vendor", "partner", "customer")
MODEL_2 = ("vendor", "customer")
CELLS = st.sampled_from(["", "R", "A", "RA", "S", "C", "I"])


def row(code="case.submit", **letters):
    return RowSpec(code=code, name="An activity", letters=letters)


def test_the_default_shape_is_valid():
    assert matrix_violations(MODEL_1, [row(vendor="I", partner="RA", customer="C")]) == []


def test_a_second_a_is_named():
    problems = matrix_violations(MODEL_1, [row(vendor="A", partner="RA")])

    assert [str(p) for p in problems] == [
        "case.submit: vendor and partner are both accountable (A); exactly one may be"
    ]


def test_a_missing_r_is_named():
    problems = matrix_violations(MODEL_1, [row(vendor="A", partner="S")])

    assert [p.problem for p in problems] == ["no party is responsible (R); at least one must be"]


def test_a_missing_a_is_named():
    problems = matrix_violations(MODEL_1, [row(partner="R")])

    assert [p.problem for p in problems] == ["no party is accountable (A); exactly one must be"]


def test_a_party_outside_the_model_is_named():
    problems = matrix_violations(MODEL_2, [row(vendor="RA", partner="S")])

    assert [(p.party, p.problem) for p in problems] == [
        ("partner", "partner is not a party of this operating model")
    ]


def test_duplicate_and_malformed_codes_and_empty_matrices():
    rows = [row(vendor="RA"), row(vendor="RA"), row(code="Bad Code", vendor="RA")]

    assert [p.problem for p in matrix_violations(MODEL_1, rows)] == [
        "the activity appears twice",
        "the code must look like area.activity_name",
    ]
    assert [p.problem for p in matrix_violations(MODEL_1, [])] == [
        "a matrix needs at least one activity"
    ]


matrices = st.lists(
    st.tuples(
        st.sampled_from(["a.one", "a.two", "b.three", "b.four", "c.five"]),
        st.fixed_dictionaries({party: CELLS for party in MODEL_1}),
    ),
    max_size=6,
)


@settings(max_examples=300)
@given(st.sampled_from([MODEL_1, MODEL_2]), matrices)
def test_every_accepted_matrix_satisfies_the_invariants(parties, generated):
    rows = [RowSpec(code=code, name="n", letters=letters) for code, letters in generated]

    if matrix_violations(parties, rows):
        return
    assert rows, "an empty matrix is never accepted"
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        holders = {party: letters for party, letters in r.letters.items() if letters}
        assert set(holders) <= set(parties)
        assert sum("A" in letters for letters in holders.values()) == 1
        assert any("R" in letters for letters in holders.values())


@settings(max_examples=300)
@given(st.sampled_from([MODEL_1, MODEL_2]), matrices)
def test_every_matrix_breaking_an_invariant_is_refused(parties, generated):
    rows = [RowSpec(code=code, name="n", letters=letters) for code, letters in generated]
    broken = (
        not rows
        or len({r.code for r in rows}) != len(rows)
        or any(
            sum("A" in v for p, v in r.letters.items() if p in parties) != 1
            or not any("R" in v for p, v in r.letters.items() if p in parties)
            or any(v for p, v in r.letters.items() if p not in parties)
            for r in rows
        )
    )

    assert bool(matrix_violations(parties, rows)) is broken
