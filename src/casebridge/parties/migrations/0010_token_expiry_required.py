from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0009_token_scopes_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
