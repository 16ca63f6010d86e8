from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from casebridge.rasci import selectors, services
from casebridge.rasci.defaults import DEFAULTS_FILE
from casebridge.rasci.models import MatrixVersion


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def test_the_page_renders_both_default_matrices(world, matrices):
    response = signed_in(world.partner_a_agent).get("/rasci/")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="matrix-model_1"' in body
    assert 'data-testid="matrix-model_2"' in body
    assert '<td class="letter letter-RA">A/R</td>' in body


def test_drafts_are_shown_to_the_vendor_with_their_violations(world, matrices):
    draft = services.draft_create(
        actor=world.vendor_admin,
        operating_model=selectors.published_version("model_1").operating_model,
    )
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="vendor",
        letters="A",
    )

    vendor = signed_in(world.vendor_admin).get(f"/rasci/versions/{draft.pk}/")
    partner = signed_in(world.partner_a_agent).get(f"/rasci/versions/{draft.pk}/")

    assert "vendor and partner are both accountable" in vendor.content.decode()
    assert partner.status_code == 404


def test_exports_download(world, matrices):
    version = selectors.published_version("model_1")

    response = signed_in(world.customer_a_contact).get(f"/rasci/versions/{version.pk}/export.md")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="rasci-model_1-v1.md"'
    assert "| case.submit |" in response.content.decode()


def test_a_customers_responsibilities_show_the_people_behind_each_letter(world, matrices):
    response = signed_in(world.partner_a_agent).get(
        f"/organisations/{world.customer_a.pk}/responsibilities/"
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert "Who does what for Customer of A" in body
    assert world.partner_a_manager.full_name in body
    assert world.customer_a_contact.full_name in body


def test_responsibilities_of_another_partners_customer_are_404(world, matrices):
    response = signed_in(world.partner_a_agent).get(
        f"/organisations/{world.customer_b.pk}/responsibilities/"
    )

    assert response.status_code == 404


def test_responsibilities_page_query_budget(world, matrices, django_assert_max_num_queries):
    client = signed_in(world.vendor_admin)

    with django_assert_max_num_queries(14):
        response = client.get(f"/organisations/{world.customer_a.pk}/responsibilities/")

    assert response.status_code == 200


def test_the_vendor_imports_a_csv_from_the_page(world, matrices):
    upload = SimpleUploadedFile("m.csv", DEFAULTS_FILE.read_bytes(), content_type="text/csv")

    response = signed_in(world.vendor_admin).post("/rasci/", {"file": upload}, follow=True)

    assert "Imported model_1 v2 (draft), model_2 v2 (draft)." in response.content.decode()


def test_a_bad_csv_shows_row_and_column_on_the_form_and_writes_nothing(world, matrices):
    text = b"model,code,activity,vendor,partner,customer\nmodel_1,case.submit,Submit,A,A/R,C\n"
    upload = SimpleUploadedFile("bad.csv", text, content_type="text/csv")

    response = signed_in(world.vendor_admin).post("/rasci/", {"file": upload})

    body = response.content.decode()
    assert response.status_code == 422
    assert "row 2, column vendor/partner/customer: vendor and partner are both accountable" in body
    assert MatrixVersion.objects.count() == 2


def test_partners_cannot_import(world, matrices):
    upload = SimpleUploadedFile("m.csv", b"model,code\n", content_type="text/csv")

    response = signed_in(world.partner_a_manager).post("/rasci/", {"file": upload})

    assert response.status_code == 403


def test_publishing_an_invalid_draft_from_the_page_says_why(world, matrices):
    model = selectors.published_version("model_2").operating_model
    draft = services.draft_create(actor=world.vendor_admin, operating_model=model)
    services.draft_set_letters(
        actor=world.vendor_admin,
        version=draft,
        activity_code="case.submit",
        party="customer",
        letters="R",
    )

    response = signed_in(world.vendor_admin).post(
        f"/rasci/versions/{draft.pk}/publish/", follow=True
    )

    assert "model_2 v2 was not published" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft
