import datetime as dt

import pytest
import time_machine
from django.db import transaction

from casebridge.core.choices import DeliveryStatus
from casebridge.core.models import OutboxDelivery, OutboxEvent
from casebridge.core.outbox import (
    backoff_delay,
    outbox_drain,
    outbox_record,
    outbox_retry_failed,
    register_handler,
    unregister_handler,
)

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def only_the_test_handlers(monkeypatch):
    """The outbox's own tests see only the handlers they register (not the apps')."""
    from casebridge.core import outbox

    monkeypatch.setattr(outbox, "_handlers", {})


@pytest.fixture
def received():
    seen: list[str] = []

    @register_handler("test.recorder", kinds=["test.happened"])
    def recorder(event: OutboxEvent) -> None:
        seen.append(event.dedup_key)

    yield seen
    unregister_handler("test.recorder")


@pytest.fixture
def flaky():
    """A handler that fails the first ``failures`` times it is called."""
    state = {"failures": 2, "calls": 0}

    @register_handler("test.flaky", kinds=["test.happened"])
    def handler(event: OutboxEvent) -> None:
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise ConnectionError("receiver is down")

    yield state
    unregister_handler("test.flaky")


@pytest.mark.django_db
def test_recording_creates_one_delivery_per_interested_handler(received, flaky):
    event = outbox_record(kind="test.happened", payload={"n": 1})

    handlers = set(OutboxDelivery.objects.filter(event=event).values_list("handler", flat=True))
    assert handlers == {"test.recorder", "test.flaky"}


@pytest.mark.django_db
def test_events_of_other_kinds_get_no_delivery_for_the_handler(received):
    event = outbox_record(kind="test.other", payload={})

    assert not OutboxDelivery.objects.filter(event=event, handler="test.recorder").exists()


@pytest.mark.django_db
def test_recording_the_same_dedup_key_twice_returns_the_first_event(received):
    first = outbox_record(kind="test.happened", payload={"n": 1}, dedup_key="k-1")
    second = outbox_record(kind="test.happened", payload={"n": 2}, dedup_key="k-1")

    assert second.pk == first.pk
    assert OutboxEvent.objects.filter(dedup_key="k-1").count() == 1
    assert OutboxDelivery.objects.filter(event=first).count() == 1


@pytest.mark.django_db
def test_drain_delivers_after_commit(received):
    event = outbox_record(kind="test.happened", payload={})

    result = outbox_drain()

    assert result.delivered == 1
    assert received == [event.dedup_key]
    delivery = OutboxDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_nothing_is_recorded_or_sent_for_a_write_that_rolled_back(received):
    def failing_write() -> None:
        with transaction.atomic():
            outbox_record(kind="test.happened", payload={})
            raise RuntimeError("the business write failed")

    with pytest.raises(RuntimeError):
        failing_write()

    assert OutboxEvent.objects.count() == 0
    assert outbox_drain().attempted == 0
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_commit_enqueues_a_drain_that_delivers(received):
    with transaction.atomic():
        event = outbox_record(kind="test.happened", payload={})

    # Test settings use the immediate task backend: the drain ran on commit.
    assert received == [event.dedup_key]


@pytest.mark.django_db
def test_a_failing_handler_is_retried_with_backoff_until_it_succeeds(flaky):
    with time_machine.travel(START, tick=False) as clock:
        event = outbox_record(kind="test.happened", payload={})

        assert outbox_drain().retried == 1
        delivery = OutboxDelivery.objects.get(event=event)
        assert delivery.status == DeliveryStatus.PENDING
        assert delivery.attempts == 1
        assert delivery.next_attempt_at == START + backoff_delay(1)
        assert "ConnectionError: receiver is down" in delivery.last_error

        # Not due yet: nothing happens.
        assert outbox_drain().attempted == 0

        clock.move_to(START + backoff_delay(1))
        assert outbox_drain().retried == 1
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == START + backoff_delay(1) + backoff_delay(2)

        clock.move_to(delivery.next_attempt_at)
        assert outbox_drain().delivered == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 3
    assert delivery.last_error == ""
    assert flaky["calls"] == 3


def test_backoff_doubles_and_is_capped(settings):
    settings.CASEBRIDGE_OUTBOX_BACKOFF_SECONDS = 10
    settings.CASEBRIDGE_OUTBOX_BACKOFF_CAP_SECONDS = 100

    delays = [backoff_delay(attempts).total_seconds() for attempts in range(1, 7)]

    assert delays == [10, 20, 40, 80, 100, 100]
    assert backoff_delay(500).total_seconds() == 100


@pytest.mark.django_db
def test_a_delivery_that_keeps_failing_is_kept_as_failed_and_can_be_retried(flaky, settings):
    settings.CASEBRIDGE_OUTBOX_MAX_ATTEMPTS = 2
    flaky["failures"] = 2
    with time_machine.travel(START, tick=False) as clock:
        event = outbox_record(kind="test.happened", payload={})
        outbox_drain()
        clock.shift(dt.timedelta(days=1))
        result = outbox_drain()

        assert result.failed == 1
        delivery = OutboxDelivery.objects.get(event=event)
        assert delivery.status == DeliveryStatus.FAILED

        # Kept, not lost: a retry puts it back and it is delivered.
        assert outbox_retry_failed() == 1
        assert outbox_drain().delivered == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


@pytest.mark.django_db
def test_a_claimed_delivery_whose_worker_died_is_picked_up_after_the_lease(received):
    with time_machine.travel(START, tick=False) as clock:
        event = outbox_record(kind="test.happened", payload={})
        delivery = OutboxDelivery.objects.get(event=event)
        # A worker claimed it and was killed before recording the outcome.
        from casebridge.core.outbox import _claim_next_due, claim_lease

        assert _claim_next_due().pk == delivery.pk
        assert outbox_drain().attempted == 0

        clock.shift(claim_lease())
        assert outbox_drain().delivered == 1

    assert received == [event.dedup_key]
    delivery.refresh_from_db()
    assert delivery.attempts == 2


@pytest.mark.django_db
def test_a_delivery_for_an_unregistered_handler_is_retried_not_dropped(received):
    event = outbox_record(kind="test.happened", payload={})
    unregister_handler("test.recorder")

    result = outbox_drain()

    assert result.retried == 1
    delivery = OutboxDelivery.objects.get(event=event)
    assert "no outbox handler named 'test.recorder'" in delivery.last_error


def test_registering_two_functions_under_one_name_is_refused(received):
    with pytest.raises(ValueError, match="already registered"):
        register_handler("test.recorder", kinds=["*"])(lambda event: None)
