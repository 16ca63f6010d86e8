"""The event kinds the installed base records in the outbox (docs/integration.md lists them)."""

from __future__ import annotations

from casebridge.core.events import declare

RELEASE_PUBLISHED = declare("release.published", "A release and its bundle were published")
END_OF_LIFE_NOTICE = declare(
    "installed_base.end_of_life_notice", "Installed software nears its end of life"
)
