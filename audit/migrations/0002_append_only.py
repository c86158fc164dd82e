from django.db import migrations

from lossmit.append_only import make_append_only

forwards, backwards = make_append_only("audit_auditevent")


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
