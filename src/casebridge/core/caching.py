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
import threading
import uuid
from collections.abc import Callable, Hashable
from typing import Any, ClassVar, TypeVar, cast

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

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

T = TypeVar("T")


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


class VersionedCache:
    """A process cache of rows a write reads every time and an administrator rarely changes
    (relationships, matrices, the service-level book), checked against a shared version.

    ``get`` answers the value this process loaded for a key while :func:`shared_version` of the
    cache's name still answers the token it was loaded under; a change anywhere bumps the version,
    so every node reloads on its next read. :meth:`watch` bumps it on every save or delete of the
    rows the values come from; writes that bypass model signals (``bulk_create``,
    ``QuerySet.update``) call :meth:`invalidate` themselves. Misses are never cached, so a row
    created in bulk is simply loaded when first asked for."""

    _every: ClassVar[list[VersionedCache]] = []

    def __init__(self, name: str) -> None:
        self.name = name
        self._version: str | None = None
        self._values: dict[Hashable, Any] = {}
        self._lock = threading.Lock()
        VersionedCache._every.append(self)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        version = shared_version(self.name)
        with self._lock:
            if version != self._version:
                self._values, self._version = {}, version
            if key in self._values:
                return cast("T", self._values[key])
        value = load()
        if value is not None:
            with self._lock:
                if self._version == version:
                    self._values[key] = value
        return value

    def invalidate(self) -> None:
        """Drop what this process holds and tell the others: now (this transaction reads its own
        change) and again once it commits (a node that reloaded in between saw the old rows)."""
        with self._lock:
            self._values, self._version = {}, None
        shared_version_bump(self.name)
        transaction.on_commit(lambda: shared_version_bump(self.name))

    def watch(self, *models: type[Model]) -> None:
        def changed(**_: object) -> None:
            self.invalidate()

        for model in models:
            uid = f"versioned-cache:{self.name}:{model._meta.label}"
            post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
            post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")

    @classmethod
    def clear_all(cls) -> None:
        """Forget every process cache (tests: a rolled-back test must not leak rows)."""
        for each in cls._every:
            with each._lock:
                each._values, each._version = {}, None
