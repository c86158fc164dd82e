"""Indexes for loan search on PostgreSQL.

Search matches loan numbers by prefix (LIKE 'x%') and last names and street addresses by
substring (UPPER(col) LIKE UPPER('%x%')). A varchar_pattern_ops B-tree serves the prefix match
whatever the database collation; trigram GIN indexes serve the substring matches. pg_trgm is
a trusted extension (PostgreSQL 13+), so the database owner may create it. SQLite, the
zero-setup default, keeps its plain indexes.
"""

from django.db import migrations

INDEXES = {
    "borrowers_loan_number_pattern": "CREATE INDEX IF NOT EXISTS borrowers_loan_number_pattern "
    "ON borrowers_loan (loan_number varchar_pattern_ops)",
    "borrowers_borrower_last_name_trgm": "CREATE INDEX IF NOT EXISTS borrowers_borrower_last_name_trgm "
    "ON borrowers_borrower USING gin (UPPER(last_name::text) gin_trgm_ops)",
    # The exact expression Django's Concat("first_name", " ", "last_name") compiles to, so the
    # full-name match can use the index too.
    "borrowers_borrower_full_name_trgm": "CREATE INDEX IF NOT EXISTS borrowers_borrower_full_name_trgm "
    "ON borrowers_borrower USING gin (UPPER((COALESCE(first_name, '') || COALESCE((COALESCE(' ', '') "
    "|| COALESCE(last_name, '')), ''))::text) gin_trgm_ops)",
    "borrowers_property_address1_trgm": "CREATE INDEX IF NOT EXISTS borrowers_property_address1_trgm "
    "ON borrowers_property USING gin (UPPER(address1::text) gin_trgm_ops)",
    # Phone search compares digits only: the same REPLACE chain borrowers.selectors builds.
    "borrowers_phone_digits_trgm": "CREATE INDEX IF NOT EXISTS borrowers_phone_digits_trgm "
    "ON borrowers_phone USING gin ((REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(number::text, '+', ''), "
    "' ', ''), '(', ''), ')', ''), '-', ''), '.', '')) gin_trgm_ops)",
    "borrowers_loan_status_number": "CREATE INDEX IF NOT EXISTS borrowers_loan_status_number "
    "ON borrowers_loan (status, loan_number)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm", params=None)
    for sql in INDEXES.values():
        schema_editor.execute(sql, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}", params=None)


class Migration(migrations.Migration):
    dependencies = [("borrowers", "0002_ledger_append_only")]
    operations = [migrations.RunPython(forwards, backwards)]
