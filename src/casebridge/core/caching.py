"""The cache every node shares (Redis when ``CASEBRIDGE_CACHE_URL`` is set) and what survives its
loss. Nothing durable lives in it: a restart or an outage of the cache costs counts and copies,
never data, and no request fails for it (:data:`CACHE_ERRORS` are what its callers catch).

Shared versions serve process caches that must hear of a change made on another node: a reader
keeps what it loaded with the version it saw, and reloads when :func:`shared_version` answers
something else. A version is a random token, never a counter, so a cache that lost its keys
(restarted, evicted) answers a new token and every process reloads — a lost key can only cost a
reload, never keep something stale. Without a shared cache the versions are per process: fine
for one process, and :func:`cache_is_shared` says so to those who need to know."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _cache_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a dependency; the guard keeps core light
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


#: What a cache call raises when the cache is unreachable or answers nonsense.
CACHE_ERRORS = _cache_errors()

VERSION_SECONDS = 24 * 3600


def cache_is_shared() -> bool:
    """Whether every process of the deployment sees the same cache."""
    return bool(settings.CASEBRIDGE_CACHE_URL)


def _version_key(name: str) -> str:
    return f"version:{name}"


def shared_version(name: str) -> str:
    """The current version of ``name``; a new token when none is known (or the cache is down,
    in which case every call answers a new one: process caches then always reload)."""
    fresh = uuid.uuid4().hex
    try:
        if cache.add(_version_key(name), fresh, timeout=VERSION_SECONDS):
            return fresh
        current = cache.get(_version_key(name))
    except CACHE_ERRORS:
        logger.warning(
            "cache.unreachable", extra={"operation": "shared_version", "version_name": name}
        )
        return fresh
    return current if isinstance(current, str) else fresh


def shared_version_bump(name: str) -> None:
    """Tell every process that ``name`` changed (call it after the change committed)."""
    try:
        cache.set(_version_key(name), uuid.uuid4().hex, timeout=VERSION_SECONDS)
    except CACHE_ERRORS:
        # Readers reload whenever the cache cannot answer them either, and a cache back without
        # the key answers a new token. Only a cache that refused this write but kept the old
        # key and goes on answering others could keep a reader stale (VERSION_SECONDS at most).
        logger.warning("cache.unreachable", extra={"operation": "shared_version_bump"})


def cache_ping() -> bool:
    """True when a value written to the cache reads back (readiness)."""
    key = f"health:ping:{uuid.uuid4().hex}"  # one per call: nodes never read each other's
    try:
        cache.set(key, "pong", timeout=5)
        answer = cache.get(key)
        cache.delete(key)
    except CACHE_ERRORS:
        return False
    return answer == "pong"
