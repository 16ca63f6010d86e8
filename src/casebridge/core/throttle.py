"""Throttles. Request rates (API calls per token) count in Django's cache, so the hot path
costs no query: with the shared cache of a cluster (Redis, ``CASEBRIDGE_CACHE_URL``) a token's
budget is one across every web process of every node; with the default local-memory cache each
web process counts on its own. While the shared cache is unreachable (a Redis restart) requests
count in the process instead — the limit loosens to one budget per process for that time, and
no request fails for it. Sign-in failures, locks and slow-downs are rare and must hold across
nodes and across a cache restart, so they live in the database (one short transaction on one
row).

Two kinds of answer to failures: :func:`fail` locks a key for a while (right for something only
one party can fail, such as one account from one address); :func:`slow` makes a key wait longer
after each further failure (right for what many share: an address behind a NAT, an account
anyone can type), so nobody can shut others out, only be slowed down themselves."""

from __future__ import annotations

import datetime as dt
import logging
import math

from django.core.cache import BaseCache, cache, caches
from django.db import IntegrityError, transaction

from casebridge.core import clock
from casebridge.core.caching import CACHE_ERRORS
from casebridge.core.models import Throttle

logger = logging.getLogger(__name__)


def _row(key: str, now: dt.datetime) -> Throttle:
    row = Throttle.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Throttle.objects.create(key=key, window_start=now, count=0)
    except IntegrityError:  # created by a parallel request
        return Throttle.objects.select_for_update().get(key=key)


def hit(key: str, *, limit: int, window: dt.timedelta) -> int:
    """Count one request; returns 0 if allowed, else the seconds until the window ends."""
    seconds = int(window.total_seconds())
    now = clock.now().timestamp()
    index = int(now // seconds)
    bucket = f"throttle:{key}:{index}"
    try:
        count = _count(cache, bucket, seconds + 1)
    except CACHE_ERRORS:
        logger.warning("throttle.cache_unreachable", extra={"key": key})
        count = _count(caches["local"], bucket, seconds + 1)
    if count <= limit:
        return 0
    return max(1, math.ceil((index + 1) * seconds - now))


def _count(store: BaseCache, bucket: str, timeout: int) -> int:
    store.add(bucket, 0, timeout=timeout)
    try:
        return store.incr(bucket)
    except ValueError:  # evicted between add and incr: start again
        store.set(bucket, 1, timeout=timeout)
        return 1


def locked_for(key: str) -> int:
    """Seconds left of a lock on ``key`` (0 when not locked)."""
    row = Throttle.objects.filter(key=key).values_list("locked_until", flat=True).first()
    if row is None:
        return 0
    left = (row - clock.now()).total_seconds()
    return max(0, math.ceil(left))


@transaction.atomic
def fail(key: str, *, limit: int, window: dt.timedelta, lock: dt.timedelta) -> int:
    """Count a failure; at ``limit`` failures within ``window`` lock the key for ``lock``.
    Returns the seconds locked (0 if not locked)."""
    now = clock.now()
    row = _row(key, now)
    if now - row.window_start >= window:
        row.window_start, row.count = now, 0
    row.count += 1
    if row.count >= limit:
        row.locked_until = now + lock
        row.count = 0
        row.window_start = now
    row.save(update_fields=["window_start", "count", "locked_until"])
    return locked_for(key)


@transaction.atomic
def slow(key: str, *, free: int, window: dt.timedelta, cap: dt.timedelta) -> int:
    """Count a failure; past ``free`` failures within ``window`` each further one makes the key
    wait before its next try — 1 s, 2 s, 4 s … at most ``cap`` — instead of locking it for the
    whole window. Returns the seconds to wait (0 if none)."""
    now = clock.now()
    row = _row(key, now)
    if now - row.window_start >= window:
        row.window_start, row.count, row.locked_until = now, 0, None
    row.count += 1
    beyond = row.count - free
    if beyond > 0:
        delay = min(cap.total_seconds(), float(2 ** min(beyond - 1, 30)))
        row.locked_until = now + dt.timedelta(seconds=delay)
    row.save(update_fields=["window_start", "count", "locked_until"])
    return locked_for(key)


def clear(key: str) -> None:
    Throttle.objects.filter(key=key).delete()
