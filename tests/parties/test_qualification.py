import datetime as dt

import pytest

from casebridge.core.errors import ValidationFailed
from casebridge.parties.choices import SupportLevel
from casebridge.parties.selectors import partner_is_qualified, partner_qualifications
from tests.factories import CertificationFactory, PartnerFactory, PersonFactory

L1 = SupportLevel.L1_BASIC
L2 = SupportLevel.L2_INTERMEDIATE
DAY = dt.date(2026, 6, 15)


def certify(
    partner, level, *, expires_on=dt.date(2027, 1, 1), issued_on=dt.date(2026, 1, 1), person=None
):
    person = person or PersonFactory(organisation=partner)
    CertificationFactory(person=person, level=level, issued_on=issued_on, expires_on=expires_on)
    return person


@pytest.fixture
def partner(db):
    return PartnerFactory()


def test_exactly_two_holders_of_each_level_qualify(partner):
    for level in (L1, L1, L2, L2):
        certify(partner, level)

    result = partner_is_qualified(partner, on=DAY)

    assert result.qualified
    assert bool(result) is True
    assert result.reasons == ()


def test_one_l2_intermediate_short_is_not_qualified_and_says_why(partner):
    for level in (L1, L1, L2):
        certify(partner, level)

    result = partner_is_qualified(partner, on=DAY)

    assert not result
    assert result.reasons == (
        "1 of the 2 people needed hold a valid Level 2 Intermediate certification on 2026-06-15.",
    )


def test_one_person_may_count_for_both_levels(partner):
    both_a = certify(partner, L1)
    certify(partner, L2, person=both_a)
    both_b = certify(partner, L1)
    certify(partner, L2, person=both_b)

    assert partner_is_qualified(partner, on=DAY).qualified


def test_two_certificates_of_one_person_count_once(partner):
    person = certify(partner, L1, issued_on=dt.date(2025, 1, 1))
    certify(partner, L1, person=person, issued_on=dt.date(2026, 1, 1))
    certify(partner, L2)
    certify(partner, L2)

    result = partner_is_qualified(partner, on=DAY)

    assert [(c.level, c.holders) for c in result.levels] == [(L1, 1), (L2, 2)]


@pytest.mark.parametrize(
    ("on", "qualified"),
    [
        pytest.param(dt.date(2026, 12, 30), True, id="day-before-expiry"),
        pytest.param(dt.date(2026, 12, 31), True, id="expiry-day-is-still-valid"),
        pytest.param(dt.date(2027, 1, 1), False, id="day-after-expiry"),
    ],
)
def test_a_certification_is_valid_through_its_expiry_day(partner, on, qualified):
    certify(partner, L1, expires_on=dt.date(2026, 12, 31))
    certify(partner, L1, expires_on=dt.date(2030, 1, 1))
    certify(partner, L2, expires_on=dt.date(2030, 1, 1))
    certify(partner, L2, expires_on=dt.date(2030, 1, 1))

    assert partner_is_qualified(partner, on=on).qualified is qualified


@pytest.mark.parametrize(
    ("on", "qualified"),
    [
        pytest.param(dt.date(2026, 2, 28), False, id="day-before-issue"),
        pytest.param(dt.date(2026, 3, 1), True, id="issue-day"),
    ],
)
def test_a_certification_counts_from_its_issue_day(partner, on, qualified):
    certify(partner, L1, issued_on=dt.date(2026, 3, 1))
    certify(partner, L1, issued_on=dt.date(2025, 1, 1))
    certify(partner, L2, issued_on=dt.date(2025, 1, 1))
    certify(partner, L2, issued_on=dt.date(2025, 1, 1))

    assert partner_is_qualified(partner, on=on).qualified is qualified


def test_inactive_people_and_other_partners_people_do_not_count(partner):
    other = PartnerFactory()
    certify(partner, L1)
    left = certify(partner, L1)
    left.is_active = False
    left.save()
    certify(other, L1)
    certify(partner, L2)
    certify(partner, L2)

    result = partner_is_qualified(partner, on=DAY)

    assert not result
    assert result.levels[0].holders == 1


def test_higher_levels_do_not_stand_in_for_the_required_ones(partner):
    certify(partner, SupportLevel.L2_ADVANCED)
    certify(partner, SupportLevel.L3_EXPERT)
    certify(partner, L2)
    certify(partner, L2)

    assert not partner_is_qualified(partner, on=DAY)


def test_qualification_of_a_non_partner_is_refused(db):
    customer = PartnerFactory(kind="customer")

    with pytest.raises(ValidationFailed):
        partner_is_qualified(customer, on=DAY)


def test_many_partners_are_assessed_in_one_query(partner, django_assert_num_queries):
    others = [PartnerFactory() for _ in range(5)]
    for level in (L1, L1, L2, L2):
        certify(partner, level)

    with django_assert_num_queries(1):
        results = partner_qualifications([partner, *others], on=DAY)

    assert results[partner.pk].qualified
    assert not any(results[other.pk].qualified for other in others)
