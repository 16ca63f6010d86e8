"""Concurrent writers: nobody silently overwrites anybody, case numbers never repeat."""

import threading

import pytest
from django.db import close_old_connections, connection

from casebridge.cases import services
from casebridge.cases.models import Case
from casebridge.core.errors import DomainError

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(count, work):
    """Run ``work(i)`` in ``count`` threads released at the same moment; collect the outcomes."""
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(index)
        except Exception as error:  # collected and asserted by the test
            outcomes[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_writers_on_one_revision_one_wins_the_other_gets_412(desk, open_case):
    case = open_case()
    revision = Case.objects.get(pk=case.pk).revision

    def write(index):
        return services.case_update_details(
            actor=desk.partner_a_agent,
            case=case,
            expected_revision=revision,
            changes={"title": f"Title from writer {index}"},
        )

    outcomes = in_parallel(2, write)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(errors) == 1, outcomes
    assert isinstance(errors[0], services.StaleRevision)
    assert errors[0].status == 412
    winner = next(o for o in outcomes if not isinstance(o, Exception))
    stored = Case.objects.get(pk=case.pk)
    assert stored.title == winner.title
    assert stored.revision == revision + 1


def test_parallel_creates_never_share_a_case_number(desk):
    def create(index):
        case, _ = services.case_open(
            actor=desk.customer_a_contact,
            customer=desk.customer_a,
            title=f"Parallel {index}",
            description="Opened at the same moment as others.",
            category="incident",
            impact="medium",
            urgency="medium",
        )
        return case.number

    outcomes = in_parallel(6, create)

    failures = [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)]
    assert failures == []
    numbers = [o for o in outcomes if isinstance(o, str)]
    assert len(numbers) == 6
    assert len(set(numbers)) == 6
    assert Case.objects.count() == 6
