"""API tokens get scopes and the token that issued them (0009 fills them in for the tokens
issued before; 0010 makes the expiry required)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0007_unique_identities"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="minted_by",
            field=models.ForeignKey(
                blank=True,
                help_text="The token that issued this one; revoking it revokes this one too.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="minted",
                to="parties.apitoken",
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="family",
            field=models.CharField(
                blank=True,
                help_text="The prefix of the first token of its line; the request rate counts "
                "per line.",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(default=list, help_text="Of read, write, exchange."),
        ),
    ]
