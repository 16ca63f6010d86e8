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
