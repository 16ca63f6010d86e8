"""The portal's API tokens page: the signed-in person's own tokens with scopes and expiry,
issuing (secret shown once) and revoking (with what the token issued)."""

import datetime as dt

import time_machine
from django.test import Client

from casebridge.parties.models import ApiToken
from casebridge.parties.tokens import api_token_create
from tests.factories import PASSWORD

TODAY = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.email, password=PASSWORD)
    return client


def test_the_page_lists_only_ones_own_tokens_with_scopes_and_expiry(
    world, django_assert_max_num_queries
):
    with time_machine.travel(TODAY, tick=False):
        parent, _ = api_token_create(
            actor=world.partner_a_agent, name="ci", scopes=["read", "write"]
        )
        api_token_create(actor=world.partner_a_agent, name="child", minted_by=parent)
        api_token_create(actor=world.partner_b_agent, name="someone else's", scopes=["read"])
        client = signed_in(world.partner_a_agent)

        with django_assert_max_num_queries(8):
            page = client.get("/api-tokens/")

    text = page.content.decode()
    assert page.status_code == 200
    assert "Read, Write" in text
    assert "token ci" in text  # who issued the child
    assert "Sun 13 Sep 2026" in text  # 90 days on
    assert "someone else" not in text


def test_issuing_shows_the_secret_once_and_field_errors_on_their_fields(world):
    client = signed_in(world.partner_a_agent)

    issued = client.post(
        "/api-tokens/new/", {"name": "desk", "scopes": ["exchange", "write"]}, follow=True
    )
    refused = client.post(
        "/api-tokens/new/", {"name": "desk", "scopes": ["read"], "expires_at": "2020-01-01"}
    )

    token = ApiToken.objects.get(person=world.partner_a_agent)
    assert token.scopes == ["write", "exchange"]
    assert f"cb_{token.prefix}_" in issued.content.decode()
    assert refused.status_code == 422
    assert b'data-field="expires_at"' in refused.content
    assert ApiToken.objects.count() == 1


def test_revoking_takes_the_tokens_it_issued_along_and_others_tokens_are_404(world):
    parent, _ = api_token_create(actor=world.partner_a_agent, name="ci", scopes=["read", "write"])
    child, _ = api_token_create(actor=world.partner_a_agent, name="child", minted_by=parent)
    foreign, _ = api_token_create(actor=world.partner_b_agent, name="b")
    client = signed_in(world.partner_a_agent)

    assert client.post(f"/api-tokens/{foreign.pk}/revoke/").status_code == 404
    assert client.post(f"/api-tokens/{parent.pk}/revoke/").status_code == 302

    revoked = set(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))
    assert revoked == {parent.pk, child.pk}


def test_anonymous_visitors_are_sent_to_sign_in(db):
    assert Client().get("/api-tokens/").status_code == 302
    assert Client().post("/api-tokens/new/", {"name": "x"}).status_code == 302
