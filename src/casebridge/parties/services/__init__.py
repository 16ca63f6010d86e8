"""Writes to the parties' data. Each service is one transaction: check, save, audit, outbox."""

from casebridge.parties.services.certifications import certification_record, training_record
from casebridge.parties.services.organisations import (
    organisation_create,
    organisation_update,
    relationship_set,
)
from casebridge.parties.services.people import person_create, person_update
from casebridge.parties.services.submitters import (
    submitter_deactivate,
    submitter_register,
    submitter_verify,
)

__all__ = [
    "certification_record",
    "organisation_create",
    "organisation_update",
    "person_create",
    "person_update",
    "relationship_set",
    "submitter_deactivate",
    "submitter_register",
    "submitter_verify",
    "training_record",
]
