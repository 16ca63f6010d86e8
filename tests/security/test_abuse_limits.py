"""Abuse limits: sign-in lockout, API rate limits per token, request size."""

import datetime as dt

import time_machine
from django.test import Client

from tests.factories import PASSWORD


def sign_in(client, email, password):
    return client.post("/login/", {"username": email, "password": password})


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 5
    email = world.partner_a_agent.email
    client = Client()
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as travel:
        for _ in range(5):
            assert sign_in(client, email, "wrong").status_code == 200
        locked = sign_in(client, email, PASSWORD)
        assert locked.status_code == 200
        assert "Too many failed sign-ins" in locked.content.decode()
        assert "_auth_user_id" not in client.session

        other = sign_in(Client(REMOTE_ADDR="10.0.0.9"), world.partner_b_agent.email, PASSWORD)
        assert other.status_code == 302  # another account is not locked

        travel.move_to(start + dt.timedelta(minutes=16))
        assert sign_in(client, email, PASSWORD).status_code == 302


def test_a_successful_sign_in_forgets_earlier_failures(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 3
    email = world.partner_a_agent.email
    client = Client()
    for _ in range(2):
        sign_in(client, email, "wrong")
    assert sign_in(client, email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        sign_in(client, email, "wrong")
    assert sign_in(client, email, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    for email in ("a@x.example", "b@x.example", "c@x.example"):
        sign_in(client, email, "guess")
    blocked = sign_in(client, world.partner_a_agent.email, PASSWORD)
    assert "Too many failed sign-ins" in blocked.content.decode()


def test_the_api_answers_429_with_retry_after_past_the_rate(world, api_as, settings):
    from django.core.cache import cache

    cache.clear()
    settings.CASEBRIDGE_API_RATE_PER_MINUTE = 3
    client = api_as(world.partner_a_agent)
    start = dt.datetime(2026, 6, 15, 9, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as travel:
        codes = [client.get("/api/v1/organisations").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get("/api/v1/organisations")
        assert refused.json()["code"] == "rate_limited"
        assert refused["Retry-After"] == "60"
        other = api_as(world.partner_b_agent).get("/api/v1/organisations")
        assert other.status_code == 200  # per token
        travel.move_to(start + dt.timedelta(seconds=61))
        assert client.get("/api/v1/organisations").status_code == 200


def test_an_oversized_request_body_is_refused(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = api_as(world.partner_a_agent)
    response = client.post("/api/v1/cases", {"title": "x" * 5000})
    assert response.status_code in (400, 413)
