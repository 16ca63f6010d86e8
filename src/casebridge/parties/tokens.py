"""API tokens: machine credentials acting as one person. Only a hash of the secret is kept."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import Q, QuerySet

from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.core.validation import Errors, clean_single_line
from casebridge.parties.models import ApiToken, Person

#: Tokens look like ``cb_<prefix>_<secret>``; the prefix finds the row, the secret is hashed.
TOKEN_PREFIX_BYTES = 6


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: Person, name: str, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token acting as ``actor``; the plain token is returned once and never stored."""
    errors = Errors()
    name = clean_single_line(
        name,
        errors,
        "name",
        max_length=100,
        required_message="Name the token after the machine that uses it.",
    )
    if expires_at is not None and expires_at <= clock.now():
        errors.add("expires_at", "The expiry must be in the future.")
    errors.raise_if_any("The token was not created.")
    prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=actor,
        name=name,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=token,
        organisation_id=actor.organisation_id,
        after={"name": name, "prefix": prefix},
    )
    return token, f"cb_{prefix}_{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    if token.person_id != actor.pk:
        raise PermissionDenied("You may only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="api_token.revoked",
            target=token,
            organisation_id=actor.organisation_id,
            after={"prefix": token.prefix},
        )
    return token


def api_token_authenticate(raw: str) -> Person | None:
    """The active person behind a presented token, or None; records when it was last used."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "cb":
        return None
    _, prefix, secret = parts
    token = (
        ApiToken.objects.select_related("person__organisation")
        .filter(prefix=prefix, revoked_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=clock.now()))
        .first()
    )
    if token is None or not secrets.compare_digest(token.secret_hash, _hash_secret(secret)):
        return None
    person = token.person
    if not person.is_active or not person.organisation.is_active:
        return None
    moment = clock.now()
    if token.last_used_at is None or moment - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=moment)
    return person


def api_token_list(*, actor: Person) -> QuerySet[ApiToken]:
    """A person's own tokens; nobody lists anyone else's."""
    return ApiToken.objects.filter(person=actor).order_by("-created_at", "id")


def access_api_token(actor: Person, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(person=actor, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
