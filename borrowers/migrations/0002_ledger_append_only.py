from django.db import migrations

from lossmit.append_only import make_append_only

forwards, backwards = make_append_only("borrowers_ledgertransaction")


class Migration(migrations.Migration):
    dependencies = [("borrowers", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
