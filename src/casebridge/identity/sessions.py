"""A person's signed-in sessions, as django-allauth's user sessions track them."""

from __future__ import annotations

from allauth.usersessions.models import UserSession

from casebridge.parties.models import Person


def sessions_end(person: Person, *, keep_session_key: str | None = None) -> int:
    """End every session of ``person`` (but ``keep_session_key``): each is deleted from the
    session store, so its cookie signs nobody in any more. Returns how many ended."""
    ended = 0
    for session in UserSession.objects.filter(user_id=person.pk).exclude(
        session_key=keep_session_key or ""
    ):
        session.end()
        ended += 1
    return ended
