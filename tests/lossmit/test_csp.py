import pytest

from lossmit.csp import RELAXED_HEADER, STRICT_HEADER


@pytest.mark.django_db
def test_pages_forbid_inline_scripts(client, specialist):
    """Every page carries a CSP that allows scripts from our own origin only."""
    client.force_login(specialist)
    response = client.get("/loans/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == STRICT_HEADER
    assert "script-src 'self';" in STRICT_HEADER
    assert "unsafe-inline" not in STRICT_HEADER


@pytest.mark.django_db
def test_login_page_has_no_inline_script(client):
    """The pages we render keep to the policy: no inline <script> blocks."""
    html = client.get("/accounts/login/").content.decode()
    assert "<script>" not in html
    assert "<script" not in html.replace('<script src="', "")


@pytest.mark.django_db
def test_only_the_swagger_page_is_relaxed(client):
    """The API docs page boots Swagger UI inline, so only it gets the relaxed policy."""
    assert client.get("/api/docs/")["Content-Security-Policy"] == RELAXED_HEADER
    assert client.get("/healthz")["Content-Security-Policy"] == STRICT_HEADER
