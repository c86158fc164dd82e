"""Load version 1 of each letter template (the texts in _default_templates.py)."""

from django.db import migrations

from letters.migrations._default_templates import DEFAULTS


def load(apps, schema_editor):
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    for kind, text in DEFAULTS.items():
        if not LetterTemplate.objects.filter(kind=kind).exists():
            LetterTemplate.objects.create(
                kind=kind,
                version=1,
                subject=text["subject"],
                body=text["body"],
                active=True,
                note="Default text shipped with Lossmit.",
            )


def unload(apps, schema_editor):
    apps.get_model("letters", "LetterTemplate").objects.filter(version=1, edited_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("letters", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
