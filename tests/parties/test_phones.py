import pytest
from hypothesis import given
from hypothesis import strategies as st

from casebridge.core.errors import ValidationFailed
from casebridge.parties.phones import normalise_phone, phone_display


@pytest.mark.parametrize(
    "raw",
    [
        "+31 20 555 0100",
        "+31 (0)20-555 0100",
        "0031 20 555 0100",
        "020 555 0100",
        "020-5550100",
        "tel:+31205550100",
        "  +31205550100  ",
    ],
)
def test_common_formattings_normalise_to_e164(raw, settings):
    settings.CASEBRIDGE_DEFAULT_PHONE_REGION = "NL"

    assert normalise_phone(raw) == "+31205550100"


@pytest.mark.parametrize("raw", ["", "   ", "not a phone", "+31 20", "12", "+999 1234 5678"])
def test_garbage_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationFailed) as error:
        normalise_phone(raw, field="caller")

    assert list(error.value.fields) == ["caller"]


def test_display_groups_the_digits():
    assert phone_display("+31205550100") == "+31 20 555 0100"


@given(st.text(max_size=30))
def test_normalising_either_refuses_or_returns_a_stable_e164_number(raw):
    try:
        number = normalise_phone(raw, region="NL")
    except ValidationFailed:
        return
    assert number.startswith("+")
    assert number[1:].isdigit()
    assert normalise_phone(number) == number
