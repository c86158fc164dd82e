from django.db import migrations

# The scan rewrites every loan's status row each night. With free space left in each page,
# PostgreSQL updates a row in place (a HOT update) when no indexed column changed, which is most
# rows most nights: no index writes, less bloat.
FILLFACTOR = 70


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE delinquency_loandelinquency SET (fillfactor = {FILLFACTOR})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE delinquency_loandelinquency RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("delinquency", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
