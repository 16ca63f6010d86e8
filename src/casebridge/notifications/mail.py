"""Composing and sending notification e-mail: text and HTML from templates per event kind (and
language), with headers that thread every message of a case and route replies back to it.

Each message's Reply-To is signed for its one recipient and for the audience of what it told
(:mod:`casebridge.notifications.authenticity`), so an answer lands on the case as that person,
for that audience and no wider one."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from casebridge.cases import events as case_events
from casebridge.cases.audiences import case_read
from casebridge.cases.choices import Audience
from casebridge.cases.models import Case
from casebridge.cases.querysets import audiences_for
from casebridge.core.validation import one_line
from casebridge.installed_base import events as installed_base_events
from casebridge.notifications.authenticity import reply_suffix
from casebridge.notifications.models import Notification
from casebridge.parties import events as parties_events
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import Person
from casebridge.rasci import policy
from casebridge.rca import events as rca_events

HEADLINES: dict[str, Promise] = {
    case_events.ASSIGNED: _("A case was assigned to you"),
    case_events.OPENED: _("A case was opened"),
    case_events.TRIAGE: _("The case was taken into triage"),
    case_events.START: _("Work on the case started"),
    case_events.WAIT_ON_CUSTOMER: _("The desk needs your answer"),
    case_events.RESUME: _("Work on the case resumed"),
    case_events.ESCALATED: _("The case was escalated to the vendor"),
    case_events.PROPOSE_SOLUTION: _("A solution was proposed"),
    case_events.REJECT_SOLUTION: _("The proposed solution did not work"),
    case_events.RESOLVE: _("The case was resolved"),
    case_events.CLOSE: _("The case was closed"),
    case_events.REOPEN: _("The case was reopened"),
    case_events.ACCEPT: _("The vendor accepted the case"),
    case_events.RETURN: _("The vendor returned the case"),
    case_events.RESUBMIT: _("The case was submitted again"),
    case_events.TO_EXPERT: _("The case went to Level 3"),
    case_events.TO_ADVANCED: _("The case came back to Level 2"),
    case_events.REQUEST_INFORMATION: _("The vendor asks for information"),
    case_events.ANSWER: _("The information request was answered"),
    case_events.PROVIDE_SOLUTION: _("The vendor provided a solution"),
    case_events.CONFIRM: _("The vendor's solution was confirmed"),
    case_events.REJECT: _("The vendor's solution does not work"),
    case_events.SLA_WARNING: _("A service-level target is close"),
    case_events.SLA_BREACHED: _("A service-level target was breached"),
    case_events.REPLY_ON_CLOSED: _("Your message reached a closed case"),
    rca_events.OPENED: _("A root-cause analysis is yours"),
    rca_events.REASSIGNED: _("A root-cause analysis was reassigned"),
    rca_events.OVERDUE: _("A root-cause analysis is overdue"),
    rca_events.SIGNED: _("A root-cause analysis was signed off"),
    installed_base_events.END_OF_LIFE_NOTICE: _("Software reaches its end of life"),
    parties_events.CERTIFICATION_EXPIRING: _("A certification expires soon"),
}


def thread_id(case: Case) -> str:
    """The Message-ID every message of a case refers to, so mail clients thread them."""
    return f"<case.{case.number}@{settings.CASEBRIDGE_MAIL_DOMAIN}>"


#: The audience of what each event's mail tells; an answer to it goes back to that audience.
#: Kinds not listed (SLA warnings and breaches, anything new) are answered into the recipient
#: party's own internal audience; an event whose payload names an audience uses that one.
MAIL_AUDIENCE: dict[str, str] = {
    case_events.OPENED: Audience.PUBLIC,
    case_events.CLOSE: Audience.PUBLIC,
    case_events.ESCALATED: Audience.PARTNER_VENDOR,
    case_events.RETURN: Audience.PARTNER_VENDOR,
    case_events.REQUEST_INFORMATION: Audience.PARTNER_VENDOR,
    case_events.PROVIDE_SOLUTION: Audience.PARTNER_VENDOR,
    rca_events.OPENED: Audience.PARTNER_VENDOR,
    rca_events.REASSIGNED: Audience.PARTNER_VENDOR,
    rca_events.OVERDUE: Audience.PARTNER_VENDOR,
    rca_events.SIGNED: Audience.PARTNER_VENDOR,
}
OWN_AUDIENCE: dict[str, str] = {
    OrganisationKind.VENDOR: Audience.VENDOR_INTERNAL,
    OrganisationKind.PARTNER: Audience.PARTNER_INTERNAL,
    OrganisationKind.CUSTOMER: Audience.PUBLIC,
}


def own_audience(person: Person) -> str:
    """Where a person's answer goes when we cannot tell what it answers: their own party's."""
    return OWN_AUDIENCE[person.organisation.kind]


def reply_audience(kind: str, payload: dict[str, Any], case: Case, recipient: Person) -> str:
    """The audience a reply of ``recipient`` to the mail about ``kind`` goes to: the mail's
    own, narrowed to what the recipient may write on the case (a vendor engineer told of a
    public step in operating model 1 answers partner+vendor, never the customer)."""
    wanted = str(payload.get("audience") or MAIL_AUDIENCE.get(kind) or own_audience(recipient))
    writable = audiences_for(recipient, partner_in_between=case.partner_id is not None)
    customer_side = recipient.organisation.kind == OrganisationKind.CUSTOMER
    candidates = [wanted]
    if wanted == Audience.PUBLIC:
        candidates.append(Audience.PARTNER_VENDOR)
    candidates.append(own_audience(recipient))
    for audience in candidates:
        if audience not in writable:
            continue
        if audience == Audience.PUBLIC and not customer_side:
            decision = policy.decide(
                recipient, "customer.communicate", case.customer, version=case.matrix_version
            )
            if not decision.may_contribute:
                continue
        return audience
    return own_audience(recipient)


def reply_address(case: Case, recipient: Person, audience: str) -> str:
    """``support+cb-2026-000042.17.pv.<signature>@…``: answers reach the case as
    ``recipient``, for ``audience``; nobody else can make one up."""
    local, _, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    suffix = reply_suffix(case.number, recipient.pk, audience)
    return f"{local or 'casebridge'}+{suffix}@{domain or settings.CASEBRIDGE_MAIL_DOMAIN}"


def _render(kind: str, extension: str, context: dict[str, Any]) -> str:
    names = [f"notifications/email/{kind}.{extension}", f"notifications/email/default.{extension}"]
    for name in names:
        try:
            return render_to_string(name, context)
        except TemplateDoesNotExist:
            continue
    raise TemplateDoesNotExist(names[-1])


def compose(
    notification: Notification, payload: dict[str, Any], *, sees_case: bool | None = None
) -> EmailMultiAlternatives:
    """The message telling ``notification``'s recipient. ``sees_case`` says whether they may
    see its case (asked of ``Case.objects.visible_to`` when not given): one who may not (told
    of an RCA only) reads its number and the RCA's link, nothing of the case, no reply address."""
    case = notification.case
    recipient = notification.recipient
    if case is not None and sees_case is None:
        sees_case = Case.objects.visible_to(recipient).filter(pk=case.pk).exists()
    shown = case if sees_case else None
    # The case as the recipient may read it: the same read as the API's and the portal's.
    view = {**case_read(recipient, shown), "customer_name": shown.customer.name} if shown else None
    with translation.override(getattr(recipient, "language", "") or settings.LANGUAGE_CODE):
        headline = str(HEADLINES.get(notification.kind, notification.kind))
        context = {
            "notification": notification,
            "recipient": recipient,
            "case": view,
            "case_number": case.number if case else "",
            "replyable": case is None or shown is not None,
            "headline": headline,
            "payload": payload,
            "case_url": f"{settings.CASEBRIDGE_BASE_URL}/cases/{shown.pk}/" if shown else "",
            "rca_url": f"{settings.CASEBRIDGE_BASE_URL}/rcas/{payload['rca_id']}/"
            if "rca_id" in payload
            else "",
        }
        if shown is not None:
            subject = f"[{shown.number}] {headline}: {shown.title}"
        else:
            subject = f"[{case.number}] {headline}" if case else headline
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
        reply_to=[
            reply_address(
                shown, recipient, reply_audience(notification.kind, payload, shown, recipient)
            )
        ]
        if shown
        else None,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def open_connection() -> Any:
    return get_connection(fail_silently=False)
