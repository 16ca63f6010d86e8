"""Who sees which installations: the vendor all, a partner its customers', a customer its own."""

from __future__ import annotations

from typing import Any

from django.db import models

from casebridge.parties.querysets import visible_organisation_ids


class InstallationQuerySet(models.QuerySet):
    def visible_to(self, actor: Any) -> InstallationQuerySet:
        ids = visible_organisation_ids(actor)
        if ids is None:
            return self.all()
        return self.filter(customer_id__in=ids)
