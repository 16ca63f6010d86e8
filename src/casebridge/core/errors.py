"""Domain errors: every refusal a service makes, with a stable code and per-field messages.

The API maps them to ``{"detail", "code", "fields"}`` with a 4xx status, the UI to form errors and
the CLI to a message and a non-zero exit.
"""

from __future__ import annotations

from collections.abc import Mapping


class DomainError(Exception):
    """A business rule refused the request; nothing was written."""

    code = "invalid"
    status = 422

    def __init__(
        self,
        detail: str,
        *,
        fields: Mapping[str, str | list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.fields: dict[str, list[str]] = {
            name: [messages] if isinstance(messages, str) else list(messages)
            for name, messages in (fields or {}).items()
        }

    def __str__(self) -> str:
        if not self.fields:
            return self.detail
        parts = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in sorted(self.fields.items())
        )
        return f"{self.detail} ({parts})"


class ValidationFailed(DomainError):
    """Input that breaks a rule of the domain (a field-level problem)."""

    code = "validation_failed"
    status = 422


class NotFound(DomainError):
    """Missing, or not visible to the caller: the two are indistinguishable on purpose."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    """The caller may see the object but may not perform this action on it."""

    code = "permission_denied"
    status = 403


class Conflict(DomainError):
    """The request clashes with the current state (a duplicate, a stale version)."""

    code = "conflict"
    status = 409


class PreconditionFailed(DomainError):
    """The caller's copy is stale: the row changed since it was read (If-Match)."""

    code = "precondition_failed"
    status = 412


class PayloadTooLarge(DomainError):
    """An upload or body larger than allowed."""

    code = "too_large"
    status = 413


class UnsupportedMediaType(DomainError):
    """Content of a type that is not accepted."""

    code = "unsupported_type"
    status = 415


def from_django_validation_error(error: Exception, detail: str) -> ValidationFailed:
    """Turn a Django ``ValidationError`` raised by ``full_clean`` into a domain error."""
    message_dict = getattr(error, "message_dict", None)
    if message_dict is None:
        messages = getattr(error, "messages", [str(error)])
        return ValidationFailed(detail, fields={"__all__": list(messages)})
    return ValidationFailed(detail, fields=dict(message_dict))


class RateLimited(DomainError):
    """Too many requests in the window; ``retry_after`` says when to come back (seconds)."""

    code = "rate_limited"
    status = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, fields={"retry_after": f"{retry_after} seconds."})
        self.retry_after = retry_after
