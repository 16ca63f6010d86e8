"""Shared mechanisms with no business rules: base models, errors, clock, audit, outbox, schedule."""
