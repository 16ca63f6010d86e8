"""The event kinds the RASCI app records in the outbox (docs/integration.md lists them)."""

from __future__ import annotations

from casebridge.core.events import declare

VERSION_PUBLISHED = declare(
    "rasci.version_published", "A matrix version was published (the one before it retired)"
)
