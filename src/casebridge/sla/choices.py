from django.db import models


class Priority(models.TextChoices):
    P1 = "P1", "Priority 1"
    P2 = "P2", "Priority 2"
    P3 = "P3", "Priority 3"
    P4 = "P4", "Priority 4"


class Metric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    UPDATE = "update", "Next update"
    RESOLUTION = "resolution", "Resolution"


class ClockStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    BREACHED = "breached", "Breached"
    MET = "met", "Met"
    MISSED = "missed", "Met late"
    INACTIVE = "inactive", "Not running"


#: Weekday names as the API and CLI spell them; 0 is Monday as in ``date.weekday()``.
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
