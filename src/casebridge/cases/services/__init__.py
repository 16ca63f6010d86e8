"""Writes to cases. Each service is a block inside ``writing.case_write``, which locks the case,
checks the revision, saves the change with one revision bump, the clocks and the queue keys, and
records the outbox events, in one transaction; the block checks the workflow and the RASCI
policy, changes the case and appends its history."""

from casebridge.cases.services._common import (
    GUIDELINE_FIELDS,
    GUIDELINE_TEXTS,
    CaseClosed,
    IllegalAction,
    StaleRevision,
    UnsupportedUpload,
    UploadTooLarge,
)
from casebridge.cases.services._levels import assignable_people
from casebridge.cases.services.conversation import (
    MAX_REPLY_FILES,
    case_attach,
    case_comment,
    case_log_phone_call,
    case_reply,
)
from casebridge.cases.services.details import (
    DETAIL_FIELDS,
    assignable_side,
    can_change_priority,
    can_edit_details,
    case_assign,
    case_change_priority,
    case_set_attribution,
    case_update_details,
    side_worked_by,
)
from casebridge.cases.services.exchange import case_exchange_put, exchanged_case
from casebridge.cases.services.opening import IdempotencyKeyReused, case_open, priority_for
from casebridge.cases.services.transitions import case_transition

__all__ = [
    "DETAIL_FIELDS",
    "GUIDELINE_FIELDS",
    "GUIDELINE_TEXTS",
    "MAX_REPLY_FILES",
    "CaseClosed",
    "IdempotencyKeyReused",
    "IllegalAction",
    "StaleRevision",
    "UnsupportedUpload",
    "UploadTooLarge",
    "assignable_people",
    "assignable_side",
    "can_change_priority",
    "can_edit_details",
    "case_assign",
    "case_attach",
    "case_change_priority",
    "case_comment",
    "case_exchange_put",
    "case_log_phone_call",
    "case_open",
    "case_reply",
    "case_set_attribution",
    "case_transition",
    "case_update_details",
    "exchanged_case",
    "priority_for",
    "side_worked_by",
]
