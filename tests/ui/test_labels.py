"""Words, not codes: every vocabulary the domain stores has a label in the portal, and a case's
history reads as sentences."""

import importlib
import inspect
import pkgutil
import re

import pytest
from django.db import models
from django.test import Client
from django.utils.html import strip_tags

import casebridge
from casebridge.cases import history, services, workflow
from casebridge.cases.choices import ClockPhase, CustomerStatus, VendorStatus
from casebridge.cases.models import Case
from casebridge.parties.choices import DefaultOperatingModel, DefaultSupportPlan
from casebridge.ui import labels
from casebridge.ui.templatetags.casebridge import label, since
from tests.cases.helpers import COMPLETE, act


def domain_choices() -> list[type[models.TextChoices]]:
    found = []
    for module_info in pkgutil.iter_modules(casebridge.__path__):
        if not module_info.ispkg:
            continue
        try:
            module = importlib.import_module(f"casebridge.{module_info.name}.choices")
        except ModuleNotFoundError:
            continue
        found += [
            value
            for value in vars(module).values()
            if inspect.isclass(value)
            and issubclass(value, models.TextChoices)
            and value.__module__ == module.__name__
        ]
    return found


#: Vocabularies no page shows: codes of rows whose names the pages print instead, and the phase
#: a clock ledger keeps for itself.
NOT_SHOWN = {DefaultOperatingModel, DefaultSupportPlan, ClockPhase}


@pytest.mark.parametrize("choices", domain_choices(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_vocabulary_of_the_domain_is_in_the_registry(choices):
    registered = set(labels._CHOICES.values()) | NOT_SHOWN
    assert choices in registered


@pytest.mark.parametrize("vocabulary", sorted(labels.VOCABULARIES))
def test_every_label_is_words(vocabulary):
    for code, text in labels.VOCABULARIES[vocabulary].items():
        assert text != code or len(code) <= 3, (vocabulary, code)
        assert "_" not in text


def test_the_label_filter_says_it_in_words():
    assert label("in_progress", "customer_status") == "In progress"
    assert label("waiting_on_partner", "vendor_status") == "Waiting on the submitter"
    assert label("ending_soon", "lifecycle") == "Ending soon"
    assert label("sbc", "cause") == "Session border controller (SBC)"
    assert label("someday_new", "customer_status") == "Someday new"
    assert label(None, "customer_status") == "—"


def test_relative_times_read_as_people_say_them(frozen):
    import datetime as dt

    from casebridge.core import clock

    now = clock.now()
    assert since(now) == "just now"
    assert since(now - dt.timedelta(minutes=5)) == "5 min ago"
    assert since(now - dt.timedelta(days=3, hours=4)) == "3 d ago"
    assert since(now + dt.timedelta(hours=2)) == "in 2 h"


def test_every_workflow_step_has_a_sentence():
    assert set(history.STEP_PHRASES) == {(t.engagement, t.action) for t in workflow.TRANSITIONS}


def escalated_case(desk, open_case):
    case = open_case(**COMPLETE)
    Case.objects.filter(pk=case.pk).update(component="sbc")
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    services.case_transition(
        action="escalate", actor=desk.partner_a_manager, case=case, expected_revision=case.revision
    )
    act(case, desk.vendor_engineer, "accept")
    act(case, desk.vendor_engineer, "request_information")
    return case


def test_the_history_reads_as_sentences(desk, open_case):
    case = escalated_case(desk, open_case)
    client = Client()
    client.force_login(desk.partner_a_manager)

    page = client.get(f"/cases/{case.pk}/").content.decode()

    lines = re.findall(r'<ol class="timeline">(.*?)</ol>', page, re.S)[0]
    text = " ".join(strip_tags(lines).split())
    assert "Customer of A opened the case as Priority" in text
    assert "Partner A started work on the case" in text
    assert "Partner A escalated to the vendor" in text
    assert "Vendor Ltd accepted the escalation" in text
    assert "Vendor Ltd asked the submitter for information" in text
    assert "→" not in text


@pytest.mark.parametrize("reader", ["partner_a_manager", "vendor_engineer", "customer_a_contact"])
def test_no_page_of_a_worked_case_shows_a_status_code(desk, open_case, reader):
    case = escalated_case(desk, open_case)
    client = Client()
    client.force_login(getattr(desk, reader))
    codes = {code for code in (*CustomerStatus.values, *VendorStatus.values) if "_" in code} | {
        "model_1",
        "model_2",
        "premium_plus",
        "l2_advanced",
        "first_response",
    }

    for url in (f"/cases/{case.pk}/", "/cases/", "/cases/?engagement=vendor"):
        visible = strip_tags(client.get(url).content.decode())
        shown = {code for code in codes if re.search(rf"\b{code}\b", visible)}
        assert shown == set(), url
