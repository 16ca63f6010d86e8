"""Default severity matrix and submission guideline requirements (data, loaded by migration)."""

SEVERITY = {
    ("high", "high"): "P1",
    ("high", "medium"): "P2",
    ("medium", "high"): "P2",
    ("high", "low"): "P3",
    ("medium", "medium"): "P3",
    ("low", "high"): "P3",
    ("medium", "low"): "P4",
    ("low", "medium"): "P4",
    ("low", "low"): "P4",
}

#: Field → which (priority, category) need it; "" is any.
ALWAYS = ["expected_behaviour", "actual_behaviour", "component", "business_impact", "actions_taken"]
INCIDENTS = [
    "error_messages",
    "steps_to_reproduce",
    "reproducible",
    "occurred_at",
    "frequency",
    "users_affected",
    "causes_ruled_out",
    "evidence",
]
GUIDELINES = [(field, "", "") for field in ALWAYS] + [
    (field, "", "incident") for field in INCIDENTS
]
