"""The event kinds the parties record in the outbox (docs/integration.md lists them)."""

from __future__ import annotations

from casebridge.core.events import declare

ORGANISATION_CREATED = declare("organisation.created", "An organisation was added")
RELATIONSHIP_CREATED = declare(
    "relationship.created", "A customer's relationship (partner, plan, pin) was set up"
)
RELATIONSHIP_UPDATED = declare(
    "relationship.updated", "A customer's relationship (partner, plan, pin) changed"
)
PERSON_CREATED = declare("person.created", "A person was added to an organisation")
SUBMITTER_REGISTERED = declare("submitter.registered", "An authorised submitter was registered")
SUBMITTER_VERIFIED = declare("submitter.verified", "The vendor verified an authorised submitter")
SUBMITTER_DEACTIVATED = declare("submitter.deactivated", "An authorised submitter was deactivated")
CERTIFICATION_RECORDED = declare("certification.recorded", "A person's certification was recorded")
CERTIFICATION_EXPIRING = declare(
    "certification.expiring", "A certification expires soon (its holder and managers hear)"
)
