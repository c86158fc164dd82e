"""Bulk loading of generated rows: COPY on PostgreSQL, executemany on SQLite.

The generator assigns every id itself (so foreign keys are known before anything is written);
rows of a chunk carry ids local to the chunk, and `bases` (the first id of the chunk in each
table) are added as the rows are turned into COPY text. That lets worker processes generate
chunks in parallel while the ids stay gap-free and identical to a single-process run.
"""

import io
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, connection

from borrowers.demo.portfolio import TABLES

# Which id space each id column points into; other columns are copied as they are.
ID_REFERENCES = {
    "borrowers_borrower": {"id": "borrowers_borrower"},
    "borrowers_phone": {"id": "borrowers_phone", "borrower_id": "borrowers_borrower"},
    "borrowers_property": {"id": "borrowers_property"},
    "borrowers_valuation": {"id": "borrowers_valuation", "property_id": "borrowers_property"},
    "borrowers_loan": {
        "id": "borrowers_loan",
        "borrower_id": "borrowers_borrower",
        "co_borrower_id": "borrowers_borrower",
        "property_id": "borrowers_property",
    },
    "borrowers_ledgertransaction": {
        "id": "borrowers_ledgertransaction",
        "loan_id": "borrowers_loan",
        "payment_id": "borrowers_ledgertransaction",
        "reversal_of_id": "borrowers_ledgertransaction",
        "original_payment_id": "borrowers_ledgertransaction",
    },
}
POSTING_TIME = time(10, 0)  # rows are stamped as posted mid-morning on their business date


def model_for(table: str):
    return next(m for m in apps.get_app_config("borrowers").get_models() if m._meta.db_table == table)


def table_columns(table: str, generated: Sequence[str]) -> tuple[list[str], list[object]]:
    """Columns to load: the generated ones, plus any column the generator does not know about
    (added to the model later) filled with the field's default, so seeding keeps working."""
    extra_columns, extra_values = [], []
    for field in model_for(table)._meta.concrete_fields:
        if field.column in generated:
            continue
        if not field.null and not field.has_default():
            raise RuntimeError(f"seed_demo does not know how to fill {table}.{field.column}; teach borrowers/demo.")
        extra_columns.append(field.column)
        extra_values.append(field.get_default())
    return list(generated) + extra_columns, extra_values


class Stamper:
    """Timestamp text for a business date, cached: the same for a date in every run."""

    def __init__(self, vendor: str):
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.vendor = vendor
        self.cache: dict[date, str] = {}

    def __call__(self, day: date) -> str:
        text = self.cache.get(day)
        if text is None:
            moment = datetime.combine(day, POSTING_TIME, tzinfo=self.zone)
            text = self.cache[day] = self.text(moment)
        return text

    def text(self, moment: datetime) -> str:
        if self.vendor == "postgresql":
            return moment.isoformat(" ")
        return connection.ops.adapt_datetimefield_value(moment)


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    return str(value)


def make_formatter(table: str, columns: Sequence[str], extras: Sequence[object]) -> Callable[[list, dict], bytes]:
    """A function turning a chunk's rows of `table` into COPY text with the id bases added.

    It is compiled from source once per table because it runs for every generated row, and a
    specialised f-string is several times faster than a generic per-value loop. Values are our
    own (no tab, newline or backslash), so no escaping is needed; NULL columns come from the
    model's nullability.
    """
    model = model_for(table)
    nullable = {f.column for f in model._meta.concrete_fields if f.null}
    refs = ID_REFERENCES[table]
    bases = sorted(set(refs.values()))
    parts = []
    for index, column in enumerate(columns[: len(columns) - len(extras)]):
        expr = f"r[{index}]"
        if column in refs:
            expr = f"{expr} + b{bases.index(refs[column])}"
        if column in nullable:
            expr = f"(N if r[{index}] is None else {expr})"
        parts.append("{" + expr + "!s}")  # !s: str() is several times faster than format() for Decimal and date
    tail = "".join("\t" + _copy_value(v) for v in extras)
    unpack = "".join(f"    b{i} = bases[{name!r}]\n" for i, name in enumerate(bases))
    source = (
        "def fmt(rows, bases):\n"
        f"{unpack}"
        "    N = '\\\\N'\n"
        f"    return ''.join([f'{chr(9).join(parts)}{tail}\\n' for r in rows]).encode()\n"
    )
    namespace: dict = {}
    exec(compile(source, f"<seed_demo copy formatter for {table}>", "exec"), namespace)  # noqa: S102
    return namespace["fmt"]


