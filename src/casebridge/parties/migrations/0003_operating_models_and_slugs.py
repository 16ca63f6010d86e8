from django.db import migrations, models
import django.db.models.deletion
from django.utils.text import slugify


def create_models_and_slugs(apps, schema_editor):
    from casebridge.parties.defaults import ensure_default_operating_models

    OperatingModel = apps.get_model("parties", "OperatingModel")
    Organisation = apps.get_model("parties", "Organisation")
    CustomerRelationship = apps.get_model("parties", "CustomerRelationship")
    ensure_default_operating_models(OperatingModel)
    for relationship in CustomerRelationship.objects.all():
        relationship.operating_model_ref_id = relationship.operating_model
        relationship.save(update_fields=["operating_model_ref"])
    taken = set()
    for organisation in Organisation.objects.order_by("id"):
        base = slugify(organisation.name)[:70].strip("-") or "organisation"
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        taken.add(slug)
        organisation.slug = slug
        organisation.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("parties", "0002_list_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="OperatingModel",
            fields=[
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("code", models.SlugField(max_length=40, primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=200)),
                ("description", models.TextField(blank=True)),
                (
                    "partner_in_between",
                    models.BooleanField(
                        help_text="Whether a partner serves the customer (model 1) or the vendor does (model 2)."
                    ),
                ),
            ],
            options={"ordering": ["code"]},
        ),
        migrations.RemoveConstraint(
            model_name="customerrelationship",
            name="relationship_partner_matches_model",
        ),
        migrations.AddField(
            model_name="customerrelationship",
            name="operating_model_ref",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="parties.operatingmodel",
            ),
        ),
        migrations.AddField(
            model_name="organisation",
            name="slug",
            field=models.SlugField(max_length=80, null=True, db_index=False),
        ),
        migrations.RunPython(create_models_and_slugs, migrations.RunPython.noop),
        migrations.RemoveField(model_name="customerrelationship", name="operating_model"),
        migrations.RenameField(
            model_name="customerrelationship", old_name="operating_model_ref", new_name="operating_model"
        ),
        migrations.AlterField(
            model_name="customerrelationship",
            name="operating_model",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="relationships",
                to="parties.operatingmodel",
            ),
        ),
        migrations.AlterField(
            model_name="organisation",
            name="slug",
            field=models.SlugField(
                help_text="Short stable name for the CLI and URLs.", max_length=80, unique=True
            ),
        ),
    ]
