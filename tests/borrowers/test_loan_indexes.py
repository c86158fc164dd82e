"""borrowers_loan carries no duplicate index, and keeps the ones its queries rely on."""

import re

import pytest
from django.db import connection


def _loan_indexes() -> dict[str, str]:
    """Index name -> what it indexes (the definition without its name)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'borrowers_loan'")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'borrowers_loan'")
        rows = cursor.fetchall()
    return {name: re.sub(r"^CREATE (UNIQUE )?INDEX \S+ ", "", sql or name) for name, sql in rows}


@pytest.mark.django_db
def test_no_two_indexes_index_the_same_thing():
    indexes = _loan_indexes()
    assert len(set(indexes.values())) == len(indexes), indexes


@pytest.mark.django_db
def test_status_filters_have_the_status_number_index_and_no_single_status_index():
    indexes = _loan_indexes()
    assert "borrowers_loan_status_number" in indexes
    assert not [name for name in indexes if name.startswith("borrowers_loan_status_308b5418")]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pattern indexes exist on PostgreSQL only")
def test_loan_number_prefix_search_keeps_one_pattern_index():
    pattern = [name for name, sql in _loan_indexes().items() if "(loan_number varchar_pattern_ops)" in sql]
    assert pattern == ["borrowers_loan_loan_number_58cae042_like"]
