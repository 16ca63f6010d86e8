import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casebridge.cases import services
from casebridge.cases.escalation import escalation_readiness
from casebridge.cases.models import Attachment, Comment
from casebridge.cases.uploads import sniff
from casebridge.core.errors import PermissionDenied, ValidationFailed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.mark.parametrize(
    ("name", "head", "family", "ok"),
    [
        ("screen.png", PNG, "png", True),
        ("trace.har", b'{"log": {"entries": []}}', "text", True),
        ("sbc.log", "élan 12:00 ok\n".encode(), "text", True),
        ("report.pdf", b"%PDF-1.7 ...", "pdf", True),
        ("export.docx", b"PK\x03\x04rest", "zip", True),
        ("screen.jpg", PNG, "png", False),
        ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", None, False),
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", None, False),
        ("image.svg", b"<svg onload=alert(1)>", None, False),
        ("notes.log", b"<html><body>hi</body></html>", None, False),
    ],
)
def test_content_is_sniffed_and_the_name_must_agree(name, head, family, ok):
    verdict = sniff(name, head)

    assert verdict.family == family
    assert verdict.allowed is ok


def upload(name, content):
    return SimpleUploadedFile(name, content)


def test_evidence_is_stored_with_its_hash_and_counts_for_the_gate(desk, open_case):
    case = open_case()
    assert "evidence" in escalation_readiness(case, submitter=desk.partner_a_manager).problems

    attachment = services.case_attach(
        actor=desk.partner_a_agent,
        case=case,
        upload=upload("sbc.log", b"INVITE failed 488\n"),
        audience="partner_vendor",
    )

    assert attachment.size == 18
    assert len(attachment.sha256) == 64
    assert attachment.content_type.startswith("text/plain")
    assert "evidence" not in escalation_readiness(case, submitter=desk.partner_a_manager).problems


def test_oversized_and_disallowed_files_are_refused_and_nothing_is_kept(desk, open_case, settings):
    case = open_case()
    settings.CASEBRIDGE_MAX_UPLOAD_BYTES = 10

    with pytest.raises(services.UploadTooLarge) as too_large:
        services.case_attach(
            actor=desk.partner_a_agent,
            case=case,
            upload=upload("a.log", b"x" * 11),
            audience="public",
        )
    settings.CASEBRIDGE_MAX_UPLOAD_BYTES = 1000
    with pytest.raises(services.UnsupportedUpload) as unsupported:
        services.case_attach(
            actor=desk.partner_a_agent,
            case=case,
            upload=upload("a.exe", b"MZ\x90\x00"),
            audience="public",
        )

    assert (too_large.value.status, unsupported.value.status) == (413, 415)
    assert not Attachment.objects.exists()


def test_internal_files_stay_internal(desk, open_case):
    case = open_case()
    internal = services.case_attach(
        actor=desk.partner_a_agent,
        case=case,
        upload=upload("notes.txt", b"internal"),
        audience="partner_internal",
    )
    customer = Client()
    customer.force_login(desk.customer_a_contact)
    partner = Client()
    partner.force_login(desk.partner_a_agent)

    hidden = customer.get(f"/cases/{case.pk}/attachments/{internal.pk}/")
    shown = partner.get(f"/cases/{case.pk}/attachments/{internal.pk}/")

    assert hidden.status_code == 404
    assert shown.status_code == 200
    assert shown["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content) == b"internal"


def test_the_api_answers_413_and_415(desk, open_case, api_as, settings):
    case = open_case()
    settings.CASEBRIDGE_MAX_UPLOAD_BYTES = 100
    client = api_as(desk.partner_a_agent)

    def post(name, content):
        return client.client.post(
            f"/api/v1/cases/{case.pk}/attachments",
            {"audience": "public", "file": upload(name, content)},
            headers=client.headers,
        )

    ok = post("trace.har", b"{}")
    big = post("trace.har", b"{" + b" " * 200 + b"}")
    bad = post("virus.exe", b"MZ\x90\x00")
    other = api_as(desk.partner_b_agent).client.post(
        f"/api/v1/cases/{case.pk}/attachments",
        {"audience": "public", "file": upload("a.txt", b"x")},
        headers=api_as(desk.partner_b_agent).headers,
    )

    assert ok.status_code == 201
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    assert (bad.status_code, bad.json()["code"]) == (415, "unsupported_type")
    assert other.status_code == 404
    assert Attachment.objects.count() == 1


def test_assignment_within_the_working_organisation(desk, open_case):
    case = open_case()

    services.case_assign(
        actor=desk.partner_a_manager,
        case=case,
        engagement="customer",
        assignee=desk.partner_a_agent,
    )
    with pytest.raises(ValidationFailed, match="active colleague"):
        services.case_assign(
            actor=desk.partner_a_manager,
            case=case,
            engagement="customer",
            assignee=desk.vendor_engineer,
        )
    with pytest.raises(PermissionDenied, match="Customer holds"):
        services.case_assign(
            actor=desk.customer_a_contact, case=case, engagement="customer", assignee=None
        )

    case.refresh_from_db()
    assert case.assignee == desk.partner_a_agent


def test_a_reply_carries_its_files_in_one_write(desk, open_case):
    case = open_case()
    log = SimpleUploadedFile("sbc.log", b"INVITE 488\n", content_type="text/plain")
    trace = SimpleUploadedFile("trace.txt", b"trace\n", content_type="text/plain")

    comment = services.case_reply(
        actor=desk.partner_a_agent,
        case=case,
        audience="partner_vendor",
        body="Logs attached.",
        files=[log, trace],
    )

    files = Attachment.objects.filter(case=case).order_by("id")
    assert [(f.original_name, f.audience) for f in files] == [
        ("sbc.log", "partner_vendor"),
        ("trace.txt", "partner_vendor"),
    ]
    assert comment.audience == "partner_vendor"


def test_a_refused_file_refuses_the_whole_reply(desk, open_case):
    case = open_case()
    good = SimpleUploadedFile("notes.txt", b"fine\n", content_type="text/plain")
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    before = Comment.objects.filter(case=case).count()

    with pytest.raises(ValidationFailed) as refused:
        services.case_reply(
            actor=desk.partner_a_agent,
            case=case,
            audience="public",
            body="Two files.",
            files=[good, empty],
        )

    assert refused.value.fields == {"files": ["empty.txt: Empty."]}
    assert Comment.objects.filter(case=case).count() == before
    assert not Attachment.objects.filter(case=case).exists()
    too_many = [SimpleUploadedFile(f"{n}.txt", b"x\n") for n in range(6)]
    with pytest.raises(ValidationFailed, match="not sent"):
        services.case_reply(
            actor=desk.partner_a_agent, case=case, audience="public", body="x", files=too_many
        )
