from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casebridge.cases.models import Attachment, Case, Comment


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_a_customer_opens_a_case_from_the_form(desk):
    desk.vendor.helpdesk_phone = "+31205550100"
    desk.vendor.save()
    client = signed_in(desk.customer_a_contact)

    bad = client.post(
        "/cases/new/",
        {
            "customer": desk.customer_a.pk,
            "title": "",
            "description": "x",
            "category": "incident",
            "impact": "low",
            "urgency": "low",
        },
    )
    good = client.post(
        "/cases/new/",
        {
            "customer": desk.customer_a.pk,
            "title": "Down",
            "description": "x",
            "category": "incident",
            "impact": "high",
            "urgency": "high",
        },
    )

    assert bad.status_code == 422
    assert 'data-field="title"' in bad.content.decode()
    assert good.status_code == 302
    case = Case.objects.get()
    page = client.get(good.url).content.decode()
    assert case.priority == "P1"
    assert 'data-testid="p1-line"' in page
    assert "+31 20 555 0100" in page


def test_case_pages_of_other_organisations_are_404(desk, open_case):
    case = open_case()

    assert signed_in(desk.partner_b_agent).get(f"/cases/{case.pk}/").status_code == 404
    assert (
        signed_in(desk.customer_b_contact)
        .post(f"/cases/{case.pk}/comments/", {"audience": "public", "body": "x"})
        .status_code
        == 404
    )
    assert signed_in(desk.vendor_engineer).get(f"/cases/{case.pk}/").status_code == 404
    assert not Comment.objects.exists()


def test_only_the_allowed_actions_are_offered(desk, open_case):
    case = open_case()

    agent_page = signed_in(desk.partner_a_agent).get(f"/cases/{case.pk}/").content.decode()
    customer_page = signed_in(desk.customer_a_contact).get(f"/cases/{case.pk}/").content.decode()

    assert "Take into triage" in agent_page
    assert "Take into triage" not in customer_page


def test_a_stale_button_shows_the_conflict(desk, open_case):
    case = open_case()
    client = signed_in(desk.partner_a_agent)
    client.post(f"/cases/{case.pk}/actions/triage/", {"revision": "1"})

    response = client.post(f"/cases/{case.pk}/actions/start/", {"revision": "1"})

    assert response.status_code == 412
    assert "changed since you read it" in response.content.decode()


def test_the_customer_page_hides_internal_messages(desk, open_case):
    case = open_case()
    signed_in(desk.partner_a_agent).post(
        f"/cases/{case.pk}/comments/", {"audience": "partner_internal", "body": "internal note"}
    )
    signed_in(desk.partner_a_agent).post(
        f"/cases/{case.pk}/comments/", {"audience": "public", "body": "hello customer"}
    )

    page = signed_in(desk.customer_a_contact).get(f"/cases/{case.pk}/").content.decode()

    assert "hello customer" in page
    assert "internal note" not in page


def test_autosave_returns_the_checklist_and_keeps_the_revisions_in_step(desk, open_case):
    case = open_case()
    client = signed_in(desk.partner_a_agent)
    client.post(f"/cases/{case.pk}/actions/start/", {"revision": "1"})

    response = client.post(
        f"/cases/{case.pk}/details/",
        {"revision": "2", "expected_behaviour": "Calls connect", "frequency": ""},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="details-revision" value="3" hx-swap-oob="true"' in body
    assert Case.objects.get(pk=case.pk).expected_behaviour == "Calls connect"


def test_queue_page_query_budget(desk, open_case, django_assert_max_num_queries):
    for _ in range(10):
        open_case()
    client = signed_in(desk.partner_a_agent)

    with django_assert_max_num_queries(10):
        response = client.get("/cases/")

    assert response.status_code == 200


def test_the_queue_pages_by_cursor_and_never_counts_the_whole_queue(desk, open_case, monkeypatch):
    import re

    from casebridge.ui.views import cases as case_views

    monkeypatch.setattr(case_views, "PAGE_SIZE", 2)
    opened = {open_case(impact=level, urgency=level).number for level in ("low", "high", "medium")}
    client = signed_in(desk.partner_a_agent)

    first = client.get("/cases/", {"sort": "due", "priority": ""}).content.decode()
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = client.get(f"/cases/?{next_link}").content.decode()
    stale = client.get("/cases/", {"sort": "due", "cursor": "bm90LWEtY3Vyc29y"})

    numbers = set(re.findall(r">(CB-\d{4}-\d+)</a>", first + second))
    assert numbers == opened
    assert 'rel="next"' not in second
    assert "First page" in second
    assert "sort=due" in next_link
    assert stale.status_code == 200
    assert "out of date" in stale.content.decode()


def test_the_vendor_queue_shows_its_model_2_desk_and_narrows_to_escalations(desk, open_case):
    direct = open_case(actor=desk.customer_direct_admin, customer=desk.customer_direct)
    client = signed_in(desk.vendor_engineer)

    everything = client.get("/cases/").content.decode()
    escalations = client.get("/cases/", {"engagement": "vendor"}).content.decode()

    assert direct.number in everything
    assert direct.number not in escalations


def test_the_composer_sends_a_message_with_its_files(desk, open_case):
    case = open_case()
    client = Client()
    client.force_login(desk.partner_a_agent)

    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    sent = client.post(
        f"/cases/{case.pk}/comments/",
        {
            "audience": "public",
            "body": "Here is the log.",
            "files": [SimpleUploadedFile("dialer.log", b"line\n", content_type="text/plain")],
        },
    )
    assert sent.status_code == 302
    assert [a.original_name for a in Attachment.objects.filter(case=case)] == ["dialer.log"]

    refused = client.post(
        f"/cases/{case.pk}/comments/",
        {"audience": "public", "body": "Empty one.", "files": [SimpleUploadedFile("e.txt", b"")]},
    )
    assert refused.status_code == 422
    assert 'data-field="files"' in refused.content.decode()
