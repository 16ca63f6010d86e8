"""Abuse limits: sign-in lockout, API rate limits per token, request size."""

import datetime as dt

import pytest
import time_machine
from django.test import Client, RequestFactory

from casebridge.core.clients import address_key, client_address
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
        assert (locked.status_code, locked["Retry-After"]) == (429, str(15 * 60))
        assert "Too many failed sign-ins. Try again in 15 minute(s)." in locked.content.decode()
        assert "_auth_user_id" not in client.session

        other = sign_in(Client(REMOTE_ADDR="10.0.0.9"), world.partner_b_agent.email, PASSWORD)
        assert other.status_code == 302  # another account is not locked

        travel.move_to(start + dt.timedelta(minutes=16))
        assert sign_in(client, email, PASSWORD).status_code == 302


def test_an_account_locked_from_one_address_still_opens_from_another(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES = 5
    email = world.vendor_admin.email
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(8):
        sign_in(attacker, email, "guess")

    assert sign_in(attacker, email, PASSWORD).status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.4"), email, PASSWORD).status_code == 302


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


def test_failing_with_random_names_cannot_lock_out_the_vendor_admin(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = 50
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for number in range(60):
            sign_in(attacker, f"random{number}@vendor.example", "guess")

        assert sign_in(attacker, world.partner_a_agent.email, PASSWORD).status_code == 429
        admin = sign_in(Client(REMOTE_ADDR="198.51.100.4"), world.vendor_admin.email, PASSWORD)
        assert admin.status_code == 302


def test_an_address_past_its_limit_waits_longer_after_each_failure_then_signs_in(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    settings.CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS = 4
    client = Client(REMOTE_ADDR="203.0.113.7")
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    waits = []
    with time_machine.travel(start, tick=False) as travel:
        for number in range(3):
            assert sign_in(client, f"n{number}@x.example", "guess").status_code == 200
        moment = start
        for number in range(4):
            assert sign_in(client, f"m{number}@x.example", "guess").status_code == 200
            refused = sign_in(client, world.partner_a_agent.email, PASSWORD)
            assert refused.status_code == 429
            waits.append(int(refused["Retry-After"]))
            moment += dt.timedelta(seconds=waits[-1])
            travel.move_to(moment)

        assert waits == [1, 2, 4, 4]  # doubling, capped by CASEBRIDGE_LOGIN_MAX_DELAY_SECONDS
        assert sign_in(client, world.partner_a_agent.email, PASSWORD).status_code == 302


def test_an_account_guessed_from_many_addresses_is_slowed_down_not_locked(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ACCOUNT = 3
    email = world.partner_a_agent.email
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as travel:
        for number in range(4):
            sign_in(Client(REMOTE_ADDR=f"192.0.2.{number + 1}"), email, "guess")

        refused = sign_in(Client(REMOTE_ADDR="198.51.100.4"), email, PASSWORD)
        assert (refused.status_code, refused["Retry-After"]) == (429, "1")
        travel.move_to(start + dt.timedelta(seconds=1))
        assert sign_in(Client(REMOTE_ADDR="198.51.100.4"), email, PASSWORD).status_code == 302


def test_signing_in_to_ones_own_account_does_not_clear_the_addresss_failures(world, settings):
    settings.CASEBRIDGE_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    client = Client(REMOTE_ADDR="203.0.113.7")
    start = dt.datetime(2026, 6, 15, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False) as travel:
        for number in range(4):
            sign_in(client, f"n{number}@x.example", "guess")
        travel.move_to(start + dt.timedelta(seconds=1))
        assert sign_in(client, world.partner_b_agent.email, PASSWORD).status_code == 302
        client.logout()
        sign_in(client, "again@x.example", "guess")

        assert sign_in(client, world.partner_a_agent.email, PASSWORD)["Retry-After"] == "2"


def test_a_very_long_user_name_is_a_failed_sign_in_not_an_error(world):
    response = sign_in(Client(), "x" * 240 + "@example.com", "guess")

    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client"),
    [
        (0, "203.0.113.7", "10.9.9.9", "203.0.113.7"),  # no proxy: the header is anyone's
        (1, "10.0.0.2", "10.9.9.9, 198.51.100.4", "198.51.100.4"),
        (1, "10.0.0.2", "198.51.100.4", "198.51.100.4"),
        (2, "10.0.0.2", "10.9.9.9, 198.51.100.4, 10.0.0.1", "198.51.100.4"),
        (2, "10.0.0.2", "198.51.100.4", "10.0.0.2"),  # fewer hops than proxies: the connection
        (1, "10.0.0.2", "", "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "198.51.100.4:51234", "198.51.100.4"),
        (1, "10.0.0.2", "[2001:db8::7]:443", "2001:db8::7"),
    ],
    ids=lambda value: str(value),
)
def test_the_client_address_is_read_through_the_trusted_proxies(
    settings, proxies, remote, forwarded, client
):
    settings.CASEBRIDGE_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == client


def test_ipv6_clients_count_per_64_network():
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:198.51.100.4") == "198.51.100.4"
    assert address_key("198.51.100.4") == "198.51.100.4"


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


def test_tokens_issued_by_a_token_share_its_rate(world, settings):
    from django.core.cache import cache

    from casebridge.parties.tokens import api_token_create

    cache.clear()
    settings.CASEBRIDGE_API_RATE_PER_MINUTE = 4
    parent, raw = api_token_create(actor=world.partner_a_agent, name="ci", scopes=["read", "write"])
    children = [
        api_token_create(actor=world.partner_a_agent, name=f"c{n}", minted_by=parent)[1]
        for n in range(3)
    ]
    start = dt.datetime(2026, 6, 15, 9, 0, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        codes = [
            Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/me").status_code
            for token in [raw, *children, raw]
        ]

    assert codes == [200, 200, 200, 200, 429]  # one line of tokens, one budget


def test_an_oversized_request_body_is_refused(world, api_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = api_as(world.partner_a_agent)
    response = client.post("/api/v1/cases", {"title": "x" * 5000})
    assert response.status_code in (400, 413)