class Formatters:
    """COPY column lists and row formatters for every table, built once per run."""

    def __init__(self):
        self.columns: dict[str, list[str]] = {}
        self.extras: dict[str, list[object]] = {}
        self.fmt: dict[str, Callable] = {}
        for table, generated in TABLES:
            columns, extras = table_columns(table, generated)
            self.columns[table] = columns
            self.extras[table] = extras
            self.fmt[table] = make_formatter(table, columns, extras)

    def copy_text(self, rows: dict[str, list[tuple]], bases: dict[str, int]) -> dict[str, bytes]:
        return {table: self.fmt[table](rows[table], bases) for table, _ in TABLES if rows[table]}

    def copy_sql(self, table: str) -> str:
        return f"COPY {table} ({', '.join(self.columns[table])}) FROM STDIN"


def copy_chunk(cursor, formatters: Formatters, texts: dict[str, bytes]) -> None:
    """COPY one chunk's tables, parents first (foreign keys are checked per statement)."""
    for table, _ in TABLES:
        data = texts.get(table)
        if data:
            cursor.copy_expert(formatters.copy_sql(table), io.BytesIO(data), size=1 << 20)


def insert_rows(formatters: Formatters, rows: dict[str, list[tuple]]) -> None:
    """SQLite (and any non-PostgreSQL database): executemany with ids already global."""
    with connection.cursor() as cursor:
        for table, _ in TABLES:
            batch = rows[table]
            if not batch:
                continue
            columns = formatters.columns[table]
            extras = tuple(formatters.extras[table])
            placeholders = ", ".join(["%s"] * len(columns))
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, [row + extras for row in batch] if extras else batch)


def next_ids() -> dict[str, int]:
    """The first free id in each table."""
    ids = {}
    with connection.cursor() as cursor:
        for table, _ in TABLES:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {connection.ops.quote_name(table)}")  # noqa: S608
            ids[table] = cursor.fetchone()[0]
    return ids


def advance_sequences() -> None:
    """PostgreSQL: move each id sequence past the ids we wrote ourselves."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows the largest id on its own
    with connection.cursor() as cursor:
        for table, _ in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",  # noqa: S608
                [table],
            )


def lock_tables() -> None:
    """PostgreSQL: keep two seeders (two `make run`s) from interleaving ids."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {', '.join(t for t, _ in TABLES)} IN SHARE ROW EXCLUSIVE MODE")


def skip_row_foreign_key_checks() -> bool:
    """PostgreSQL superuser only: stop the per-row foreign-key triggers for this transaction.

    Checking 2 million ledger rows one by one costs as much as writing them; the seeder checks
    every foreign key once, set-based, with `check_foreign_keys` before commit instead. Unique
    and check constraints still apply row by row. Returns False (nothing changed) when the
    role may not do this; the load then runs with the ordinary per-row checks.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if not cursor.fetchone()[0]:
            return False
        cursor.execute("SET LOCAL session_replication_role = replica")
    return True


def restore_row_foreign_key_checks() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def foreign_keys() -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) for every foreign key we load."""
    keys = []
    for table, _ in TABLES:
        for field in model_for(table)._meta.concrete_fields:
            if field.is_relation and (field.many_to_one or field.one_to_one):
                target = field.target_field
                keys.append((table, field.column, target.model._meta.db_table, target.column))
    return keys


def check_foreign_keys(bases: dict[str, int]) -> None:
    """Every foreign key in the rows written from `bases` on must point at an existing row."""
    with connection.cursor() as cursor:
        for table, column, parent, parent_column in foreign_keys():
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} c WHERE c.id >= %s AND c.{column} IS NOT NULL "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.{parent_column} = c.{column})",
                [bases[table]],
            )
            broken = cursor.fetchone()[0]
            if broken:
                raise IntegrityError(f"seed_demo wrote {broken} rows of {table}.{column} pointing nowhere")


def analyze() -> None:
    """Fresh statistics, so the first pages after seeding get good plans."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(t for t, _ in TABLES)}")
