import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0006_unique_identities_data"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="organisation",
            name="organisation_unique_name",
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                name="organisation_unique_name_any_kind",
            ),
        ),
        migrations.AddConstraint(
            model_name="organisation",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("helpdesk_email"),
                condition=models.Q(("helpdesk_email", ""), _negated=True),
                name="organisation_unique_helpdesk_email",
            ),
        ),
        migrations.AddConstraint(
            model_name="authorisedsubmitter",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("active", True)),
                name="submitter_unique_active_email",
            ),
        ),
    ]
