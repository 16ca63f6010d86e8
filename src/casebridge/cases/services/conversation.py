"""Messages, files and phone follow-ups on a case."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from casebridge.cases import events, search, workflow
from casebridge.cases.audiences import writable_audiences
from casebridge.cases.choices import (
    Audience,
    CustomerStatus,
    EngagementKind,
)
from casebridge.cases.models import (
    Attachment,
    Case,
    Comment,
    Engagement,
    PhoneFollowUp,
)
from casebridge.cases.querysets import audiences_for
from casebridge.cases.services._comments import add_comment
from casebridge.cases.services._common import UnsupportedUpload, UploadTooLarge
from casebridge.cases.services.opening import case_open
from casebridge.cases.services.transitions import Step, perform, reopen_window_open
from casebridge.cases.services.writing import NEW_REVISION, CaseWrite, case_write
from casebridge.cases.uploads import SNIFF_BYTES, sniff
from casebridge.core import clock
from casebridge.core.errors import (
    DomainError,
    PermissionDenied,
    ValidationFailed,
)
from casebridge.core.validation import Errors, clean_choice, clean_multiline, one_line
from casebridge.parties.choices import OrganisationKind
from casebridge.parties.models import AuthorisedSubmitter, Person
from casebridge.parties.phones import normalise_phone
from casebridge.rasci import policy


def case_comment(
    *, actor: Person, case: Case, audience: str, body: str, expected_revision: int | None = None
) -> Comment:
    """Add a message for an audience the actor's party may write to."""
    with case_write(case, actor=actor, expected_revision=expected_revision) as write:
        return _comment(write, audience, body)


def _comment(write: CaseWrite, audience: str, body: str) -> Comment:
    case, actor = write.case, write.actor
    assert actor is not None
    partner_in_between = case.partner_id is not None
    errors = Errors()
    clean_choice(audience, Audience, errors, "audience")
    if "audience" not in errors and audience not in audiences_for(
        actor, partner_in_between=partner_in_between
    ):
        errors.add("audience", "Your organisation cannot write to this audience.")
    clean_multiline(
        body, errors, "body", max_length=50_000, required=True, required_message="Write something."
    )
    errors.raise_if_any("The message was not added.")
    if audience == Audience.PUBLIC and actor.organisation.kind != OrganisationKind.CUSTOMER:
        # Writing to the customer is the customer.communicate activity: in model 1 the vendor
        # holds I for it and so never writes to the customer directly.
        decision = policy.decide(
            actor, "customer.communicate", case.customer, version=case.matrix_version
        )
        if not decision.may_contribute:
            raise PermissionDenied(decision.reason)
    by_customer = actor.organisation_id == case.customer_id
    # Only the customer's own message moves its engagement, and only from these two states
    # (the case row copies the state: a message from anyone else reads no engagement).
    moves = by_customer and case.customer_status in (
        CustomerStatus.CLOSED,
        CustomerStatus.WAITING_ON_CUSTOMER,
    )
    customer_side = write.engagement(EngagementKind.CUSTOMER) if moves else None
    if customer_side is not None and customer_side.status == CustomerStatus.CLOSED:
        return _reply_to_closed(write, customer_side, audience, body)
    comment = add_comment(write, audience, body)
    if customer_side is not None and customer_side.status == CustomerStatus.WAITING_ON_CUSTOMER:
        before = write.move(customer_side, CustomerStatus.IN_PROGRESS)
        write.record(
            "status_followed",
            engagement=EngagementKind.CUSTOMER,
            before={"status": before},
            after={"status": CustomerStatus.IN_PROGRESS, "why": "the customer replied"},
        )
    return comment


def _reply_to_closed(
    write: CaseWrite, customer_side: Engagement, audience: str, body: str
) -> Comment:
    """Closed means closed: the customer's reply reopens the case within the reopen window (the
    system's step, so the whole desk is alerted), and after it opens a follow-up case linked to
    the old one, where the message lands. ``comment.outcome`` and an outbox event tell which."""
    case, actor = write.case, write.actor
    assert actor is not None
    if reopen_window_open(customer_side):
        transition = workflow.transition_for(
            EngagementKind.CUSTOMER, customer_side.status, "reopen"
        )
        perform(Step(write, transition, customer_side, "the customer replied"))
        comment = add_comment(write, audience, body)
        write.emit(
            transition.event,
            {
                "case_id": case.pk,
                "number": case.number,
                "revision": NEW_REVISION,
                "priority": case.priority,
                "actor_id": None,
                "on_reply_of": actor.pk,
            },
        )
        landing, outcome = case, "reopened"
    else:
        landing, _ = case_open(
            actor=actor,
            customer=case.customer,
            title=f"Follow-up to {case.number}: {case.title}"[:200],
            description=f"Follow-up to {case.number} “{case.title}”, written after it was closed.",
            category=case.category,
            impact=case.impact,
            urgency=case.urgency,
            component=case.component_id,
            version=case.version,
            follow_up_of=case,
        )
        write.record(
            "follow_up_opened",
            after={"case_id": landing.pk, "number": landing.number},
        )
        with case_write(landing, actor=actor, expected_revision=None) as landing_write:
            comment = add_comment(landing_write, audience, body)
        outcome = "follow_up"
    write.emit(
        events.REPLY_ON_CLOSED,
        {
            "case_id": landing.pk,
            "number": landing.number,
            "closed_case_id": case.pk,
            "closed_number": case.number,
            "outcome": outcome,
            "person_id": actor.pk,
        },
    )
    comment.outcome = outcome  # type: ignore[attr-defined]
    return comment


