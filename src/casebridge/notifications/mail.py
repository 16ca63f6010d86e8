"""Composing and sending notification e-mail: text and HTML from templates per event kind (and
language), with headers that thread every message of a case and route replies back to it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from casebridge.cases.models import Case
from casebridge.core.validation import one_line
from casebridge.notifications.models import Notification

HEADLINES = {
    "case.opened": _("A case was opened"),
    "case.escalated": _("The case was escalated to the vendor"),
    "case.return": _("The vendor returned the case"),
    "case.request_information": _("The vendor asks for information"),
    "case.provide_solution": _("The vendor provided a solution"),
    "case.close": _("The case was closed"),
    "case.sla_warning": _("A service-level target is close"),
    "case.sla_breached": _("A service-level target was breached"),
    "rca.opened": _("A root-cause analysis is yours"),
    "rca.reassigned": _("A root-cause analysis was reassigned"),
    "rca.overdue": _("A root-cause analysis is overdue"),
    "rca.signed": _("A root-cause analysis was signed off"),
    "installed_base.end_of_life_notice": _("Software reaches its end of life"),
    "certification.expiring": _("A certification expires soon"),
}


def thread_id(case: Case) -> str:
    """The Message-ID every message of a case refers to, so mail clients thread them."""
    return f"<case.{case.number}@{settings.CASEBRIDGE_MAIL_DOMAIN}>"


def reply_address(case: Case) -> str:
    local, _, domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")
    local = local.rsplit("<", 1)[-1] or "casebridge"
    return f"{local}+{case.number}@{domain or settings.CASEBRIDGE_MAIL_DOMAIN}"


def _render(kind: str, extension: str, context: dict[str, Any]) -> str:
    names = [f"notifications/email/{kind}.{extension}", f"notifications/email/default.{extension}"]
    for name in names:
        try:
            return render_to_string(name, context)
        except TemplateDoesNotExist:
            continue
    raise TemplateDoesNotExist(names[-1])


def compose(notification: Notification, payload: dict[str, Any]) -> EmailMultiAlternatives:
    case = notification.case
    recipient = notification.recipient
    with translation.override(getattr(recipient, "language", "") or settings.LANGUAGE_CODE):
        headline = str(HEADLINES.get(notification.kind, notification.kind))
        context = {
            "notification": notification,
            "recipient": recipient,
            "case": case,
            "headline": headline,
            "payload": payload,
            "case_url": f"{settings.CASEBRIDGE_BASE_URL}/cases/{case.pk}/" if case else "",
            "rca_url": f"{settings.CASEBRIDGE_BASE_URL}/rcas/{payload['rca_id']}/"
            if "rca_id" in payload
            else "",
        }
        subject = f"[{case.number}] {headline}: {case.title}" if case else headline
        text = _render(notification.kind, "txt", context)
        html = _render(notification.kind, "html", context)
    domain = settings.CASEBRIDGE_MAIL_DOMAIN
    message_id = (
        f"<{case.number}.n{notification.pk}@{domain}>"
        if case
        else f"<n{notification.pk}.e{notification.event_id}@{domain}>"
    )
    headers = {"Message-ID": message_id, "Auto-Submitted": "auto-generated"}
    if case is not None:
        headers["In-Reply-To"] = thread_id(case)
        headers["References"] = thread_id(case)
    message = EmailMultiAlternatives(
        subject=one_line(subject)[:250],  # a title stored before the check may hold breaks
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        reply_to=[reply_address(case)] if case else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def open_connection() -> Any:
    return get_connection(fail_silently=False)
