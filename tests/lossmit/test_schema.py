from django.core.management import call_command


def test_openapi_schema_generates_without_warnings(tmp_path, db):
    """Every operation and field is typed: drf-spectacular validates the schema with no warning."""
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/evaluations/preview/" in text
    assert "/api/v1/loans/{id}/" in text
    assert "/api/v1/cases/{id}/" in text
