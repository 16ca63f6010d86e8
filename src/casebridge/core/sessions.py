"""Sessions in the shared cache, in front of the database (``CASEBRIDGE_SESSION_STORE=cached_db``).

Django's cached_db store with two changes for a cluster whose cache may restart or drop out:

- the database stays the truth and the cache is only ever a copy: reading, writing or asking
  the cache never fails a request (an unreachable cache reads from the database);
- a copy lives at most ``CASEBRIDGE_SESSION_CACHE_SECONDS``: a sign-out deletes the row and the
  copy, and should the cache miss that delete (down that moment, back with its data later) the
  copy it kept outlives the sign-out by that long at most, never the session's whole age.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches

from casebridge.core.caching import CACHE_ERRORS

logger = logging.getLogger(__name__)


class SessionStore(CachedDBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self.copies = caches[settings.SESSION_CACHE_ALIAS]

    def _copy_seconds(self, age: int) -> int:
        return max(0, min(age, settings.CASEBRIDGE_SESSION_CACHE_SECONDS))

    def load(self) -> dict[str, Any]:
        try:
            data = self.copies.get(self.cache_key)
        except CACHE_ERRORS:
            logger.warning("sessions.cache_unreachable", extra={"operation": "load"})
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()  # type: ignore[attr-defined]  # not in the stubs
        if not row:
            return {}
        data = self.decode(row.session_data)
        self._cache_put(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def exists(self, session_key: str | None) -> bool:
        if not session_key:
            return False
        try:
            if (self.cache_key_prefix + session_key) in self.copies:
                return True
        except CACHE_ERRORS:
            logger.warning("sessions.cache_unreachable", extra={"operation": "exists"})
        return super(CachedDBStore, self).exists(session_key)

    def save(self, must_create: bool = False) -> None:
        super(CachedDBStore, self).save(must_create)
        self._cache_put(self._get_session(), self.get_expiry_age())  # type: ignore[attr-defined]

    def delete(self, session_key: str | None = None) -> None:
        super(CachedDBStore, self).delete(session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self.copies.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS:
            # The row is gone; a copy the cache kept dies with its short timeout.
            logger.warning("sessions.cache_unreachable", extra={"operation": "delete"})

    def _cache_put(self, data: dict[str, Any], age: int) -> None:
        try:
            self.copies.set(self.cache_key, data, self._copy_seconds(age))
        except CACHE_ERRORS:
            logger.warning("sessions.cache_unreachable", extra={"operation": "save"})
