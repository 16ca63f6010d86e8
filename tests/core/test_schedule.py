import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from casebridge.core.models import PeriodicJobState
from casebridge.core.schedule import register_job, registered_jobs, schedule_due_jobs

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def test_the_registry_holds_the_core_and_parties_jobs():
    names = {job.name for job in registered_jobs()}

    assert {"outbox.drain", "parties.certifications_expiring"} <= names


@pytest.mark.django_db
def test_a_job_is_claimed_once_per_interval():
    first = schedule_due_jobs(now=START)
    again = schedule_due_jobs(now=START + dt.timedelta(seconds=1))
    later = schedule_due_jobs(now=START + dt.timedelta(seconds=15))

    assert "outbox.drain" in first
    assert "outbox.drain" not in again
    assert "outbox.drain" in later
    state = PeriodicJobState.objects.get(name="outbox.drain")
    assert state.next_run_at == START + dt.timedelta(seconds=30)


def test_a_job_needs_a_positive_interval():
    with pytest.raises(ValueError, match="positive"):
        register_job("test.never", every=dt.timedelta(0), description="")


@pytest.mark.django_db
def test_jobs_run_command_runs_a_job(capsys):
    call_command("jobs", "run", "outbox.drain")

    assert "outbox.drain:" in capsys.readouterr().out


@pytest.mark.django_db
def test_jobs_run_command_names_an_unknown_job():
    with pytest.raises(CommandError, match="no periodic job named 'nope'"):
        call_command("jobs", "run", "nope")


@pytest.mark.django_db
def test_each_claim_enqueues_its_slot_inside_the_claiming_transaction():
    from django.db import connection

    enqueued = []

    def enqueue(name, slot):
        enqueued.append((name, slot, connection.in_atomic_block))

    schedule_due_jobs(now=START, enqueue=enqueue)
    schedule_due_jobs(now=START + dt.timedelta(seconds=1), enqueue=enqueue)
    schedule_due_jobs(now=START + dt.timedelta(seconds=16), enqueue=enqueue)

    drains = [(slot, atomic) for name, slot, atomic in enqueued if name == "outbox.drain"]
    assert drains == [(START, True), (START + dt.timedelta(seconds=15), True)]


@pytest.mark.django_db
def test_a_claim_whose_enqueue_fails_is_not_lost():
    def broken(name, slot):
        raise RuntimeError("the task table is away")

    with pytest.raises(RuntimeError):
        schedule_due_jobs(now=START, enqueue=broken)

    assert "outbox.drain" in schedule_due_jobs(now=START + dt.timedelta(seconds=1))


@pytest.mark.django_db
def test_a_job_can_run_at_another_interval(settings, capsys):
    settings.CASEBRIDGE_JOB_INTERVALS = {"outbox.drain": 2}

    schedule_due_jobs(now=START)
    call_command("jobs", "list")

    state = PeriodicJobState.objects.get(name="outbox.drain")
    assert state.next_run_at == START + dt.timedelta(seconds=2)
    assert "outbox.drain                     every      2s" in capsys.readouterr().out


def test_an_interval_for_no_job_is_an_error(settings):
    from django.core.management.base import SystemCheckError

    settings.CASEBRIDGE_JOB_INTERVALS = {"outbox.drian": 2}

    with pytest.raises(SystemCheckError, match=r"casebridge\.E108.*'outbox\.drian'"):
        call_command("check")


@pytest.mark.django_db
def test_the_periodic_task_takes_its_slot_and_the_old_one_argument_form(caplog):
    from casebridge.core.tasks import periodic_job_task

    caplog.set_level("INFO", logger="casebridge.core.schedule")
    periodic_job_task.call("outbox.drain", START.isoformat())
    periodic_job_task.call("outbox.drain")  # enqueued by a worker of the version before

    slots = [record.slot for record in caplog.records if record.message == "schedule.job_run"]
    assert slots == [START.isoformat(), None]


@pytest.mark.django_db
def test_finished_task_results_are_pruned_after_their_days(settings):
    from django_tasks_db.models import DBTaskResult

    from casebridge.core.jobs import prune_task_results
    from casebridge.core.tasks import outbox_drain_task

    settings.CASEBRIDGE_TASK_RESULT_DAYS = 14
    now = dt.datetime.now(dt.UTC)
    rows = {}
    for label, status, finished in [
        ("old done", "SUCCESSFUL", now - dt.timedelta(days=15)),
        ("old failed", "FAILED", now - dt.timedelta(days=20)),
        ("recent", "SUCCESSFUL", now - dt.timedelta(days=13)),
        ("running", "RUNNING", None),
        ("waiting", "READY", None),
    ]:
        rows[label] = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path=outbox_drain_task.module_path,
            backend_name="default",
            run_after=now,
            status=status,
            finished_at=finished,
        ).pk

    deleted = prune_task_results()

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert deleted == 2
    assert left == {rows["recent"], rows["running"], rows["waiting"]}
