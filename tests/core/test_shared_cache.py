"""The shared cache of a cluster: one rate budget per token across processes, what happens while
Redis is away, shared versions for process caches, and sessions with the cache in front."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.test import Client, override_settings

from casebridge.config.settings import cache_config
from casebridge.core import caching, throttle

MINUTE = dt.timedelta(minutes=1)
START = dt.datetime(2026, 6, 15, 9, 0, 5, tzinfo=dt.UTC)


def redis_cache(url: str) -> RedisCache:
    """A cache client of its own (its own connection pool): another process, as far as the
    cache can tell."""
    config = cache_config(url, timeout_ms=250, prefix="casebridge")["default"]
    return RedisCache(config["LOCATION"], {"KEY_PREFIX": "casebridge", **config})


def hits(monkeypatch, stores: list, count: int, key: str) -> list[int]:
    """``count`` requests of one token, handed to the stores in turn (the web processes)."""
    waits = []
    for number in range(count):
        monkeypatch.setattr(throttle, "cache", stores[number % len(stores)])
        waits.append(throttle.hit(key, limit=3, window=MINUTE))
    return waits


@time_machine.travel(START, tick=False)
def test_processes_that_share_redis_share_one_budget(redis_server, monkeypatch):
    processes = [redis_cache(redis_server.url), redis_cache(redis_server.url)]

    waits = hits(monkeypatch, processes, 6, "api:shared")

    assert waits == [0, 0, 0, 55, 55, 55]


@time_machine.travel(START, tick=False)
def test_processes_with_a_cache_each_count_a_budget_each():
    """Why a cluster needs the shared cache: the single-node default counts per process."""
    processes = [LocMemCache("process-a", {}), LocMemCache("process-b", {})]
    monkeypatch = pytest.MonkeyPatch()
    try:
        waits = hits(monkeypatch, processes, 6, "api:local")
    finally:
        monkeypatch.undo()

    assert waits == [0, 0, 0, 0, 0, 0]


@time_machine.travel(START, tick=False)
def test_while_redis_is_away_the_budget_counts_in_the_process(redis_server, monkeypatch):
    shared = redis_cache(redis_server.url)
    monkeypatch.setattr(throttle, "cache", shared)
    caches["local"].clear()
    assert throttle.hit("api:outage", limit=3, window=MINUTE) == 0

    redis_server.kill()
    during = [throttle.hit("api:outage", limit=3, window=MINUTE) for _ in range(4)]
    redis_server.start()  # back, and empty: the shared count starts again
    after = [throttle.hit("api:outage", limit=3, window=MINUTE) for _ in range(4)]

    assert during == [0, 0, 0, 55]  # no error, and still a limit: this process's own
    assert after == [0, 0, 0, 55]


def test_a_shared_version_holds_until_bumped_and_a_lost_key_means_reload(settings):
    settings.CASEBRIDGE_CACHE_URL = ""
    caches["default"].clear()

    first = caching.shared_version("policy")
    again = caching.shared_version("policy")
    caching.shared_version_bump("policy")
    bumped = caching.shared_version("policy")
    caches["default"].clear()  # a cache restart, an eviction
    lost = caching.shared_version("policy")

    assert first == again
    assert bumped != first
    assert lost not in {first, bumped}


def test_without_the_cache_every_reader_reloads(redis_server, settings):
    url = redis_server.url
    with override_settings(
        CACHES=cache_config(url, timeout_ms=250, prefix="casebridge"), CASEBRIDGE_CACHE_URL=url
    ):
        caching.shared_version_bump("policy")
        up = {caching.shared_version("policy") for _ in range(3)}
        redis_server.kill()
        down = {caching.shared_version("policy") for _ in range(3)}
        caching.shared_version_bump("policy")  # no error either

    assert len(up) == 1
    assert len(down) == 3
    assert not down & up


def test_a_shared_cache_must_be_redis():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="CASEBRIDGE_CACHE_URL must be a redis://"):
        cache_config("memcached://127.0.0.1:11211", timeout_ms=250, prefix="x")
    assert cache_config("", timeout_ms=250, prefix="x")["default"]["BACKEND"].endswith(
        "LocMemCache"
    )


@pytest.fixture
def cached_sessions(redis_server, settings):
    url = redis_server.url
    with override_settings(
        CACHES=cache_config(url, timeout_ms=250, prefix="casebridge"),
        CASEBRIDGE_CACHE_URL=url,
        SESSION_ENGINE="casebridge.core.sessions",
        CASEBRIDGE_SESSION_CACHE_SECONDS=120,
    ):
        yield redis_server


def me(client: Client) -> int:
    return client.get("/api/v1/me").status_code


def test_a_session_copy_in_the_cache_lives_a_short_while(world, cached_sessions):
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX

    client = Client()
    client.force_login(world.partner_a_agent)
    cache = caches["default"]
    key = cache.make_key(KEY_PREFIX + client.session.session_key)
    ttl = cache._cache.get_client(key).ttl(key)

    assert me(client) == 200
    assert 0 < ttl <= 120  # not the session's two weeks


def test_sessions_survive_redis_going_away_and_sign_out_still_holds(world, cached_sessions):
    client = Client()
    client.force_login(world.partner_a_agent)
    assert me(client) == 200

    cached_sessions.kill()
    during = me(client)  # read from the database
    signed_out = client.post("/logout/").status_code
    after_sign_out = me(client)
    cached_sessions.start()

    assert during == 200
    assert signed_out == 302
    assert after_sign_out == 401
    assert me(client) == 401
