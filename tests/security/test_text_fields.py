"""Every text column of the project is classified: a single line (no control character at all),
multi-line text (line breaks and tabs, no other control character) or written by the machine.
Each single-line and multi-line column is written through its service with a hostile value and
must be refused with a field error, nothing stored. A new text column that nobody classified
fails the build, so the rule cannot be forgotten for the next field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.db import models

from casebridge.cases import services as case_services
from casebridge.cases.macros import MacroFields, macro_create
from casebridge.cases.saved_views import queue_params, saved_view_save
from casebridge.cases.services import GUIDELINE_TEXTS
from casebridge.core.errors import ValidationFailed
from casebridge.core.outbox import outbox_drain
from casebridge.identity.services import invitation_create, single_sign_on_configure
from casebridge.installed_base import services as installed_base_services
from casebridge.installed_base.services import InstallationInput
from casebridge.parties import services as party_services
from casebridge.parties.admin import OperatingModelForm
from casebridge.parties.models import AuthorisedSubmitter, OperatingModel
from casebridge.parties.tokens import api_token_create
from casebridge.rasci import services as rasci_services
from casebridge.rasci.selectors import published_version
from casebridge.rca import services as rca_services
from casebridge.rca.models import Rca
from casebridge.sla import services as sla_services
from casebridge.sla.models import BusinessCalendar
from tests.cases.helpers import act

#: A header injection: what a single line must never hold.
LINE_BREAK = "Line one\r\nBcc: attacker@zqx.example"
#: What no text may hold (PostgreSQL refuses NUL in text; terminals obey escapes).
NUL = "zqx\x00second"
ESCAPE = "zqx \x1b[31m red"
#: Part of every hostile value, in no other row: if a column holds it, something got in.
MARKER = "zqx"

Writer = Callable[[Any, str], Any]


def _open(desk, **values):
    arguments = {
        "actor": desk.customer_a_contact,
        "customer": desk.customer_a,
        "title": "Callers hear silence",
        "description": "Since this morning no call reaches an agent.",
        "category": "incident",
        "impact": "high",
        "urgency": "medium",
        **values,
    }
    return case_services.case_open(**arguments)[0]


def _update(desk, **changes):
    case = _open(desk)
    return case_services.case_update_details(
        actor=desk.customer_a_contact, case=case, expected_revision=None, changes=changes
    )


def _started(desk):
    case = _open(desk)
    act(case, desk.partner_a_agent, "start")
    case.refresh_from_db()
    return case


def _draft(desk):
    return rasci_services.draft_create(
        actor=None, operating_model=OperatingModel.objects.get(code="model_1")
    )


def _install(desk, **values):
    return installed_base_services.installation_create(
        actor=None,
        customer=desk.customer_a,
        data=InstallationInput(component="tenant", **values),
    )


def _calendar(desk, **values):
    return sla_services.calendar_save(
        actor=None, code="office", **{"name": "Office hours", "always_open": True, **values}
    )


def _rca(desk):
    case = _open(desk, impact="high", urgency="high")
    for action in ("start", "propose_solution"):
        act(case, desk.partner_a_agent, action)
    act(case, desk.partner_a_agent, "resolve", attribution="customer_infrastructure")
    outbox_drain()
    return Rca.objects.get(case=case)


def _rca_action(desk, **values):
    rca = _rca(desk)
    return rca_services.rca_action_add(
        actor=desk.partner_a_manager,
        rca=rca,
        values={
            "kind": "corrective",
            "description": "Replace the SBC firmware.",
            "owner": desk.partner_a_manager,
            "due_on": dt.date(2099, 1, 1),
            **values,
        },
    )


def _operating_model_form(desk, **values):
    model = OperatingModel.objects.get(code="model_1")
    data = {
        "code": model.code,
        "name": model.name,
        "description": model.description,
        "partner_in_between": model.partner_in_between,
        **values,
    }
    form = OperatingModelForm(data=data, instance=model)
    if not form.is_valid():
        raise ValidationFailed("The form was refused.", fields=form.errors)
    return form.save()


def _submitter(desk):
    return AuthorisedSubmitter.objects.get(person=desk.partner_a_manager)


def _invite(desk, *, email="new@a.example", full_name="Ann New"):
    return invitation_create(
        actor=desk.vendor_admin,
        organisation=desk.partner_a,
        email=email,
        full_name=full_name,
        roles=["agent"],
    )


def _single_sign_on(desk, **values):
    settings = {
        "protocol": "oidc",
        "issuer": "https://login.a.example",
        "client_id": "casebridge",
        "client_secret": "s3cret",
        "display_name": "Partner A sign-in",
        **values,
    }
    return single_sign_on_configure(
        actor=desk.vendor_admin, organisation=desk.partner_a, **settings
    )


#: Single-line columns: (the error's field, how a person writes it).
SINGLE_LINE: dict[str, tuple[str, Writer]] = {
    "identity.Invitation.email": ("email", lambda d, v: _invite(d, email=v.replace(" ", "@"))),
    "identity.Invitation.full_name": ("full_name", lambda d, v: _invite(d, full_name=v)),
    "identity.SingleSignOn.display_name": (
        "display_name",
        lambda d, v: _single_sign_on(d, display_name=v),
    ),
    "identity.SingleSignOn.issuer": (
        "issuer",
        lambda d, v: _single_sign_on(d, issuer=f"https://{v}.example"),
    ),
    "identity.SingleSignOn.sso_url": (
        "sso_url",
        lambda d, v: _single_sign_on(
            d, protocol="saml", issuer="urn:a", sso_url=f"https://{v}.example", certificate=""
        ),
    ),
    "parties.Person.time_zone": (
        "time_zone",
        lambda d, v: party_services.person_update(
            actor=d.customer_a_contact, person=d.customer_a_contact, time_zone=f"Europe/{v}"
        ),
    ),
    "parties.Person.language": (
        "language",
        lambda d, v: party_services.person_update(
            actor=d.customer_a_contact, person=d.customer_a_contact, language=v
        ),
    ),
    "parties.Organisation.name": (
        "name",
        lambda d, v: party_services.organisation_create(actor=None, name=v, kind="customer"),
    ),
    "parties.Organisation.helpdesk_email": (
        "helpdesk_email",
        lambda d, v: party_services.organisation_update(
            actor=d.vendor_admin, organisation=d.partner_a, helpdesk_email=v.replace(" ", "@")
        ),
    ),
    "parties.Organisation.helpdesk_phone": (
        "helpdesk_phone",
        lambda d, v: party_services.organisation_update(
            actor=d.vendor_admin, organisation=d.partner_a, helpdesk_phone=f"+31 20 {v}"
        ),
    ),
    "parties.OperatingModel.name": ("name", lambda d, v: _operating_model_form(d, name=v)),
    "cases.Macro.name": (
        "name",
        lambda d, v: macro_create(actor=d.partner_a_agent, fields=MacroFields(name=v, body="x")),
    ),
    "cases.SavedView.name": (
        "name",
        lambda d, v: saved_view_save(actor=d.partner_a_agent, name=v, params=queue_params({})),
    ),
    "parties.CustomerRelationship.time_zone": (
        "time_zone",
        lambda d, v: party_services.relationship_set(
            actor=None,
            customer=d.customer_a,
            partner=d.partner_a,
            operating_model="model_1",
            scenario="cloud",
            support_plan="standard",
            time_zone=f"Europe/{v}",
            country="NL",
        ),
    ),
    "parties.CustomerRelationship.country": (
        "country",
        lambda d, v: party_services.relationship_set(
            actor=None,
            customer=d.customer_a,
            partner=d.partner_a,
            operating_model="model_1",
            scenario="cloud",
            support_plan="standard",
            time_zone="Europe/Amsterdam",
            country=v,
        ),
    ),
    "parties.Person.email": (
        "email",
        lambda d, v: party_services.person_create(
            actor=None, organisation=d.customer_a, email=v.replace(" ", "@"), full_name="Ann"
        ),
    ),
    "parties.Person.full_name": (
        "full_name",
        lambda d, v: party_services.person_update(
            actor=d.customer_a_contact, person=d.customer_a_contact, full_name=v
        ),
    ),
    "parties.Person.phone": (
        "phone",
        lambda d, v: party_services.person_update(
            actor=d.customer_a_contact, person=d.customer_a_contact, phone=f"+31 20 {v}"
        ),
    ),
    "parties.Certification.reference": (
        "reference",
        lambda d, v: party_services.certification_record(
            actor=None,
            person=d.partner_a_agent,
            level="l1_basic",
            issued_on=dt.date(2026, 2, 1),
            expires_on=dt.date(2028, 2, 1),
            reference=v,
        ),
    ),
    "parties.AuthorisedSubmitter.email": (
        "email",
        lambda d, v: party_services.submitter_register(
            actor=None, person=d.partner_a_agent, phone="+31201230001", email=v.replace(" ", "@")
        ),
    ),
    "parties.AuthorisedSubmitter.phone": (
        "phone",
        lambda d, v: party_services.submitter_register(
            actor=None, person=d.partner_a_agent, phone=f"+31 20 {v}"
        ),
    ),
    "parties.AuthorisedSubmitter.deactivated_reason": (
        "reason",
        lambda d, v: party_services.submitter_deactivate(
            actor=d.vendor_admin, submitter=_submitter(d), reason=v
        ),
    ),
    "parties.ApiToken.name": ("name", lambda d, v: api_token_create(actor=d.vendor_admin, name=v)),
    "parties.SupportPlan.name": (
        "name",
        lambda d, v: sla_services.plan_save(actor=None, code="gold", name=v),
    ),
    "rasci.Activity.code": (
        "code",
        lambda d, v: rasci_services.draft_add_activity(
            actor=None, version=_draft(d), code=f"area.{v}", name="An activity"
        ),
    ),
    "rasci.Activity.name": (
        "name",
        lambda d, v: rasci_services.draft_add_activity(
            actor=None, version=_draft(d), code="area.new_one", name=v
        ),
    ),
    "rasci.Activity.category": (
        "category",
        lambda d, v: rasci_services.draft_add_activity(
            actor=None, version=_draft(d), code="area.new_one", name="An activity", category=v
        ),
    ),
    "rasci.MatrixPin.reason": (
        "reason",
        lambda d, v: rasci_services.relationship_pin(
            actor=None, customer=d.customer_a, version=published_version("model_1"), reason=v
        ),
    ),
    "installed_base.Release.version": (
        "version",
        lambda d, v: installed_base_services.release_create(
            actor=None,
            version=f"2030.{v}",
            released_on=dt.date(2030, 1, 1),
            bundle={"server_core": "2030.01.1"},
        ),
    ),
    "installed_base.BundleItem.component_version": (
        "bundle.server_core",
        lambda d, v: installed_base_services.release_create(
            actor=None,
            version="2030.01",
            released_on=dt.date(2030, 1, 1),
            bundle={"server_core": v},
        ),
    ),
    "installed_base.Installation.label": ("label", lambda d, v: _install(d, label=v)),
    "installed_base.Installation.version": ("version", lambda d, v: _install(d, version=v)),
    "installed_base.Installation.managing_override_reason": (
        "managing_override_reason",
        lambda d, v: _install(d, managing_party="customer", managing_override_reason=v),
    ),
    "sla.BusinessCalendar.name": ("name", lambda d, v: _calendar(d, name=v)),
    "sla.BusinessCalendar.time_zone": ("time_zone", lambda d, v: _calendar(d, time_zone=v)),
    "sla.BusinessCalendar.country": ("country", lambda d, v: _calendar(d, country=v)),
    "sla.BusinessCalendar.region": (
        "region",
        lambda d, v: _calendar(d, country="DE", region=v),
    ),
    "sla.ClosedDay.name": (
        "name",
        lambda d, v: sla_services.closed_day_add(
            actor=None,
            calendar=BusinessCalendar.objects.exclude(always_open=True).first(),
            day=dt.date(2030, 12, 24),
            name=v,
        ),
    ),
    "cases.Case.title": ("title", lambda d, v: _open(d, title=v)),
    "cases.Case.version": ("version", lambda d, v: _update(d, version=v)),
    "cases.Case.priority_override_reason": (
        "priority_override_reason",
        lambda d, v: _open(d, priority_override="P2", priority_override_reason=v),
    ),
    "cases.Case.external_reference": (
        "external_reference",
        lambda d, v: case_services.case_exchange_put(
            actor=d.partner_a_agent,
            reference=v,
            customer=d.customer_a,
            values={"title": "Callers hear silence", "description": "No call reaches an agent."},
        ),
    ),
    "cases.Case.version_override_request": (
        "version_override_request",
        lambda d, v: case_services.case_transition(
            action="escalate",
            actor=d.partner_a_manager,
            case=_started(d),
            expected_revision=None,
            version_override_request=v,
        ),
    ),
    "cases.Case.version_override_reason": (
        "reason",
        lambda d, v: act(_open(d), d.partner_a_agent, "start", reason=v),
    ),
    "cases.PhoneFollowUp.caller_number": (
        "caller_number",
        lambda d, v: case_services.case_log_phone_call(
            actor=d.partner_a_agent, case=_open(d), caller_number=f"+31 20 {v}", summary="Call."
        ),
    ),
}

#: Multi-line columns: (the error's field, how a person writes it).
MULTILINE: dict[str, tuple[str, Writer]] = {
    "parties.SupportPlan.description": (
        "description",
        lambda d, v: sla_services.plan_save(actor=None, code="gold", name="Gold", description=v),
    ),
    "parties.OperatingModel.description": (
        "description",
        lambda d, v: _operating_model_form(d, description=v),
    ),
    "rasci.MatrixVersion.notes": (
        "notes",
        lambda d, v: rasci_services.draft_create(
            actor=None, operating_model=OperatingModel.objects.get(code="model_1"), notes=v
        ),
    ),
    "rasci.Activity.description": (
        "description",
        lambda d, v: rasci_services.draft_add_activity(
            actor=None, version=_draft(d), code="area.new_one", name="An activity", description=v
        ),
    ),
    "installed_base.Release.notes": (
        "notes",
        lambda d, v: installed_base_services.release_create(
            actor=None,
            version="2030.01",
            released_on=dt.date(2030, 1, 1),
            bundle={"server_core": "2030.01.1"},
            notes=v,
        ),
    ),
    "installed_base.Installation.notes": ("notes", lambda d, v: _install(d, notes=v)),
    "cases.Case.description": ("description", lambda d, v: _open(d, description=v)),
    **{
        f"cases.Case.{name}": (name, lambda d, v, name=name: _open(d, guidelines={name: v}))
        for name in GUIDELINE_TEXTS
    },
    "cases.Comment.body": (
        "body",
        lambda d, v: case_services.case_comment(
            actor=d.customer_a_contact, case=_open(d), audience="public", body=v
        ),
    ),
    "cases.PhoneFollowUp.summary": (
        "summary",
        lambda d, v: case_services.case_log_phone_call(
            actor=d.partner_a_agent, case=_open(d), caller_number="+31201234567", summary=v
        ),
    ),
    **{
        f"rca.Rca.{name}": (
            name,
            lambda d, v, name=name: rca_services.rca_update(
                actor=d.partner_a_manager, rca=_rca(d), changes={name: v}
            ),
        )
        for name in ("impact", "root_cause", "contributing_factors", "public_summary")
    },
    "rca.RcaAction.description": ("description", lambda d, v: _rca_action(d, description=v)),
    "cases.Macro.body": (
        "body",
        lambda d, v: macro_create(actor=d.partner_a_agent, fields=MacroFields(name="M", body=v)),
    ),
}

#: Columns no person types, with who writes them.
MACHINE: dict[str, str] = {
    "core.AuditEvent.actor_label": "the actor's e-mail address, or 'system'",
    "core.AuditEvent.action": "a constant of the service",
    "core.AuditEvent.target_type": "the model's label",
    "core.AuditEvent.target_id": "the row's primary key",
    "core.OutboxEvent.kind": "a constant of the service",
    "core.OutboxEvent.dedup_key": "built by the service from ids",
    "core.OutboxDelivery.handler": "a registered handler's dotted name",
    "core.OutboxDelivery.last_error": "the handler's exception, for the operator",
    "core.PeriodicJobState.name": "a registered job's name",
    "core.Throttle.key": "built from a token prefix or an address",
    "core.WorkerHeartbeat.worker_id": "a random id the worker made",
    "core.WorkerHeartbeat.hostname": "the worker machine's own host name",
    "core.WorkerHeartbeat.queues": "the worker's queue names and thread counts",
    "parties.SupportPlan.code": "checked by sla.services._clean_code (a slug)",
    "parties.Organisation.slug": "generated from the name by slugify",
    "parties.Organisation.time_zone": "not written by any service (its default)",
    "parties.Organisation.country": "not written by any service (its default)",
    "parties.OperatingModel.code": "a slug, checked by the admin form's SlugField",
    "parties.Person.password": "a password hash",
    "parties.ApiToken.prefix": "generated",
    "parties.ApiToken.secret_hash": "generated",
    "parties.ApiToken.family": "the prefix of the first token of its line (generated)",
    "identity.Invitation.token_hash": "a hash of the link's secret (generated)",
    "identity.SingleSignOn.certificate": "stored only when it parses as a PEM certificate",
    "rasci.Assignment.letters": "canonical letters from rasci.letters.parse_letters",
    "installed_base.Component.code": "the shipped catalogue (data/components.csv)",
    "installed_base.Component.name": "the shipped catalogue (data/components.csv)",
    "installed_base.Component.description": "the shipped catalogue (data/components.csv)",
    "sla.BusinessCalendar.code": "checked by sla.services._clean_code (a slug)",
    "cases.GuidelineRequirement.field": "shipped configuration (cases/data)",
    "cases.Case.number": "generated, CB-YYYY-NNNNNN",
    "cases.Case.customer_status": "a workflow state",
    "cases.Case.vendor_status": "a workflow state",
    "cases.Engagement.status": "a workflow state",
    "cases.CaseClock.plan": "copied from the customer's plan",
    "cases.CaseClock.priority": "copied from the case",
    "cases.CaseClock.calendar": "copied from the policy",
    "cases.CaseEvent.actor_label": "the actor's e-mail address, or 'system'",
    "cases.CaseEvent.kind": "a constant of the service",
    "cases.Comment.body_html": "rendered and sanitised from the body",
    "cases.Macro.action": "checked against the workflow table's actions by macro_create",
    "cases.SearchEntry.title": "copied from the case's title (checked by its service)",
    "cases.SearchEntry.body": "copied from a checked description, guideline, message or file name",
    "cases.Attachment.original_name": "made one line by case_attach (test below)",
    "cases.Attachment.content_type": "sniffed from the content",
    "cases.Attachment.sha256": "computed",
    "cases.IdempotencyRecord.key": "checked by case_open as a single line (tests/api)",
    "cases.IdempotencyRecord.payload_sha256": "a digest computed by case_open",
    "rca.Rca.activity": "a constant (rca.vendor_cause or rca.other_cause)",
    "notifications.Notification.kind": "the event's kind",
    "notifications.Notification.activity": "the event's activity",
    "notifications.Notification.letters": "the recipient's letters",
    "notifications.Notification.message_id": "generated",
    "notifications.Notification.error": "the mail server's answer, for the operator",
    "notifications.NotificationPreference.kind": "checked against the notified kinds",
    "notifications.WebhookSubscription.url": "checked by notifications.webhooks.check_url",
    "notifications.WebhookSubscription.secret": "an HMAC key, never shown or sent as text",
    "notifications.WebhookAttempt.error": "the receiver's answer, for the operator",
    "notifications.InboundMessage.message_id": "a received header, made one line on the way in",
    "notifications.InboundMessage.sender": "a received header, made one line on the way in",
    "notifications.InboundMessage.recipient": "a received header, made one line on the way in",
    "notifications.InboundMessage.subject": "a received header, made one line on the way in",
    "notifications.InboundMessage.reason": "the verdict, made one line on the way in",
    "reports.ReportEntry.item": "a target, reason, owner id, code or a case's checked version",
    "reports.ReportEntry.plan": "copied from the case's clock (a plan code)",
    "reports.ReportCount.key": "joined from the other keys by reports.services",
    "reports.ReportCount.item": "copied from the entries' items",
    "reports.ReportCount.plan": "copied from the entries' plans",
}


def _text_columns() -> set[str]:
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("casebridge.")
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField) and not field.choices
    }


def test_every_text_column_is_classified():
    classified = set(SINGLE_LINE) | set(MULTILINE) | set(MACHINE)

    assert _text_columns() - classified == set(), "classify the new text column here"
    assert classified - _text_columns() == set(), "a classified column no longer exists"
    assert set(SINGLE_LINE) & set(MULTILINE) == set()


def _column_holds(label: str, fragment: str) -> bool:
    app_model, _, name = label.rpartition(".")
    model = apps.get_model(app_model)
    return model.objects.filter(**{f"{name}__contains": fragment}).exists()


@pytest.mark.parametrize("label", sorted(SINGLE_LINE))
@pytest.mark.parametrize("value", [LINE_BREAK, NUL, ESCAPE], ids=["crlf", "nul", "escape"])
def test_a_single_line_field_refuses_control_characters(desk, label, value):
    field, write = SINGLE_LINE[label]

    with pytest.raises(ValidationFailed) as refused:
        write(desk, value)

    assert field in refused.value.fields, refused.value.fields
    assert not _column_holds(label, MARKER)


@pytest.mark.parametrize("label", sorted(MULTILINE))
@pytest.mark.parametrize("value", [NUL, ESCAPE], ids=["nul", "escape"])
def test_a_multiline_field_refuses_control_characters_other_than_line_breaks(desk, label, value):
    field, write = MULTILINE[label]

    with pytest.raises(ValidationFailed) as refused:
        write(desk, value)

    assert field in refused.value.fields, refused.value.fields
    assert not _column_holds(label, MARKER)


@pytest.mark.parametrize("label", sorted(MULTILINE))
def test_a_multiline_field_keeps_line_breaks_and_tabs(desk, label):
    _, write = MULTILINE[label]

    write(desk, "Line one\r\nLine two\n\tindented")

    assert _column_holds(label, "Line two\n\tindented")


def test_an_imported_matrix_row_with_a_line_break_in_its_name_is_refused(desk):
    text = (
        "model,code,activity,vendor,partner,customer\n"
        'model_1,area.one,"Two\nlines",RA,,\n'
        'model_1,area.two,"Tab\there",RA,,\n'
    )

    with pytest.raises(ValidationFailed) as refused:
        rasci_services.matrices_import(actor=None, text=text)

    problems = refused.value.fields["file"]
    assert [problem.split(":")[0] for problem in problems] == [
        "row 2, column activity",
        "row 3, column activity",
    ]


def test_an_imported_installation_with_a_line_break_in_its_label_is_refused(desk):
    records = [{"customer": desk.customer_a.slug, "component": "tenant", "label": "a\nb"}]

    with pytest.raises(ValidationFailed) as refused:
        installed_base_services.installations_import(actor=None, records=records)

    assert refused.value.fields["file"] == [
        "row 2, label: One line of text: no line breaks, tabs or other control characters."
    ]


def test_a_file_name_with_a_line_break_is_kept_as_one_line(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = _open(desk)
    upload = SimpleUploadedFile("evil\r\nname.txt", b"plain text", content_type="text/plain")

    attachment = case_services.case_attach(
        actor=desk.customer_a_contact, case=case, upload=upload, audience="public"
    )

    assert attachment.original_name == "evil name.txt"
