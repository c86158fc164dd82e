"""SQL fragments that differ between PostgreSQL (the production target) and SQLite (the
embedded default). The scan's statements are written once with these helpers.

Dates travel as ISO strings in named parameters: `Dialect.date("as_of")` reads one.
"""

from django.db import connection


class Dialect:
    def __init__(self, vendor: str):
        self.pg = vendor == "postgresql"

    def date(self, name: str) -> str:
        return f"CAST(%({name})s AS date)" if self.pg else f"%({name})s"

    def add_days(self, expr: str, days: str) -> str:
        """`expr` (a date) plus `days` (an integer expression) as a date."""
        return f"(({expr}) + ({days}))" if self.pg else f"date(julianday({expr}) + ({days}))"

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from `earlier` to `later` (may be negative)."""
        return (
            f"(({later}) - ({earlier}))" if self.pg else f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        )

    def month_end(self, expr: str) -> str:
        """The last day of `expr`'s month."""
        if self.pg:
            return f"CAST(date_trunc('month', {expr}) + interval '1 month - 1 day' AS date)"
        return f"date({expr}, 'start of month', '+1 month', '-1 day')"

    def year(self, expr: str) -> str:
        return f"CAST(EXTRACT(YEAR FROM {expr}) AS INTEGER)" if self.pg else f"CAST(strftime('%%Y', {expr}) AS INTEGER)"

    def month(self, expr: str) -> str:
        return (
            f"CAST(EXTRACT(MONTH FROM {expr}) AS INTEGER)" if self.pg else f"CAST(strftime('%%m', {expr}) AS INTEGER)"
        )

    def day(self, expr: str) -> str:
        return f"CAST(EXTRACT(DAY FROM {expr}) AS INTEGER)" if self.pg else f"CAST(strftime('%%d', {expr}) AS INTEGER)"

    def greatest(self, *exprs: str) -> str:
        return f"{'GREATEST' if self.pg else 'MAX'}({', '.join(exprs)})"

    def least(self, *exprs: str) -> str:
        return f"{'LEAST' if self.pg else 'MIN'}({', '.join(exprs)})"

    def money_text(self, expr: str) -> str:
        """A money amount as text with two places (SQLite keeps decimals as numbers)."""
        return f"CAST(({expr}) AS TEXT)" if self.pg else f"printf('%%.2f', {expr})"

    def text(self, expr: str) -> str:
        return f"CAST(({expr}) AS TEXT)"

    def distinct(self, a: str, b: str) -> str:
        """Null-safe "differs" (SQLite's IS NOT is already null-safe)."""
        return f"({a} IS DISTINCT FROM {b})" if self.pg else f"({a} IS NOT {b})"

    def materialize(self) -> str:
        """Appended to a subquery: keep it from being merged into the outer query, so each of its
        columns is computed once per row instead of once per reference (OFFSET 0 is the
        PostgreSQL idiom; SQLite needs a LIMIT with it)."""
        return " OFFSET 0" if self.pg else " LIMIT -1 OFFSET 0"

    def json(self, expr: str) -> str:
        return f"CAST(({expr}) AS jsonb)" if self.pg else f"({expr})"


def current_dialect() -> Dialect:
    return Dialect(connection.vendor)
