"""API tokens: machine credentials acting as one person, within scopes (read, write, exchange)
and until an expiry. Only a hash of the secret is kept. A token may issue tokens only within
its own scopes and lifetime, and revoking it revokes them; withdrawing a person's access
(deactivating them or their organisation) revokes all of theirs."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from casebridge.core import clock
from casebridge.core.audit import audit_record
from casebridge.core.errors import NotFound, PermissionDenied
from casebridge.core.validation import Errors, clean_single_line
from casebridge.parties.choices import TokenScope
from casebridge.parties.models import ApiToken, Person

#: Tokens look like ``cb_<prefix>_<secret>``; the prefix finds the row, the secret is hashed.
TOKEN_PREFIX_BYTES = 6
SCOPE_LIST = ", ".join(TokenScope.values)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _clean_scopes(scopes: Iterable[str], errors: Errors) -> list[str]:
    wanted = [str(scope) for scope in scopes]
    unknown = sorted({scope for scope in wanted if scope not in TokenScope.values})
    if unknown:
        errors.add("scopes", f"Not scopes: {', '.join(unknown)}. One of: {SCOPE_LIST}.")
    elif not wanted:
        errors.add("scopes", f"Give at least one of: {SCOPE_LIST}.")
    return [scope for scope in TokenScope.values if scope in wanted]


@transaction.atomic
def api_token_create(
    *,
    actor: Person,
    name: str,
    scopes: Iterable[str] = (TokenScope.READ,),
    expires_at: dt.datetime | None = None,
    minted_by: ApiToken | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token acting as ``actor``; the plain token is returned once and never stored.

    Without ``expires_at`` it lives CASEBRIDGE_API_TOKEN_DAYS, never more than
    CASEBRIDGE_API_TOKEN_MAX_DAYS. A token issued by another (``minted_by``, the token the
    request came with) gets no scope and no day more than that one has, and is revoked with
    it."""
    errors = Errors()
    name = clean_single_line(
        name,
        errors,
        "name",
        max_length=100,
        required_message="Name the token after the machine that uses it.",
    )
    scopes = _clean_scopes(scopes, errors)
    now = clock.now()
    longest = now + dt.timedelta(days=settings.CASEBRIDGE_API_TOKEN_MAX_DAYS)
    if expires_at is None:
        expires_at = min(now + dt.timedelta(days=settings.CASEBRIDGE_API_TOKEN_DAYS), longest)
        if minted_by is not None:
            expires_at = min(expires_at, minted_by.expires_at)
    elif expires_at <= now:
        errors.add("expires_at", "The expiry must be in the future.")
    elif expires_at > longest:
        errors.add("expires_at", f"At most {settings.CASEBRIDGE_API_TOKEN_MAX_DAYS} days ahead.")
    if minted_by is not None:
        if minted_by.person_id != actor.pk:
            raise PermissionDenied("A token issues tokens for its own person only.")
        if "scopes" not in errors and not set(scopes) <= set(minted_by.scopes):
            own = ", ".join(minted_by.scopes)
            errors.add("scopes", f"A token gives at most its own scopes: {own}.")
        if "expires_at" not in errors and expires_at > minted_by.expires_at:
            until = minted_by.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            errors.add("expires_at", f"A token gives at most its own lifetime, until {until}.")
    errors.raise_if_any("The token was not created.")
    prefix = secrets.token_hex(TOKEN_PREFIX_BYTES)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=actor,
        name=name,
        prefix=prefix,
        secret_hash=_hash_secret(secret),
        scopes=scopes,
        minted_by=minted_by,
        family=minted_by.family if minted_by is not None else prefix,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.created",
        target=token,
        organisation_id=actor.organisation_id,
        after={
            "name": name,
            "prefix": prefix,
            "scopes": scopes,
            "expires_at": expires_at,
            "minted_by": minted_by.prefix if minted_by else None,
        },
    )
    return token, f"cb_{prefix}_{secret}"


def _revoke_with_minted(tokens: list[ApiToken], *, actor: Person | None, reason: str) -> int:
    """Revoke ``tokens`` and every token they issued, however deep; one audit row each."""
    now = clock.now()
    revoked = 0
    pending = [token for token in tokens if token.revoked_at is None]
    seen: set[int] = set()
    while pending:
        ids = [token.pk for token in pending if token.pk not in seen]
        seen.update(ids)
        ApiToken.objects.filter(pk__in=ids, revoked_at__isnull=True).update(
            revoked_at=now, updated_at=now
        )
        for token in pending:
            audit_record(
                actor=actor,
                action="api_token.revoked",
                target=token,
                organisation_id=token.person.organisation_id,
                after={"prefix": token.prefix, "reason": reason},
            )
            token.revoked_at = now
        revoked += len(pending)
        pending = list(
            ApiToken.objects.select_related("person")
            .filter(minted_by_id__in=ids, revoked_at__isnull=True)
            .exclude(pk__in=seen)
        )
    return revoked


@transaction.atomic
def api_token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    """Revoke one of the actor's tokens, and the tokens it issued."""
    if token.person_id != actor.pk:
        raise PermissionDenied("You may only revoke your own tokens.")
    token = ApiToken.objects.select_for_update().select_related("person").get(pk=token.pk)
    if token.revoked_at is None:
        _revoke_with_minted([token], actor=actor, reason="revoked by its owner")
    return token


def api_tokens_revoke_all(*, actor: Person | None, people: QuerySet[Person], reason: str) -> int:
    """Revoke every live token of ``people`` (their access was withdrawn); the caller's
    transaction holds it. Returns how many were revoked."""
    live = list(
        ApiToken.objects.select_for_update()
        .select_related("person")
        .filter(person__in=people, revoked_at__isnull=True)
    )
    return _revoke_with_minted(live, actor=actor, reason=reason)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The live token presented (its active person loaded), or None; records when it was
    last used."""
    parts = (raw or "").split("_", 2)
    if len(parts) != 3 or parts[0] != "cb":
        return None
    _, prefix, secret = parts
    token = (
        ApiToken.objects.select_related("person__organisation")
        .filter(prefix=prefix, revoked_at__isnull=True, expires_at__gt=clock.now())
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
    return token


def api_token_list(*, actor: Person) -> QuerySet[ApiToken]:
    """A person's own tokens; nobody lists anyone else's."""
    return ApiToken.objects.filter(person=actor).order_by("-created_at", "id")


def access_api_token(actor: Person, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(person=actor, pk=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    return token
