"""Invitation links: a random secret in the link, only its SHA-256 in the database."""

from __future__ import annotations

import hashlib
import secrets


def new_invitation_token() -> str:
    return secrets.token_urlsafe(32)


def hash_invitation_token(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()
