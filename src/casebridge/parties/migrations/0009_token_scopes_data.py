"""API tokens issued before scopes existed keep working as they did: every scope, and — if
they had no expiry — the longest lifetime from now (``CASEBRIDGE_API_TOKEN_MAX_DAYS``), so an
integration has that long to be given a new one. (On PostgreSQL a table is altered only after
its updates' triggers have run, hence a migration of its own between 0008 and 0010.)"""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def scope_existing_tokens(apps, schema_editor):
    ApiToken = apps.get_model("parties", "ApiToken")
    ApiToken.objects.update(scopes=["read", "write", "exchange"], family=models.F("prefix"))
    days = getattr(settings, "CASEBRIDGE_API_TOKEN_MAX_DAYS", 365)
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + dt.timedelta(days=days)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0008_token_scopes"),
    ]

    operations = [migrations.RunPython(scope_existing_tokens, migrations.RunPython.noop)]
