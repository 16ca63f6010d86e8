from django.db import migrations


def load_defaults(apps, schema_editor):
    from casebridge.rasci.defaults import ensure_default_matrices

    ensure_default_matrices(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("rasci", "0001_initial"),
        ("parties", "0003_operating_models_and_slugs"),
    ]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
    ]
