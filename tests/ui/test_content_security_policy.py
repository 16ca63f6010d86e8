"""The Content-Security-Policy: every HTML page sends it, and no template of a web page holds
what it would block (inline script or style, event handler attributes, javascript: links), so
the policy can stay strict. In a real browser: tests/browser (no violation may be logged)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

import casebridge

SOURCE = Path(casebridge.__file__).parent
#: Templates of web pages; e-mail bodies are not pages (mail clients want inline styles).
PAGE_TEMPLATES = sorted(
    path
    for path in SOURCE.rglob("templates/**/*.html")
    if "templates/notifications/email" not in path.as_posix()
)
BLOCKED = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "javascript: link": re.compile(r"javascript:", re.I),
    "htmx code": re.compile(r"\shx-on[:-]|js:", re.I),
}


def test_there_are_page_templates_to_check():
    assert len(PAGE_TEMPLATES) >= 29


@pytest.mark.parametrize("template", PAGE_TEMPLATES, ids=lambda p: str(p.relative_to(SOURCE)))
def test_a_page_template_holds_nothing_the_policy_blocks(template):
    text = template.read_text(encoding="utf-8")

    found = {what: pattern.findall(text) for what, pattern in BLOCKED.items()}

    assert {what: hits for what, hits in found.items() if hits} == {}


@pytest.mark.parametrize("path", ["/login/", "/api/docs", "/accounts/password/reset/"])
def test_pages_send_the_policy(db, path):
    response = Client().get(path)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == settings.CASEBRIDGE_CONTENT_SECURITY_POLICY
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert (policy["script-src"], policy["style-src"], policy["frame-ancestors"]) == (
        "'self'",
        "'self'",
        "'none'",
    )


def test_signed_in_portal_pages_send_the_policy(desk):
    client = Client()
    client.force_login(desk.partner_a_manager)

    for path in ("/cases/", f"/organisations/{desk.partner_a.pk}/", "/installed-base/", "/rcas/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response["Content-Security-Policy"], path


def test_a_download_keeps_its_own_sandbox_and_json_gets_no_page_policy(desk, open_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casebridge.cases import services

    case = open_case()
    attachment = services.case_attach(
        actor=desk.customer_a_contact,
        case=case,
        upload=SimpleUploadedFile("notes.txt", b"plain text", "text/plain"),
        audience="public",
    )
    client = Client()
    client.force_login(desk.customer_a_contact)

    download = client.get(f"/cases/{case.pk}/attachments/{attachment.pk}/")
    health = client.get("/healthz")

    assert download["Content-Security-Policy"] == "sandbox"
    assert "Content-Security-Policy" not in health


def _partner_a_signs_on_at(desk, issuer):
    from casebridge.identity.services import single_sign_on_configure

    return single_sign_on_configure(
        actor=desk.vendor_admin,
        organisation=desk.partner_a,
        protocol="oidc",
        issuer=issuer,
        client_id="casebridge",
        client_secret="s3cret",
        allowed_domains=["a.example"],
    )


def _form_action(response) -> str:
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return policy["form-action"]


def test_a_form_that_starts_a_sign_in_may_lead_to_the_identity_provider_and_nowhere_else(desk):
    """Signing in through an organisation's provider posts a form that is answered with a
    redirect to the provider: the browser checks that redirect against ``form-action``."""
    _partner_a_signs_on_at(desk, "https://login.partner-a.example/realms/a")

    sign_in = Client().get("/login/")
    confirm = Client().get("/accounts/oidc/org-partner-a/login/")
    elsewhere = Client().get("/accounts/password/reset/")

    assert _form_action(sign_in) == "'self' https://login.partner-a.example"
    assert _form_action(confirm) == "'self' https://login.partner-a.example"
    assert _form_action(elsewhere) == "'self'"
