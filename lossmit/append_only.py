"""Append-only tables on PostgreSQL: a trigger refuses UPDATE and DELETE.

Used by the audit and ledger migrations. On SQLite (the zero-setup default) the app's own
services are the only guard; production and CI run PostgreSQL, where even a stray UPDATE from
psql fails.
"""

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION lossmit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def make_append_only(table: str):
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(FUNCTION_SQL, params=None)
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION lossmit_refuse_change();"
        )
        # TRUNCATE is left to database administrators (and the test runner's flush); it is not
        # something the app or a stray statement does by accident.

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")

    return forwards, backwards
