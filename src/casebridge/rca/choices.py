from django.db import models


class RcaStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed off"


class ActionKind(models.TextChoices):
    CORRECTIVE = "corrective", "Corrective"
    PREVENTIVE = "preventive", "Preventive"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


#: The sections a sign-off needs filled in.
MANDATORY_SECTIONS = ("impact", "root_cause", "public_summary")
#: What the customer reads of a signed RCA (the public version).
PUBLIC_SECTIONS = ("public_summary", "impact", "root_cause")
