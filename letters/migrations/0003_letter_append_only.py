"""Letters are what was sent: on PostgreSQL a trigger refuses UPDATE and DELETE on them."""

from django.db import migrations

from lossmit.append_only import make_append_only

forwards, backwards = make_append_only("letters_letter")


class Migration(migrations.Migration):
    dependencies = [("letters", "0002_default_templates")]

    operations = [migrations.RunPython(forwards, backwards)]
