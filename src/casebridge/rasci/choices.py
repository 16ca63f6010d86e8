from django.db import models

from casebridge.parties.choices import OrganisationKind

#: The parties a matrix assigns letters to are the kinds of organisation.
Party = OrganisationKind


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    RETIRED = "retired", "Retired"