def case_log_phone_call(
    *,
    actor: Person,
    case: Case,
    caller_number: str,
    summary: str,
    called_at: dt.datetime | None = None,
) -> PhoneFollowUp:
    """Log a follow-up call on the 24x7 line (activity ``case.p1_follow_up``)."""
    with case_write(case, actor=actor, expected_revision=None, clocks=False) as write:
        return _log_phone_call(write, caller_number, summary, called_at)


def _log_phone_call(
    write: CaseWrite, caller_number: str, summary: str, called_at: dt.datetime | None
) -> PhoneFollowUp:
    case, actor = write.case, write.actor
    assert actor is not None
    decision = policy.decide(actor, "case.p1_follow_up", case.customer, version=case.matrix_version)
    if not decision.may_contribute:
        raise PermissionDenied(decision.reason)
    errors = Errors()
    try:
        number = normalise_phone(caller_number, field="caller_number")
    except ValidationFailed as error:
        errors.extend(error.fields)
        number = ""
    summary = clean_multiline(
        summary,
        errors,
        "summary",
        max_length=5000,
        required=True,
        required_message="Summarise the call.",
    )
    moment = called_at or clock.now()
    if moment > clock.now() + dt.timedelta(minutes=5):
        errors.add("called_at", "A call cannot be in the future.")
    errors.raise_if_any("The call was not logged.")
    submitter = (
        AuthorisedSubmitter.objects.filter(phone=number, active=True)
        .select_related("person")
        .first()
    )
    call = PhoneFollowUp.objects.create(
        case=case,
        caller=submitter.person if submitter else None,
        caller_number=number,
        called_at=moment,
        summary=summary,
        logged_by=actor,
    )
    write.record(
        "phone_call",
        audience=Audience.PARTNER_VENDOR,
        after={"caller_number": number, "call_id": call.pk},
    )
    return call


def _file_name(name: str | None) -> str:
    """The name a file is kept and offered under: its last path part, one line (a name with a
    line break would break the download's Content-Disposition header), at most 255 long."""
    return one_line(PurePath(name or "").name)[:255] or "file"


def case_attach(*, actor: Person, case: Case, upload: UploadedFile, audience: str) -> Attachment:
    """Store evidence for an audience; size and sniffed type are checked before anything is kept."""
    with case_write(case, actor=actor, expected_revision=None, clocks=False) as write:
        return _attach(write, upload, audience)


def _attach(write: CaseWrite, upload: UploadedFile, audience: str) -> Attachment:
    case, actor = write.case, write.actor
    assert actor is not None
    if audience not in writable_audiences(actor, case):
        raise ValidationFailed(
            "The file was not attached.",
            fields={"audience": "Your organisation cannot share with this audience."},
        )
    limit = settings.CASEBRIDGE_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise UploadTooLarge(
            f"The file is larger than {limit // (1024 * 1024)} MiB.",
            fields={"file": f"At most {limit} bytes."},
        )
    if upload.size == 0:
        raise ValidationFailed("The file is empty.", fields={"file": "Empty."})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    verdict = sniff(upload.name or "", head)
    if not verdict.allowed:
        raise UnsupportedUpload(verdict.problem, fields={"file": verdict.problem})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        case=case,
        uploaded_by=actor,
        audience=audience,
        original_name=_file_name(upload.name),
        content_type=verdict.content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        created_at=clock.now(),
    )
    attachment.file.save(attachment.original_name, upload, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.delete(save=False)  # never keep a file without its row
        raise
    search.index_attachment(attachment)
    write.record(
        "attached",
        audience=audience,
        after={"attachment_id": attachment.pk, "name": attachment.original_name},
    )
    return attachment


#: The most files one reply may carry.
MAX_REPLY_FILES = 5


def case_reply(
    *,
    actor: Person,
    case: Case,
    audience: str,
    body: str,
    files: Sequence[UploadedFile] = (),
    expected_revision: int | None = None,
) -> Comment:
    """A message with its files, in one write: the message as :func:`case_comment` adds it
    (reopening or following up a closed case), each file attached for the same audience to the
    case the message landed on. Any refused file refuses the whole reply, nothing kept."""
    if len(files) > MAX_REPLY_FILES:
        raise ValidationFailed(
            "The message was not sent.",
            fields={"files": f"At most {MAX_REPLY_FILES} files in one reply ({len(files)} given)."},
        )
    with case_write(case, actor=actor, expected_revision=expected_revision) as write:
        comment = _comment(write, audience, body)
        kept: list[Attachment] = []
        try:
            for upload in files:
                try:
                    if comment.case_id == write.case.pk:
                        kept.append(_attach(write, upload, audience))
                    else:  # the message opened a follow-up case: its files go there too
                        kept.append(
                            case_attach(
                                actor=actor, case=comment.case, upload=upload, audience=audience
                            )
                        )
                except DomainError as refused:
                    # The reply's field is its files: say which one and why.
                    name = _file_name(upload.name)
                    problems = [p for found in refused.fields.values() for p in found]
                    raise ValidationFailed(
                        "The message was not sent.",
                        fields={"files": [f"{name}: {p}" for p in problems or [refused.detail]]},
                    ) from refused
        except Exception:
            for attachment in kept:  # the rows roll back; their stored files go with them
                attachment.file.delete(save=False)
            raise
    return comment
