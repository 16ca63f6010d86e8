"""The API of invitations and the second-factor policy, with the {detail, code, fields}
contract and their query budgets."""

from casebridge.identity.models import Invitation


def test_invitations_through_the_api(world, api_as, mailoutbox, django_capture_on_commit_callbacks):
    client = api_as(world.vendor_admin)

    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(
            "/api/v1/invitations",
            {
                "organisation_id": world.partner_a.pk,
                "email": "Lead@A.example",
                "full_name": "Lea Lead",
                "roles": ["admin"],
            },
        )
    body = created.json()
    resent = client.post(f"/api/v1/invitations/{body['id']}/resend")
    revoked = client.post(f"/api/v1/invitations/{body['id']}/revoke")
    listed = client.get("/api/v1/invitations", state="revoked")

    assert created.status_code == 201
    assert (body["email"], body["roles"], body["state"]) == ("lead@a.example", ["admin"], "pending")
    assert body["accept_url"].split("/join/")[1].strip("/") in mailoutbox[0].body
    assert resent.status_code == 200
    assert resent.json()["sent_count"] == 2
    assert resent.json()["accept_url"] != body["accept_url"]
    assert revoked.json()["state"] == "revoked"
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]


def test_a_bad_invitation_answers_422_with_every_field(world, api_as):
    answer = api_as(world.partner_a_manager).post(
        "/api/v1/invitations",
        {
            "organisation_id": world.partner_a.pk,
            "email": "nope",
            "full_name": "",
            "roles": ["boss"],
        },
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_failed"
    assert sorted(answer.json()["fields"]) == ["email", "full_name", "roles"]
    assert not Invitation.objects.exists()


def test_an_invisible_organisation_is_a_field_error(world, api_as):
    answer = api_as(world.partner_a_manager).post(
        "/api/v1/invitations",
        {
            "organisation_id": world.partner_b.pk,
            "email": "x@b.example",
            "full_name": "X",
            "roles": ["agent"],
        },
    )

    assert (answer.status_code, list(answer.json()["fields"])) == (422, ["organisation_id"])


def test_the_invitation_list_pins_its_queries(world, api_as, django_assert_max_num_queries):
    client = api_as(world.vendor_admin)
    for number in range(12):
        client.post(
            "/api/v1/invitations",
            {
                "organisation_id": world.partner_a.pk,
                "email": f"p{number}@a.example",
                "full_name": "P",
                "roles": ["agent"],
            },
        )

    with django_assert_max_num_queries(8):
        listed = client.get("/api/v1/invitations")

    assert listed.json()["count"] == 12


def test_the_second_factor_policy_through_the_api(world, api_as):
    admin = world.customer_direct_admin

    answer = api_as(admin).put(
        f"/api/v1/organisations/{world.customer_direct.pk}/sign-in-policy",
        {"require_second_factor": True},
    )
    refused = api_as(world.partner_a_manager).put(
        f"/api/v1/organisations/{world.partner_a.pk}/sign-in-policy",
        {"require_second_factor": True},
    )

    assert answer.json() == {
        "organisation_id": world.customer_direct.pk,
        "require_second_factor": True,
    }
    assert refused.status_code == 403
