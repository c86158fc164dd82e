"""Drop borrowers_loan's duplicate indexes (PostgreSQL had 14 on the table).

- borrowers_loan_number_pattern (0003): the same B-tree on (loan_number varchar_pattern_ops)
  as borrowers_loan_loan_number_<hash>_like, which Django creates for the unique loan_number
  on PostgreSQL. That one keeps serving the prefix match (LIKE 'x%': loan search, the API's
  loan_number filter).
- status's own index and its varchar_pattern_ops twin (db_index=True): (status, loan_number)
  leads with status, so it serves every status filter; nothing matches status with LIKE.

(status, loan_number) was created by 0003's SQL on PostgreSQL only; it is now in the model's
Meta, and created here where missing (SQLite), so no database loses its status index.
"""

from django.db import migrations, models

STATUS_NUMBER_SQL = "CREATE INDEX IF NOT EXISTS borrowers_loan_status_number ON borrowers_loan (status, loan_number)"
NUMBER_PATTERN_SQL = (
    "CREATE INDEX IF NOT EXISTS borrowers_loan_number_pattern ON borrowers_loan (loan_number varchar_pattern_ops)"
)


def create_status_number(apps, schema_editor):
    schema_editor.execute(STATUS_NUMBER_SQL, params=None)


def drop_status_number_outside_postgresql(apps, schema_editor):
    # On PostgreSQL it predates this migration (0003), which drops it on its own way back.
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS borrowers_loan_status_number", params=None)


def drop_number_pattern(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS borrowers_loan_number_pattern", params=None)


def create_number_pattern(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NUMBER_PATTERN_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("borrowers", "0003_search_indexes")]

    operations = [
        # First the composite index, so status filters are never without one.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="loan",
                    index=models.Index(fields=["status", "loan_number"], name="borrowers_loan_status_number"),
                ),
            ],
            database_operations=[
                migrations.RunPython(create_status_number, drop_status_number_outside_postgresql),
            ],
        ),
        migrations.AlterField(
            model_name="loan",
            name="status",
            field=models.CharField(
                choices=[
                    ("active", "Active"),
                    ("paid_off", "Paid off"),
                    ("liquidated", "Liquidated"),
                    ("charged_off", "Charged off"),
                ],
                default="active",
                max_length=20,
            ),
        ),
        migrations.RunPython(drop_number_pattern, create_number_pattern),
    ]
